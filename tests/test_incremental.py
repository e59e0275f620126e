"""After any sequence of batches, the rollups and indicators an import updates incrementally equal those of a
build from scratch over the same rows."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import queries
from data.ingest import ingest
from data.refresh import refresh

CITY = "city"  # the demo's rows renamed, so the import path treats the copy as an imported city
REQUEST_COLUMNS = ("request_id", "channel", "kind", "category", "subcategory", "district", "street", "unit", "lat",
                   "lon", "received_at", "dispatched_at", "responded_at", "handled_at", "callback_at", "deadline_at",
                   "resolved", "satisfied")
INCIDENT_COLUMNS = ("incident_id", "source", "type", "severity", "detected_at", "acknowledged_at", "dispatched_at",
                    "onsite_at", "closed_at", "district", "street", "unit", "lat", "lon")
META = ("rollup_cutoff", "hex_km", "hex_lat0")


def tables(con: duckdb.DuckDBPyConnection) -> dict[str, pl.DataFrame]:
    """Every table the rollup and indicator steps write, sorted on all its columns, and their meta."""
    names = ["requests_live", "requests_whistled", "indicators",
             *[name for table in queries.ROLLUPS for name in (table, f"{table}_month")]]
    found = {}
    for name in names:
        frame = con.execute(f"select * from {name}").pl()  # names from the query layer's own list
        found[name] = frame.sort(frame.columns, nulls_last=True)
    found["meta"] = con.execute("select key, value from meta where list_contains(?, key) order by key",
                                [list(META)]).pl()
    return found


def scratch(path: Path, tmp_path: Path) -> dict[str, pl.DataFrame]:
    """The tables of a copy of path refreshed from scratch."""
    copy = tmp_path / "scratch.duckdb"
    copy.write_bytes(path.read_bytes())
    with duckdb.connect(str(copy)) as con:
        refresh(con, None, ("rollups", "indicators"))
        return tables(con)


def same(ours: dict[str, pl.DataFrame], expected: dict[str, pl.DataFrame], batch: str) -> None:
    for table, frame in expected.items():
        try:
            assert_frame_equal(ours[table], frame, rel_tol=1e-9)
        except AssertionError as failure:
            raise AssertionError(f"after the {batch} batch, {table} differs: {failure}") from None


def stamp(moment: datetime | None) -> str:
    return "" if moment is None else f"{moment:%Y-%m-%d %H:%M:%S}"


def write(path: Path, rows: list[dict], columns: tuple[str, ...]) -> Path:
    frame = pl.DataFrame([{c: stamp(v) if isinstance(v, datetime) or (v is None and c.endswith("_at")) else
                           ("" if v is None else str(v)) for c, v in row.items() if c in columns} for row in rows])
    frame.write_csv(path)
    return path


def requests_files(tmp_path: Path, name: str, rows: list[dict]) -> list[Path]:
    """Handled rows in one file, open ones in another without a handled_at column (an export leaves it out)."""
    handled = [row for row in rows if row["handled_at"] is not None]
    still = [row for row in rows if row["handled_at"] is None]
    files = [write(tmp_path / f"{name}-handled.csv", handled, REQUEST_COLUMNS)] if handled else []
    if still:
        files.append(write(tmp_path / f"{name}-open.csv", still, tuple(c for c in REQUEST_COLUMNS
                                                                    if c not in ("handled_at", "callback_at"))))
    return files


def advanced(row: dict, rng: random.Random, latest: datetime) -> dict:
    """The ticket some hours on: handled and called back, before the data's end (or just after it)."""
    received = row["received_at"]
    handled = min(max(received + timedelta(hours=rng.randint(1, 200)), row["responded_at"] or received), latest)
    return {**row, "responded_at": row["responded_at"] or received + timedelta(minutes=30),
            "handled_at": handled, "callback_at": handled + timedelta(hours=rng.randint(1, 30)),
            "resolved": rng.random() < 0.9, "satisfied": rng.random() < 0.8}


