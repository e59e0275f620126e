"""Importing real exports: every format, encodings, refused rows with reasons, idempotence, atomicity."""

from __future__ import annotations

import csv
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

import queries
from data import db
from data.indicator_definitions import AIMS, DEFINITIONS
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


def test_open311_json_and_parquet(tmp_path, monkeypatch):
    monkeypatch.setenv("CITYOPS_TIMEZONE", "America/New_York")  # the offsets' own zone: times read as written
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


BAD = {  # line -> (changes to a good row, the reason, the column a loaded row lost (None: refused), the detail)
    2: ({"Unique Key": ""}, "missing request_id", None, None),
    3: ({"Created Date": ""}, "missing received_at", None, None),
    4: ({"Created Date": "yesterday"}, "unreadable received_at", None, "yesterday"),
    5: ({"Closed Date": "soon", "Status": "Closed"}, "unreadable time", "handled_at", "soon"),
    6: ({"Complaint Type": ""}, "missing category", None, None),
    7: ({"Status": "Lost"}, "unknown status", "status", "Lost"),
    8: ({"Latitude": "north"}, "coordinates not numbers", "lat,lon", "north, -73.9857"),
    9: ({"Longitude": ""}, "only one coordinate", "lat,lon", "40.7484, "),
    10: ({"Latitude": "51.5", "Longitude": "-0.12"}, "point outside the city", "lat,lon", "51.5, -0.12"),
    11: ({"Closed Date": stamp(datetime(2026, 2, 1, 9)), "Status": "Closed"}, "before received_at", "handled_at",
         stamp(datetime(2026, 2, 1, 9))),
    12: ({"Unique Key": "999"}, "repeated request_id", None,
         "line 13 is kept (2 stages, the last at 2026-03-01 13:00:00; this row 2 stages, the last at 2026-03-01 13:00:00)"),
}


def test_only_rows_without_an_id_a_received_time_or_a_category_are_refused_the_rest_lose_the_bad_value(tmp_path):
    base = datetime(2026, 3, 1, 8)
    rows = [nyc_row(100 + line, base + timedelta(hours=line), **changes) for line, (changes, *_) in BAD.items()]
    rows[-1] = nyc_row(999, base, base + timedelta(hours=5))  # line 12 repeats line 13 exactly
    rows += [nyc_row(999, base, base + timedelta(hours=5))] + [nyc_row(2000 + i, base) for i in range(5)]
    path = write_csv(tmp_path / "bad.csv", rows)
    target = tmp_path / "city.duckdb"
    summary = ingest([path], target)
    refused = [line for line, (_, _, field, _) in BAD.items() if field is None]
    assert (summary.read, summary.rejected, summary.loaded) == (len(rows), len(refused), len(rows) - len(refused))
    kept = {}
    for line, reason, field, detail, raw in rows_of(
            target, "select line, reason, field, detail, raw from rejected_rows where file = ?", [str(path)]):
        kept.setdefault(line, set()).add((reason, field, detail))
        changes = BAD[line][0]
        assert {k: v or None for k, v in changes.items()}.items() <= {k: json.loads(raw)[k] for k in changes}.items()
    closed = {("closed without a closed time", "status", "Closed")}  # the closing time lost, the status says closed
    assert kept == {line: {(reason, field, detail)} | (closed if line in (5, 11) else set())
                    for line, (_, reason, field, detail) in BAD.items()}
    loaded = {key: rest for key, *rest in rows_of(target, "select request_id, handled_at, lat, lon from requests")}
    assert set(loaded) == {"999", *(str(100 + line) for line, (_, _, field, _) in BAD.items() if field),
                           *(str(2000 + i) for i in range(5))}
    assert loaded["105"][0] is None and loaded["111"][0] is None  # the unreadable and the too early closing time
    assert all(loaded[str(100 + line)][1:] == [None, None] for line in (8, 9, 10))  # no point, but the row
    assert loaded["107"][0] is None  # an unknown status says nothing: the ticket is as its times say (open)
    assert rows_of(target, "select reason, count(*) from rejected_rows group by all order by all") == sorted(
        [(reason, 1) for _, reason, _, _ in BAD.values()] + [("closed without a closed time", 2)])


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
    before = rows_of(target, "select * from requests order by request_id")
    rollups = rows_of(target, "select count(*), sum(hash(r)) from rollup_requests_fine r")
    big = write_csv(tmp_path / "big.csv", nyc_rows(300_000, start=10_000))
    process = subprocess.Popen([sys.executable, "-m", "data.ingest", str(big), "--db", str(target)], cwd=ROOT)
    deadline = time.monotonic() + 60
    while not db.busy(target) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    time.sleep(1.0)  # well into its one transaction
    assert process.poll() is None, "the import finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert rows_of(target, "select * from requests order by request_id") == before, "no partial batch"
    assert rows_of(target, "select count(*), sum(hash(r)) from rollup_requests_fine r") == rollups
    again = ingest([write_csv(tmp_path / "second.csv", nyc_rows(5, start=500))], target)
    assert (again.loaded, rows_of(target, "select count(*) from requests")[0][0]) == (5, 25)


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
    assert rows_of(target, "select line, reason, detail from rejected_rows") == [(3, "unreadable received_at", "soon")]


