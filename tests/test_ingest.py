"""Importing real exports: every format, encodings, refused rows with reasons, idempotence, atomicity."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

import queries
from data.ingest import ingest, main, mapping
from queries import Filter

ROOT = Path(__file__).resolve().parent.parent
NYC = ["Unique Key", "Created Date", "Closed Date", "Agency", "Agency Name", "Complaint Type", "Descriptor",
       "Location Type", "Incident Zip", "Incident Address", "Status", "Due Date", "Resolution Description",
       "Community Board", "Borough", "Open Data Channel Type", "Latitude", "Longitude"]
EVIL = "'; drop table requests; --"


def stamp(moment: datetime | None) -> str:
    return moment.strftime("%m/%d/%Y %I:%M:%S %p") if moment else ""


def nyc_row(key: int, created: datetime, closed: datetime | None = None, **changes) -> dict:
    row = {"Unique Key": str(key), "Created Date": stamp(created), "Closed Date": stamp(closed), "Agency": "NYPD",
           "Agency Name": "New York City Police Department", "Complaint Type": "Noise - Residential",
           "Descriptor": "Loud Music/Party", "Location Type": "Residential Building/House", "Incident Zip": "10001",
           "Incident Address": "1 MAIN STREET", "Status": "Closed" if closed else "Open", "Due Date": "",
           "Resolution Description": "The Police Department responded to the complaint.",
           "Community Board": "05 MANHATTAN", "Borough": "MANHATTAN", "Open Data Channel Type": "PHONE",
           "Latitude": "40.7484", "Longitude": "-73.9857"}
    row.update(changes)
    return row


def write_csv(path: Path, rows: list[dict], encoding: str = "utf-8", headers: list[str] = NYC) -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.DictWriter(handle, fieldnames=headers)
        writer.writeheader()
        writer.writerows(rows)
    return path


def nyc_rows(n: int, start: int = 1) -> list[dict]:
    base = datetime(2026, 3, 1, 8)
    return [nyc_row(start + i, base + timedelta(hours=3 * i), base + timedelta(hours=3 * i + 20) if i % 3 else None,
                    Borough=["MANHATTAN", "BROOKLYN", "QUEENS"][i % 3], **{"Community Board": f"0{i % 9 + 1} X"})
            for i in range(n)]


def rows_of(path: Path, sql: str, values: list | None = None) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, values or []).fetchall()


def test_a_nyc_311_export_loads_and_reads_like_ours(tmp_path):
    source = write_csv(tmp_path / "311.csv", nyc_rows(300))
    target = tmp_path / "city.duckdb"
    summary = ingest([source], target)
    assert (summary.read, summary.loaded, summary.rejected) == (300, 300, 0)
    closed = rows_of(target, "select count(*) from requests where handled_at is not null")[0][0]
    assert closed == sum(1 for i in range(300) if i % 3)
    assert rows_of(target, "select distinct channel from requests") == [("hotline",)]
    assert rows_of(target, "select count(*) from districts")[0][0] == 3
    with duckdb.connect(str(target), read_only=True) as con:
        cursor = queries.prepare(con)
        clock = queries.clock(cursor)
        flt = Filter(clock.date() - timedelta(days=9), clock.date() + timedelta(days=1))
        headline = queries.run(cursor, "headline_rates", flt, clock).filter(pl.col("current")).row(0, named=True)
        counted = con.execute("select count(*) from requests where received_at >= ? and received_at <= ?",
                              [flt.start, clock]).fetchone()[0]
    assert headline["received"] == counted
    assert headline["response_rate"] is None and headline["satisfaction_rate"] is None  # NYC records neither


def test_utf8_with_bom_and_our_own_column_names(tmp_path):
    path = tmp_path / "ours.csv"
    rows = [{"request_id": f"R{i}", "received_at": f"2026-05-0{i + 1} 09:00:00", "category": "市容环境",
             "subcategory": "垃圾", "text": "路边垃圾无人清理", "district": "东城区"} for i in range(5)]
    write_csv(path, rows, encoding="utf-8-sig", headers=list(rows[0]))
    summary = ingest([path], tmp_path / "city.duckdb")
    assert summary.loaded == 5
    assert rows_of(tmp_path / "city.duckdb", "select distinct text from requests") == [("路边垃圾无人清理",)]


def chinese_rows(n: int) -> list[dict]:
    return [{"工单编号": f"GD{i:05d}", "受理时间": f"2026-06-{i % 28 + 1:02d} 10:00:00", "派单时间": "",
             "首次联系时间": f"2026-06-{i % 28 + 1:02d} 12:00:00", "办结时间": f"2026/06/{i % 28 + 1:02d} 18:30",
             "回访时间": "", "办理时限": "", "工单状态": "已办结", "来源渠道": "12345热线", "一级分类": "供暖",
             "二级分类": "暖气不热", "诉求内容": f"市民反映暖气不热，联系电话1391234{i:04d}", "所属区": "朝阳区",
             "所属街道": "建外街道", "承办单位": "市热力集团", "纬度": "39.91", "经度": "116.45", "是否解决": "",
             "是否满意": ""} for i in range(n)]


def test_a_gbk_export_with_a_mapping_file(tmp_path):
    rows = chinese_rows(40)
    path = write_csv(tmp_path / "12345.csv", rows, encoding="gb18030", headers=list(rows[0]))
    assert "暖气".encode("gb18030") in path.read_bytes()
    target = tmp_path / "city.duckdb"
    assert main([str(path), "--db", str(target), "--mapping", str(ROOT / "data/mappings/example.toml")]) == 0
    got = rows_of(target, "select count(*), any_value(subcategory), any_value(channel), any_value(source), "
                          "count(handled_at), count(responded_at) from requests")[0]
    assert got == (40, "暖气不热", "hotline", "example-12345", 40, 40)
    assert rows_of(target, "select records_responses from sources")[0][0] is True


def test_open311_json_and_parquet(tmp_path):
    records = [{"service_request_id": f"S{i}", "status": "closed" if i % 2 else "open", "service_name": "Pothole",
                "service_code": "POT", "description": f"hole number {i}", "agency_responsible": "DPW",
                "requested_datetime": f"2026-04-{i + 1:02d}T09:30:00-04:00",
                "updated_datetime": f"2026-04-{i + 2:02d}T10:00:00-04:00", "expected_datetime": None,
                "address": "100 Main St", "lat": 41.8 + i / 1000, "long": -87.6} for i in range(10)]
    path = tmp_path / "requests.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    target = tmp_path / "city.duckdb"
    assert ingest([path], target).loaded == 10
    assert rows_of(target, "select count(handled_at), min(received_at) from requests")[0] == \
        (5, datetime(2026, 4, 1, 9, 30))
    table = pl.DataFrame({"request_id": ["P1", "P2"], "received_at": ["2026-07-01 08:00:00", "2026-07-02 08:00:00"],
                          "category": ["交通", "交通"], "lat": [39.9, 39.95], "lon": [116.4, 116.41]})
    table.write_parquet(tmp_path / "more.parquet")
    assert ingest([tmp_path / "more.parquet"], target, source="parquet-test").loaded == 2
    assert rows_of(target, "select count(*) from requests")[0][0] == 12


BAD = {  # line -> (changes to a good row, the reason's start)
    2: ({"Unique Key": ""}, "missing request_id"),
    3: ({"Created Date": ""}, "missing received_at"),
    4: ({"Created Date": "yesterday"}, 'received_at "yesterday" matches none'),
    5: ({"Closed Date": "soon", "Status": "Closed"}, 'handled_at "soon" is not a time'),
    6: ({"Complaint Type": ""}, "missing category"),
    7: ({"Status": "Lost"}, 'unknown status "Lost"'),
    8: ({"Latitude": "north"}, 'coordinates "north'),
    9: ({"Longitude": ""}, "only one of latitude and longitude"),
    10: ({"Latitude": "51.5", "Longitude": "-0.12"}, "point 51.5, -0.12 is outside the city"),
    11: ({"Closed Date": stamp(datetime(2026, 2, 1)), "Status": "Closed"}, "handled_at before received_at"),
    12: ({"Unique Key": "999"}, "request_id repeated at line 13"),
}


def test_ten_kinds_of_bad_rows_are_refused_with_their_reasons(tmp_path):
    base = datetime(2026, 3, 1, 8)
    rows = [nyc_row(100 + line, base + timedelta(hours=line), **changes) for line, (changes, _) in BAD.items()]
    rows += [nyc_row(999, base, base + timedelta(hours=5))] + [nyc_row(2000 + i, base) for i in range(5)]
    path = write_csv(tmp_path / "bad.csv", rows)
    target = tmp_path / "city.duckdb"
    summary = ingest([path], target)
    assert (summary.read, summary.rejected, summary.loaded) == (len(rows), len(BAD), len(rows) - len(BAD))
    refused = dict(((line, (reason, raw)) for line, reason, raw in
                    rows_of(target, "select line, reason, raw from rejected_rows where file = ?", [str(path)])))
    assert set(refused) == set(BAD)
    for line, (changes, reason) in BAD.items():
        assert refused[line][0].startswith(reason), (line, refused[line][0])
        raw = json.loads(refused[line][1])
        assert {k: v or None for k, v in changes.items()}.items() <= {k: raw[k] for k in changes}.items()
    assert rows_of(target, "select count(*) from requests where request_id = '999'")[0][0] == 1


def test_importing_twice_changes_nothing_and_a_newer_export_replaces(tmp_path):
    rows = nyc_rows(50)
    path = write_csv(tmp_path / "311.csv", rows)
    target = tmp_path / "city.duckdb"
    ingest([path], target)
    snapshot = rows_of(target, "select * from requests order by request_id")
    ingest([path], target)
    assert rows_of(target, "select * from requests order by request_id") == snapshot
    rows[0] = nyc_row(int(rows[0]["Unique Key"]), datetime(2026, 3, 1, 8), datetime(2026, 3, 2, 9))
    ingest([write_csv(tmp_path / "311-newer.csv", rows)], target)
    assert rows_of(target, "select count(*), count(handled_at) from requests where request_id = '1'")[0] == (1, 1)
    assert rows_of(target, "select count(*) from requests")[0][0] == 50


def test_a_killed_import_leaves_the_database_as_it_was(tmp_path):
    target = tmp_path / "city.duckdb"
    ingest([write_csv(tmp_path / "first.csv", nyc_rows(20))], target)
    before = hashlib.sha256(target.read_bytes()).hexdigest()
    big = write_csv(tmp_path / "big.csv", nyc_rows(300_000, start=10_000))
    process = subprocess.Popen([sys.executable, "-m", "data.ingest", str(big), "--db", str(target)], cwd=ROOT)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob("city.duckdb.import-*")) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    time.sleep(0.5)
    assert process.poll() is None, "the import finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert hashlib.sha256(target.read_bytes()).hexdigest() == before
    assert rows_of(target, "select count(*) from requests")[0][0] == 20
    assert list(tmp_path.glob("city.duckdb.import-*")), "the killed import's work file is still there"
    ingest([tmp_path / "first.csv"], target)
    assert not list(tmp_path.glob("city.duckdb.import-*")), "the next import sweeps it away"


def test_injection_shaped_text_is_stored_verbatim_and_phones_are_masked_when_shown(tmp_path):
    rows = [nyc_row(1, datetime(2026, 3, 1, 8), **{column: EVIL for column in
                                                   ("Agency", "Complaint Type", "Descriptor", "Borough",
                                                    "Community Board")}),
            nyc_row(2, datetime(2026, 3, 1, 9), **{"Resolution Description": "Caller 13912345678, ID 110105198001011234"})]
    target = tmp_path / "city.duckdb"
    ingest([write_csv(tmp_path / "evil.csv", rows)], target)
    assert rows_of(target, "select unit, category, subcategory, district, street from requests where request_id = '1'") \
        == [(EVIL,) * 5]
    with duckdb.connect(str(target), read_only=True) as con:
        cursor = queries.prepare(con)
        clock = queries.clock(cursor)
        listed = queries.run(cursor, "ticket_list", Filter(clock.date() - timedelta(days=3), clock.date()
                                                          + timedelta(days=1)), clock, limit=10)
    shown = " ".join(listed["text"].drop_nulls())
    assert "13912345678" not in shown and "110105198001011234" not in shown and "139****5678" in shown


def test_the_dashboard_opens_on_an_imported_city(tmp_path, monkeypatch):
    target = tmp_path / "city.duckdb"
    ingest([write_csv(tmp_path / "311.csv", nyc_rows(400))], target)
    monkeypatch.setenv("CITYOPS_DB", str(target))
    app = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=90).run()
    assert not app.exception, app.exception
    shown = "\n".join(str(e.value) for e in app.caption)
    assert "· 暂无数据" not in shown
    assert app.get("deck_gl_json_chart") or app.get("arrow_data_frame") is not None


def test_a_file_that_cannot_be_read_exits_non_zero_with_a_reason(tmp_path, capsys):
    assert main([str(tmp_path / "missing.csv"), "--db", str(tmp_path / "city.duckdb")]) == 1
    assert "no such file" in capsys.readouterr().err
    broken = tmp_path / "mapping.toml"
    broken.write_text('[columns]\nwho = "x"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="not ours"):
        mapping.load(broken)


def test_an_excel_export_loads_with_its_line_numbers(tmp_path):
    rows = pl.DataFrame({"request_id": ["X1", "X2", "X3"], "received_at": ["2026-08-01 09:00:00", "soon",
                                                                           "2026-08-03 09:00:00"],
                         "category": ["市政设施"] * 3, "district": ["西城区"] * 3})
    rows.write_excel(tmp_path / "export.xlsx")
    target = tmp_path / "city.duckdb"
    summary = ingest([tmp_path / "export.xlsx"], target)
    assert (summary.loaded, summary.rejected) == (2, 1)
    assert rows_of(target, "select line, reason from rejected_rows") == \
        [(3, 'received_at "soon" matches none of the time formats')]
