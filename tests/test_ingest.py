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


EVENT_HEADERS = ["事件编号", "事件类型", "事件等级", "发现方式", "发现时间", "确认时间", "派遣时间", "到场时间", "结案时间",
                 "所属区", "所属街道", "处置单位", "纬度", "经度"]


def event_row(number: int, detected: datetime, **changes) -> dict:
    at = lambda minutes: (detected + timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M:%S")  # noqa: E731
    row = {"事件编号": f"SJ{number:05d}", "事件类型": "道路积水", "事件等级": "较大", "发现方式": "video",
           "发现时间": at(0), "确认时间": at(5), "派遣时间": at(9), "到场时间": at(40), "结案时间": at(300),
           "所属区": "朝阳区", "所属街道": "望京街道", "处置单位": "市水务局", "纬度": "39.99", "经度": "116.47"}
    row.update(changes)
    return row


def test_incidents_load_refuse_their_bad_rows_and_update_by_id(tmp_path):
    chosen = mapping.load(ROOT / "data/mappings/example-incidents.toml")
    base = datetime(2026, 6, 1, 8)
    good = [event_row(i, base + timedelta(hours=i)) for i in range(1, 7)]
    bad = {
        "missing incident_id": event_row(90, base, 事件编号=""),
        "missing type": event_row(91, base, 事件类型=""),
        "severity \"紧急\" is not 1-4": event_row(92, base, 事件等级="紧急"),
        "detected_at \"昨天\" matches none": event_row(93, base, 发现时间="昨天"),
        "onsite_at before acknowledged_at": event_row(94, base, 到场时间="2026-06-01 08:01:00"),
        "is outside the city": event_row(95, base, 纬度="31.23", 经度="121.47"),
    }
    first = write_csv(tmp_path / "events.csv", good + list(bad.values()), headers=EVENT_HEADERS)
    db_path = tmp_path / "city.duckdb"
    summary = ingest([first], db_path, chosen=chosen, analytics=False)
    assert (summary.read, summary.loaded, summary.rejected) == (12, 6, 6)
    with duckdb.connect(str(db_path), read_only=True) as con:
        reasons = [r for r, in con.execute("select reason from rejected_rows order by line").fetchall()]
        rows = con.execute("select * from incidents order by incident_id").pl()
    for expected, reason in zip(bad, reasons):
        assert expected.replace("\\", "") in reason, (expected, reason)
    assert rows["severity"].to_list() == [2] * 6 and set(rows["status"]) == {"closed"}
    assert rows["dataset"].unique().to_list() == ["example-events"]
    # the same file again changes nothing; a newer export of one event replaces it
    ingest([first], db_path, chosen=chosen, analytics=False)
    newer = write_csv(tmp_path / "newer.csv", [event_row(3, base + timedelta(hours=3), 事件等级="重大", 结案时间="")],
                      headers=EVENT_HEADERS)
    ingest([newer], db_path, chosen=chosen, analytics=False)
    with duckdb.connect(str(db_path), read_only=True) as con:
        assert con.execute("select count(*) from incidents").fetchone()[0] == 6
        assert con.execute("select severity, status, closed_at from incidents where incident_id = 'SJ00003'"
                           ).fetchone() == (3, "onsite", None)
        opened = queries.run(queries.prepare(con), "open_incidents_by", Filter(date_of(base), date_of(base) + timedelta(days=2)),
                             base + timedelta(days=1))
    assert opened["open"].sum() == 1  # the reopened one, as the incident panels count it


def date_of(moment: datetime):
    return moment.date()


def test_reported_indicators_take_their_definition_by_code_and_are_scored(tmp_path, city_path):
    copy = tmp_path / "city.duckdb"
    copy.write_bytes(city_path.read_bytes())
    with duckdb.connect(str(copy), read_only=True) as con:
        code, target, higher = con.execute("select code, target, higher_is_better from indicator_definitions "
                                           "where not computed order by code limit 1").fetchone()
    headers = ["评价月份", "区", "指标编码", "指标值", "指标名称", "维度", "目标", "单位", "目标值", "越高越好", "责任单位"]
    known = {"评价月份": "2030-01", "区": "朝阳区", "指标编码": code, "指标值": str(target * 0.8)}
    new = {"评价月份": "2030年01月", "区": "", "指标编码": "X9.9", "指标值": "12", "指标名称": "井盖完好率", "维度": "城市管理",
           "目标": "干净", "单位": "%", "目标值": "10", "越高越好": "否", "责任单位": "市城管委"}
    rows = [known, new, {**known, "指标编码": "Z0.0"}, {**known, "评价月份": "下个月"},
            {**known, "区": "海淀区", "指标值": "很好"}]
    path = write_csv(tmp_path / "indicators.csv", rows, headers=headers)
    summary = ingest([path], copy, chosen=mapping.load(ROOT / "data/mappings/example-indicators.toml"),
                     analytics=False)
    assert (summary.loaded, summary.rejected) == (2, 3)
    with duckdb.connect(str(copy), read_only=True) as con:
        reasons = [r for r, in con.execute("select reason from rejected_rows order by line").fetchall()]
        ours = con.execute("select * from indicators where period = '2030-01-01' order by code").pl()
    assert reasons[0].startswith('unknown code "Z0.0"') and "is not a month" in reasons[1] and "not a number" in reasons[2]
    first = ours.filter(pl.col("code") == code).row(0, named=True)
    expected = 100 if (first["value"] >= target) == higher else (100 * first["value"] / target if higher
                                                                  else 100 * target / first["value"])
    assert first["score"] == pytest.approx(min(expected, 100)) and first["target"] == target
    second = ours.filter(pl.col("code") == "X9.9").row(0, named=True)
    assert second["district"] is None and second["score"] == pytest.approx(100 * 10 / 12)
    assert not second["higher_is_better"]


def test_a_point_inside_the_box_but_outside_every_district_is_refused(tmp_path, city_path):
    import shapely

    copy = tmp_path / "city.duckdb"
    copy.write_bytes(city_path.read_bytes())
    with duckdb.connect(str(copy), read_only=True) as con:
        shapes = shapely.union_all(shapely.from_geojson([g for g, in con.execute(
            "select geometry from districts").fetchall()]))
    west, south, east, north = shapes.bounds
    corner = next((lon, lat) for lon in (west + 0.02, east - 0.02) for lat in (south + 0.02, north - 0.02)
                  if not shapes.contains(shapely.Point(lon, lat)))
    inside = shapely.point_on_surface(shapes)
    rows = [{"request_id": "A1", "received_at": "2026-05-01 10:00:00", "category": "市政设施",
             "lat": str(inside.y), "lon": str(inside.x)},
            {"request_id": "A2", "received_at": "2026-05-01 10:00:00", "category": "市政设施",
             "lat": str(corner[1]), "lon": str(corner[0])}]
    path = write_csv(tmp_path / "ours.csv", rows, headers=["request_id", "received_at", "category", "lat", "lon"])
    summary = ingest([path], copy, analytics=False)
    assert (summary.loaded, summary.rejected) == (1, 1)
    with duckdb.connect(str(copy), read_only=True) as con:
        assert "outside every district boundary" in con.execute("select reason from rejected_rows").fetchone()[0]