INCIDENTS = ROOT / "data/mappings/example-incidents.toml"
INDICATORS = ROOT / "data/mappings/example-indicators.toml"
INCIDENT_HEADERS = ["事件编号", "发现方式", "事件类型", "事件等级", "发现时间", "确认时间", "派遣时间", "到场时间",
                    "结案时间", "事件状态", "所属区", "所属街道", "网格编码", "处置单位", "纬度", "经度"]
STAGE_HEADERS = ["发现时间", "确认时间", "派遣时间", "到场时间", "结案时间"]
STAGES = ["detected", "acknowledged", "dispatched", "onsite", "closed"]
GRADES = {"一般": 1, "较大": 2, "重大": 3, "特别重大": 4, "IV级": 1, "III级": 2, "II级": 3, "I级": 4}


def incident_row(key: str, detected: datetime, reached: int = 5, **changes) -> dict:
    """An incident in the example mapping's columns, with its first `reached` stages timed."""
    moments = [detected + timedelta(minutes=m) for m in (0, 5, 15, 50, 300)]
    row = {"事件编号": key, "发现方式": "物联感知", "事件类型": "道路积水", "事件等级": "一般", "事件状态": "",
           "所属区": "朝阳区", "所属街道": "建外街道", "网格编码": "G1", "处置单位": "市水务局", "纬度": "39.91",
           "经度": "116.45", **{header: f"{moment:%Y-%m-%d %H:%M:%S}" if stage < reached else ""
                              for stage, (header, moment) in enumerate(zip(STAGE_HEADERS, moments))}}
    row.update(changes)
    return row


def test_incidents_import_twice_changes_nothing_and_an_update_replaces(tmp_path):
    base = datetime(2026, 3, 1, 8)
    rows = [incident_row(f"SJ{i:03d}", base + timedelta(hours=5 * i), i % 5 + 1, 事件等级=list(GRADES)[i % 8])
            for i in range(40)]
    path = write_csv(tmp_path / "events.csv", rows, encoding="gb18030", headers=INCIDENT_HEADERS)
    target = tmp_path / "city.duckdb"
    assert main([str(path), "--db", str(target), "--mapping", str(INCIDENTS), "--kind", "incidents"]) == 0
    stored = "select incident_id, severity, status, closed_at, source, dataset from incidents order by incident_id"
    expected = [(row["事件编号"], GRADES[row["事件等级"]], STAGES[i % 5],
                 datetime.fromisoformat(row["结案时间"]) if row["结案时间"] else None, "sensor", "example-events")
                for i, row in enumerate(rows)]
    assert rows_of(target, stored) == expected
    snapshot = rows_of(target, "select * from incidents order by incident_id")
    assert main([str(path), "--db", str(target), "--mapping", str(INCIDENTS)]) == 0
    assert rows_of(target, "select * from incidents order by incident_id") == snapshot
    rows[0] = incident_row("SJ000", base, 5, 事件等级="特别重大")  # it was only detected; now it is closed
    ingest([write_csv(tmp_path / "newer.csv", rows, encoding="gb18030", headers=INCIDENT_HEADERS)], target,
           chosen=mapping.load(INCIDENTS))
    assert rows_of(target, "select count(*) from incidents")[0][0] == len(rows)
    assert rows_of(target, "select severity, status, closed_at from incidents where incident_id = 'SJ000'") == \
        [(4, "closed", datetime.fromisoformat(rows[0]["结案时间"]))]
    assert main([str(path), "--db", str(target), "--mapping", str(INCIDENTS), "--kind", "requests"]) == 1


