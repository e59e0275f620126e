"""The project's own exports import back whole, and a ticket's older version never overwrites a newer one."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from data.ingest import ingest
from tests.test_ingest import nyc_row, rows_of, write_csv

BASE = datetime(2026, 3, 2, 9)


def same_as_the_city(target: Path, con: duckdb.DuckDBPyConnection) -> bool:
    """Whether target's requests and incidents equal the city's, but for the dataset (each import names its own)."""
    tables = {"requests": "select * exclude (source) from requests order by source, request_id",
              "incidents": "select * exclude (dataset) from incidents order by dataset, incident_id"}
    with duckdb.connect(str(target), read_only=True) as copy:
        return all(copy.execute(sql).pl().equals(con.execute(sql).pl()) for sql in tables.values())


def exported(con: duckdb.DuckDBPyConnection, folder: Path, table: str, bom: bool) -> Path:
    """The table as CSV: DuckDB's copy, or as the dashboard writes its exports (Polars, with a BOM)."""
    path = folder / f"{table}.csv"
    if bom:
        path.write_bytes(con.execute(f"select * from {table}").pl().write_csv().encode("utf-8-sig"))
    else:
        con.execute(f"copy (select * from {table}) to '{path}' (header)")
    return path


@pytest.mark.parametrize("bom", [False, True], ids=["duckdb-copy", "bom"])
def test_the_demo_citys_requests_and_incidents_import_whole_and_again_change_nothing(tmp_path, con, bom):
    requests, incidents = (exported(con, tmp_path, table, bom) for table in ("requests", "incidents"))
    target = tmp_path / "copy.duckdb"
    first = [ingest([requests], target), ingest([incidents], target, kind="incidents")]
    total = con.execute("select (select count(*) from requests), (select count(*) from incidents)").fetchone()
    assert [(summary.read, summary.loaded, summary.rejected) for summary in first] == \
        [(total[0], total[0], 0), (total[1], total[1], 0)]
    assert same_as_the_city(target, con)
    before = rows_of(target, "select count(*), sum(hash(r)) from requests r union all "
                             "select count(*), sum(hash(i)) from incidents i")
    again = [ingest([requests], target), ingest([incidents], target, kind="incidents")]
    assert [summary.rejected for summary in again] == [0, 0]
    assert rows_of(target, "select count(*), sum(hash(r)) from requests r union all "
                           "select count(*), sum(hash(i)) from incidents i") == before
    assert same_as_the_city(target, con)
    assert rows_of(target, "select count(*) from rejected_rows")[0][0] == 0


def ticket(request_id: str, stages: int, **changes) -> dict:
    """A request in our own columns with its first `stages` life-cycle stages timed, called back when all five are."""
    moments = [BASE + timedelta(hours=h) for h in (0, 1, 3, 20, 30)]
    row = {"request_id": request_id, "category": "市容环境", "subcategory": "垃圾", "text": "路边垃圾",
           "district": "东城区",
           **{column: f"{moment:%Y-%m-%d %H:%M:%S}" if number < stages else ""
              for number, (column, moment) in enumerate(zip(
                  ("received_at", "dispatched_at", "responded_at", "handled_at", "callback_at"), moments))},
           "satisfied": "true" if stages == 5 else ""}
    return {**row, **changes}


def ours(path: Path, rows: list[dict]) -> Path:
    return write_csv(path, rows, headers=list(rows[0]))


STORED = "select request_id, dispatched_at, handled_at, callback_at, satisfied from requests order by request_id"