def new_requests(con: duckdb.DuckDBPyConnection, rng: random.Random, prefix: str, count: int,
                 first: datetime, last: datetime) -> list[dict]:
    """Copies of random rows with new ids, received at random moments in [first, last]; some still open."""
    rows = con.execute("select * from requests order by hash(request_id, ?) limit ?",
                       [rng.randint(0, 10_000), count]).pl().to_dicts()
    made = []
    for number, row in enumerate(rows):
        received = first + timedelta(seconds=rng.randint(0, int((last - first).total_seconds())))
        fresh = {**row, "request_id": f"{prefix}-{number}", "received_at": received, "dispatched_at": None,
                 "responded_at": received + timedelta(hours=rng.randint(1, 30)), "handled_at": None,
                 "callback_at": None, "deadline_at": received + timedelta(hours=72), "resolved": None,
                 "satisfied": None}
        made.append(advanced(fresh, rng, max(received, last)) if rng.random() < 0.7 else fresh)
    return made


@pytest.fixture
def city(city_path, tmp_path):
    """A copy of the small city as an imported one, refreshed from scratch once."""
    path = tmp_path / "city.duckdb"
    path.write_bytes(city_path.read_bytes())
    with duckdb.connect(str(path)) as con:
        con.execute("update requests set source = ? where source = 'demo'", [CITY])
        con.execute("update sources set source = ? where source = 'demo'", [CITY])
        refresh(con, None, ("rollups", "indicators"))
    return path


def test_random_batches_leave_every_rollup_and_indicator_as_a_build_from_scratch(city, tmp_path):
    rng = random.Random(16)
    for round_ in range(2):
        with duckdb.connect(str(city), read_only=True) as con:
            first, latest = con.execute("select min(received_at), max(received_at) from requests").fetchone()
            open_rows = con.execute("select * from requests where handled_at is null and source = ? "
                                    "order by hash(request_id, ?) limit 40", [CITY, round_]).pl().to_dicts()
            moved_rows = con.execute("select * from requests where source = ? and handled_at is not null "
                                     "order by hash(request_id, ?) limit 5", [CITY, round_]).pl().to_dicts()
            old_incidents = con.execute("select * from incidents order by hash(incident_id, ?) limit 20",
                                        [round_]).pl().to_dicts()
            batches = {
                "old and recent": requests_files(tmp_path, f"new{round_}", new_requests(
                    con, rng, f"N{round_}", 60, first, latest)),  # scattered, yet fewer than half the days
                "changed": requests_files(tmp_path, f"changed{round_}", [
                    advanced(row, rng, latest) for row in open_rows] + [
                    {**row, "received_at": row["received_at"] - timedelta(days=rng.randint(1, 40))}
                    for row in moved_rows]),  # a correction that moves the ticket to another day
                "later": requests_files(tmp_path, f"later{round_}", new_requests(
                    con, rng, f"L{round_}", 200, latest, latest + timedelta(days=rng.randint(1, 3)))),
            }
        for name, files in batches.items():
            summary = ingest(files, city, source=CITY)
            assert summary.rejected == 0, (name, summary.refused)
            with duckdb.connect(str(city), read_only=True) as con:
                ours = tables(con)
            same(ours, scratch(city, tmp_path), f"round {round_}, {name}")
        events = [{**{c: v + timedelta(days=1) if isinstance(v, datetime) else v for c, v in row.items()},
                   "incident_id": f"E{round_}-{i}"} for i, row in enumerate(old_incidents[:10])] + [
                  {**row, "closed_at": row["closed_at"] or row["detected_at"] + timedelta(hours=3)}
                  for row in old_incidents[10:]]
        files = [write(tmp_path / f"incidents{round_}.csv", events, INCIDENT_COLUMNS)]
        summary = ingest(files, city, source="demo", kind="incidents")
        assert summary.rejected == 0, summary.refused
        with duckdb.connect(str(city), read_only=True) as con:
            ours = tables(con)
        same(ours, scratch(city, tmp_path), f"round {round_}, incidents")