BAD_INCIDENTS = {  # line -> (changes to a good row, the reason, the column a loaded row lost (None: refused), detail)
    2: ({"事件编号": ""}, "missing incident_id", None, None),
    3: ({"事件类型": ""}, "missing type", None, None),
    4: ({"事件等级": ""}, "missing severity", None, None),
    5: ({"事件等级": "五级"}, "severity not 1..4", None, "五级"),
    6: ({"事件等级": "7"}, "severity not 1..4", None, "7"),
    7: ({"发现时间": ""}, "missing detected_at", None, None),
    8: ({"发现时间": "昨天"}, "unreadable detected_at", None, "昨天"),
    9: ({"到场时间": "soon"}, "unreadable time", "onsite_at", "soon"),
    10: ({"事件状态": "挂起"}, "unknown status", "status", "挂起"),
    11: ({"纬度": "北纬"}, "coordinates not numbers", "lat,lon", "北纬, 116.45"),
    12: ({"经度": ""}, "only one coordinate", "lat,lon", "39.91, "),
    13: ({"纬度": "31.23", "经度": "121.47"}, "point outside the city", "lat,lon", "31.23, 121.47"),
    14: ({"到场时间": "2026-03-01 08:10:00"}, "before an earlier stage", "onsite_at", "2026-03-01 08:10:00"),
    15: ({"确认时间": "2026-03-01 07:00:00"}, "before an earlier stage", "acknowledged_at", "2026-03-01 07:00:00"),
    16: ({"事件编号": "DUP"}, "repeated incident_id", None,
         "line 17 is kept (5 stages, the last at 2026-03-01 13:00:00; this row 5 stages, the last at 2026-03-01 13:00:00)"),
}


def test_an_incident_is_refused_only_without_its_id_type_severity_or_detection_time(tmp_path):
    base = datetime(2026, 3, 1, 8)
    rows = [incident_row(f"B{line}", base, **changes) for line, (changes, *_) in BAD_INCIDENTS.items()]
    # line 17 repeats line 16 as far along its life cycle, so the later row is kept (test_round_trip: older ones)
    rows += [incident_row("DUP", base, 5)] + [incident_row(f"OK{i}", base, i + 1) for i in range(5)]
    path = write_csv(tmp_path / "bad-events.csv", rows, headers=INCIDENT_HEADERS)
    target = tmp_path / "city.duckdb"
    summary = ingest([path], target, chosen=mapping.load(INCIDENTS))
    refused = [line for line, (_, _, field, _) in BAD_INCIDENTS.items() if field is None]
    assert (summary.read, summary.rejected, summary.loaded) == (len(rows), len(refused), len(rows) - len(refused))
    kept = {line: (reason, field, detail, json.loads(raw)) for line, reason, field, detail, raw in rows_of(
        target, "select line, reason, field, detail, raw from rejected_rows where file = ?", [str(path)])}
    assert set(kept) == set(BAD_INCIDENTS)
    for line, (changes, reason, field, detail) in BAD_INCIDENTS.items():
        assert kept[line][:3] == (reason, field, detail), line
        assert {k: v or None for k, v in changes.items()}.items() <= {k: kept[line][3][k] for k in changes}.items()
    stored = {key: rest for key, *rest in rows_of(target, "select incident_id, status, acknowledged_at, onsite_at, "
                                                          "lat from incidents")}
    loaded = [f"B{line}" for line, (_, _, field, _) in BAD_INCIDENTS.items() if field]
    assert {key: status for key, (status, *_) in stored.items()} == \
        {"DUP": "closed", **dict.fromkeys(loaded, "closed"), **{f"OK{i}": STAGES[i] for i in range(5)}}
    assert stored["B9"][2] is None and stored["B14"][2] is None and stored["B15"][1] is None
    assert stored["B14"][1] == base + timedelta(minutes=5)  # only the stage out of order goes
    assert [stored[f"B{line}"][3] for line in (11, 12, 13)] == [None] * 3