def test_a_newer_version_is_applied_and_an_older_one_after_it_is_refused_and_kept(tmp_path):
    target = tmp_path / "city.duckdb"
    ingest([ours(tmp_path / "monday.csv", [ticket("T1", 1), ticket("T2", 2)])], target, source="12345")
    newer = ingest([ours(tmp_path / "tuesday.csv", [ticket("T1", 5), ticket("T2", 4)])], target, source="12345")
    assert (newer.loaded, newer.rejected) == (2, 0)
    applied = rows_of(target, STORED)
    assert applied == [("T1", BASE + timedelta(hours=1), BASE + timedelta(hours=20), BASE + timedelta(hours=30), True),
                       ("T2", BASE + timedelta(hours=1), BASE + timedelta(hours=20), None, None)]
    late = ours(tmp_path / "monday-again.csv", [ticket("T1", 1), ticket("T2", 4, text="corrected")])
    older = ingest([late], target, source="12345")
    assert (older.read, older.loaded, older.rejected) == (2, 1, 1)
    (line, reason, detail, raw), = rows_of(target, "select line, reason, detail, raw from rejected_rows "
                                                   "where file = ?", [str(late)])
    assert (line, json.loads(raw)["request_id"]) == (2, "T1")
    assert reason == "older than the stored version"
    assert detail == "stored: 5 stages, the last at 2026-03-03 15:00:00; this row 1 stages, the last at 2026-03-02 09:00:00"
    assert rows_of(target, STORED) == applied  # T2 as far along: the corrected row replaces it, its times the same
    assert rows_of(target, "select text from requests where request_id = 'T2'") == [("corrected",)]


def test_in_one_file_the_version_furthest_along_is_kept_wherever_it_stands(tmp_path):
    target = tmp_path / "city.duckdb"
    path = ours(tmp_path / "day.csv", [ticket("T1", 4), ticket("T1", 2), ticket("T2", 1), ticket("T2", 3)])
    summary = ingest([path], target, source="12345")
    assert (summary.read, summary.loaded, summary.rejected) == (4, 2, 2)
    assert rows_of(target, "select request_id, count(dispatched_at) + count(responded_at) + count(handled_at) "
                           "from requests group by all order by all") == [("T1", 3), ("T2", 2)]
    assert rows_of(target, "select line, reason, detail from rejected_rows order by line") == [
        (3, "older than another line", ("line 2 is kept (4 stages, the last at 2026-03-03 05:00:00; "
                                        "this row 2 stages, the last at 2026-03-02 10:00:00)")),
        (4, "older than another line", ("line 5 is kept (3 stages, the last at 2026-03-02 12:00:00; "
                                        "this row 1 stages, the last at 2026-03-02 09:00:00)"))]


def test_a_nyc_ticket_closed_later_is_applied_and_its_open_version_arriving_after_is_refused(tmp_path):
    target = tmp_path / "city.duckdb"
    opened, closed = nyc_row(7, BASE), nyc_row(7, BASE, BASE + timedelta(days=1))
    ingest([write_csv(tmp_path / "open.csv", [opened])], target)
    ingest([write_csv(tmp_path / "closed.csv", [closed])], target)
    assert rows_of(target, "select handled_at from requests") == [(BASE + timedelta(days=1),)]
    late = ingest([write_csv(tmp_path / "open-again.csv", [opened])], target)
    assert (late.loaded, late.rejected) == (0, 1)
    assert late.refused["reason"][0] == "older than the stored version"
    assert rows_of(target, "select detail from rejected_rows")[0][0].startswith("stored: 2 stages")
    assert rows_of(target, "select handled_at from requests") == [(BASE + timedelta(days=1),)]


def incident(incident_id: str, stages: int) -> dict:
    moments = [BASE + timedelta(minutes=m) for m in (0, 5, 15, 50, 300)]
    return {"incident_id": incident_id, "type": "道路积水", "severity": "2",
            **{f"{stage}_at": f"{moment:%Y-%m-%d %H:%M:%S}" if number < stages else "" for number, (stage, moment)
               in enumerate(zip(("detected", "acknowledged", "dispatched", "onsite", "closed"), moments))}}


def test_an_incident_closed_is_not_reopened_by_its_older_version_in_the_same_file_or_the_next(tmp_path):
    target = tmp_path / "city.duckdb"
    first = ingest([ours(tmp_path / "a.csv", [incident("SJ1", 5), incident("SJ1", 2)])], target, source="sensors",
                   kind="incidents")
    assert (first.loaded, first.rejected) == (1, 1)
    assert first.refused["reason"][0] == "older than another line"
    assert rows_of(target, "select detail from rejected_rows")[0][0].startswith("line 2 is kept (5 stages")
    second = ingest([ours(tmp_path / "b.csv", [incident("SJ1", 3)])], target, source="sensors", kind="incidents")
    assert (second.loaded, second.rejected) == (0, 1)
    assert second.refused["reason"][0] == "older than the stored version"
    assert rows_of(target, "select status, closed_at from incidents") == [("closed", BASE + timedelta(minutes=300))]