def our_incidents(n: int, base: datetime) -> list[dict]:
    """Incidents in our own column names: every fourth still open, the rest closed within hours."""
    rows = []
    for i in range(n):
        detected = base + timedelta(hours=7 * i)
        closed = None if i % 4 == 0 else detected + timedelta(hours=2 + i % 5)
        rows.append({"incident_id": f"E{i}", "source": ["sensor", "video", "patrol"][i % 3],
                     "type": ["道路积水", "井盖缺失"][i % 2], "severity": str(i % 4 + 1),
                     "detected_at": f"{detected:%Y-%m-%d %H:%M:%S}",
                     "onsite_at": f"{detected + timedelta(minutes=30 + i):%Y-%m-%d %H:%M:%S}",
                     "closed_at": f"{closed:%Y-%m-%d %H:%M:%S}" if closed else "",
                     "district": ["朝阳区", "海淀区"][i % 2], "street": ["建外街道", "中关村街道"][i % 2],
                     "unit": "市城市管理委员会", "lat": "39.95", "lon": "116.4"})
    return rows


def test_the_incident_panels_read_an_imported_city(tmp_path, monkeypatch):
    rows = our_incidents(60, datetime(2026, 3, 1, 6))
    target = tmp_path / "city.duckdb"
    path = write_csv(tmp_path / "incidents.csv", rows, headers=list(rows[0]))
    assert main([str(path), "--db", str(target), "--kind", "incidents"]) == 0
    detected = [datetime.fromisoformat(r["detected_at"]) for r in rows]
    closed = [datetime.fromisoformat(r["closed_at"]) if r["closed_at"] else None for r in rows]
    with duckdb.connect(str(target), read_only=True) as con:
        cursor = queries.prepare(con)
        clock = queries.clock(cursor)
        onsite = [datetime.fromisoformat(r["onsite_at"]) for r in rows]
        assert clock == max(detected + onsite + [c for c in closed if c])  # no requests: the export's newest time
        flt = Filter(min(detected).date(), clock.date() + timedelta(days=1))
        trend = queries.run(cursor, "incidents_trend", flt, clock, bucket="day")
        still_open = queries.run(cursor, "open_incidents_by", flt, clock)
        listed = queries.run(cursor, "incident_list", flt, clock, limit=500)
        cycle = queries.run(cursor, "incident_lifecycle", flt, clock, level="district")
    by_severity = trend.group_by("severity").agg(pl.col("incidents").sum())
    assert dict(by_severity.iter_rows()) == {s: sum(r["severity"] == str(s) for r in rows) for s in (1, 2, 3, 4)}
    assert still_open["open"].sum() == sum(c is None or c > clock for c in closed)
    assert dict(zip(listed["incident_id"], listed["stage"])) == {  # a stage after the clock has not happened yet
        r["incident_id"]: "closed" if c and c <= clock else "onsite" if o <= clock else "detected"
        for r, c, o in zip(rows, closed, onsite)}
    assert dict(zip(cycle["name"], cycle["incidents"])) == {"朝阳区": 30, "海淀区": 30}
    monkeypatch.setenv("CITYOPS_DB", str(target))
    app = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=90).run()
    app.switch_page("views/incidents.py").run()
    assert not app.exception, app.exception
    shown = "\n".join(str(e.value) for kind in ("caption", "markdown", "subheader") for e in app.get(kind))
    assert "· 暂无数据" not in shown


def score(value: float, target: float, higher_is_better: bool) -> float:
    """data/indicators.py's score, written again: 100 at the target, else the proportion, clipped at 0."""
    if (value >= target) if higher_is_better else (value <= target):
        return 100.0
    return max(0.0, 100 * value / target) if higher_is_better else 100 * target / value


INDICATOR_HEADERS = ["评价月份", "区", "指标编码", "指标名称", "维度", "目标", "指标值", "计量单位", "目标值",
                     "指标方向", "得分", "责任单位"]


def indicator_row(period: str, district: str, code: str, value: str, **changes) -> dict:
    return {**dict.fromkeys(INDICATOR_HEADERS, ""), "评价月份": period, "区": district, "指标编码": code,
            "指标值": value, **changes}


BAD_INDICATORS = {  # line -> (row, its reason and detail)
    2: (indicator_row("2026-09", "朝阳区", "Z9.9", "3"),
        ("unknown code without its definition",
         "Z9.9 without dimension, aim, name, measure_unit, target, higher_is_better")),
    3: (indicator_row("九月", "朝阳区", "A1.2", "96"), ("period not a month", "九月")),
    4: (indicator_row("2026-09", "朝阳区", "A1.2", "n/a"), ("value not a number", "n/a")),
    5: (indicator_row("2026-09", "朝阳区", "", "96"), ("missing code", None)),
    6: (indicator_row("2026-09", "朝阳区", "B1.2", "91", 指标方向="maybe"),
        ("higher_is_better neither true nor false", "maybe")),
}


def test_indicators_join_their_definitions_score_and_refuse_bad_rows(tmp_path):
    reported = [d for d in DEFINITIONS if d.reported]
    periods = ["2026-09", "2026年9月", "202609"]  # three ways of writing one month
    good = [indicator_row(periods[i % 3], place, d.code, f"{d.reported.typical + (i % 7 - 3) * d.reported.spread:.2f}")
            for i, (d, place) in enumerate(itertools.product(reported, ("全市", "朝阳区", "海淀区")))]
    good[0]["得分"] = "42.5"  # a score the report gives is kept
    good.append(indicator_row("2026-09", "", "E1.1", "1,250", 指标名称="共享单车乱停投诉", 维度="城市管理", 目标="有序",
                              计量单位="件", 目标值="1000", 指标方向="越低越好", 责任单位="市交通委员会"))
    early = indicator_row("2026-09", "海淀区", reported[0].code, "1")  # line 7; a later row has its key
    rows = [row for row, _ in BAD_INDICATORS.values()] + [early] + good
    later = 8 + next(i for i, row in enumerate(good) if (row["区"], row["指标编码"]) == ("海淀区", reported[0].code))
    path = write_csv(tmp_path / "evaluation.csv", rows, headers=INDICATOR_HEADERS)
    target = tmp_path / "city.duckdb"
    assert main([str(path), "--db", str(target), "--mapping", str(INDICATORS)]) == 0
    assert {line: (reason, detail) for line, reason, detail in rows_of(
        target, "select line, reason, detail from rejected_rows")} == {
        **{line: reason for line, (_, reason) in BAD_INDICATORS.items()},
        7: ("repeated for its month and district", f"line {later} is kept")}
    stored = {(district, code): rest for district, code, *rest in rows_of(target, """
        select district, code, period, dimension, aim, name, value, measure_unit, target, higher_is_better, score,
               responsible_unit, dataset from indicators""")}
    assert len(stored) == len(good)
    definitions = {d.code: d for d in DEFINITIONS}
    for row in good[:-1]:
        d, value = definitions[row["指标编码"]], float(row["指标值"])
        got = stored[(None if row["区"] == "全市" else row["区"], d.code)]
        assert got[:8] + got[9:] == [date(2026, 9, 1), d.dimension, d.aim, d.name, value, d.measure_unit, d.target,
                                     d.higher_is_better, d.responsible_unit, "example-evaluation"]
        assert got[8] == pytest.approx(float(row["得分"]) if row["得分"] else score(value, d.target, d.higher_is_better))
    assert stored[(None, "E1.1")][1:9] == ["城市管理", "有序", "共享单车乱停投诉", 1250.0, "件", 1000.0, False,
                                            pytest.approx(score(1250, 1000, False))]
    assert rows_of(target, "select aim_en, computed from indicator_definitions where code = 'E1.1'") == \
        [(AIMS["有序"][2], False)]
    with duckdb.connect(str(target), read_only=True) as con:
        cursor = queries.prepare(con)
        clock = queries.clock(cursor)
        flt = Filter(clock.date() - timedelta(days=30), clock.date() + timedelta(days=1))
        months = queries.run(cursor, "evaluation_months", flt, clock)["month"].to_list()
        card = queries.run(cursor, "indicator_scorecard", flt, clock, month=date(2026, 9, 1), district=None)
        heat = queries.run(cursor, "dimension_scores", flt, clock, month=date(2026, 9, 1))
    assert months == [date(2026, 9, 1)]
    assert dict(zip(card["code"], card["value"])) == {code: v[4] for (place, code), v in stored.items() if not place}
    expected = pl.DataFrame([{"district": place, "dimension": v[1], "score": v[8]} for (place, _), v in stored.items()
                             if place]).group_by("district", "dimension").agg(pl.col("score").mean())
    shown = {(r["district"], r["dimension"]): r["score"] for r in heat.iter_rows(named=True)}
    assert shown == pytest.approx({(r["district"], r["dimension"]): r["score"] for r in expected.iter_rows(named=True)})


def test_imported_indicators_survive_a_requests_import_and_an_update_replaces_them(tmp_path):
    target = tmp_path / "city.duckdb"
    first = [indicator_row("2026-03", "", "C1.1", "50"), indicator_row("2026-03", "BROOKLYN", "A1.2", "90")]
    ingest([write_csv(tmp_path / "march.csv", first, headers=INDICATOR_HEADERS)], target,
           chosen=mapping.load(INDICATORS))
    ingest([write_csv(tmp_path / "311.csv", nyc_rows(60))], target)  # March requests: ours are computed now
    key = "select value, score, dataset from indicators where period = '2026-03-01' and code = ? " \
          "and district is not distinct from ?"
    assert rows_of(target, key, ["C1.1", None]) == [(50.0, pytest.approx(score(50, 98.5, True)), "example-evaluation")]
    computed = rows_of(target, "select count(*) from indicators where dataset is null and value is not null")[0][0]
    assert computed > 0
    ingest([write_csv(tmp_path / "march-revised.csv", [first[0] | {"指标值": "99"}], headers=INDICATOR_HEADERS)],
           target, chosen=mapping.load(INDICATORS))
    assert rows_of(target, key, ["C1.1", None]) == [(99.0, 100.0, "example-evaluation")]
    assert rows_of(target, key, ["A1.2", "BROOKLYN"])[0][0] == 90.0


def test_a_point_inside_the_box_but_outside_every_district_is_dropped_and_its_row_loads(tmp_path, con):
    target = tmp_path / "city.duckdb"
    demo_districts = con.execute("select * from districts").arrow()
    with duckdb.connect(str(target)) as con:
        db.create_schema(con)
        con.execute("insert into districts select * from demo_districts")
        db.load_extension(con, "spatial")  # DuckDB's own geometry, to pick the points independently of shapely
        inside_any = """exists (select 1 from districts where st_intersects(st_geomfromgeojson(geometry),
                                                                             st_point(x.lon, x.lat)))"""
        box = dict(zip(("west", "south", "east", "north"), con.execute("""
            select min(st_xmin(g)), min(st_ymin(g)), max(st_xmax(g)), max(st_ymax(g))
            from (select st_geomfromgeojson(geometry) as g from districts)""").fetchone()))
        outside = con.execute(f"""
            select lat, lon from (
                select * from (select round($south + unnest(range(20)) / 20 * ($north - $south), 4) as lat)
                cross join (select round($west + unnest(range(20)) / 20 * ($east - $west), 4) as lon)) as x
            where not {inside_any} order by lat, lon limit 1""", box).fetchone()
        inside = con.execute(f"""select lat, lon from (select round(centroid_lat, 4) as lat, round(centroid_lon, 4)
                                 as lon from districts) as x where {inside_any} order by lat limit 1""").fetchone()
    rows = our_incidents(2, datetime(2026, 3, 1, 6))
    for row, (lat, lon) in zip(rows, (inside, outside)):
        row.update(lat=str(lat), lon=str(lon))
    summary = ingest([write_csv(tmp_path / "incidents.csv", rows, headers=list(rows[0]))], target, kind="incidents")
    assert (summary.loaded, summary.rejected) == (2, 0)
    assert rows_of(target, "select incident_id, lat, lon from incidents order by all") == \
        [("E0", *inside), ("E1", None, None)]
    assert rows_of(target, "select line, reason, field, detail from rejected_rows") == \
        [(3, "point outside every district", "lat,lon", f"{outside[0]}, {outside[1]}")]
    request = [{"request_id": "R1", "received_at": "2026-03-01 09:00:00", "category": "市容环境",
                "lat": str(outside[0]), "lon": str(outside[1])}]
    summary = ingest([write_csv(tmp_path / "requests.csv", request, headers=list(request[0]))], target)
    assert (summary.loaded, summary.rejected) == (1, 0)
    assert rows_of(target, "select lat, lon from requests") == [(None, None)]
