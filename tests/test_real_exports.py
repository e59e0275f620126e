"""Real exports load as they come: the public schemas of NYC 311 (CSV of both header generations, re-saved
by Excel, the Socrata API's JSON, typed Parquet) and Open311 GeoReport v2, built here from the portals'
published column lists; what the importer must survive (HTML saved as CSV, quoted line breaks, Excel's
whole-number floats); times in the city's zone; and every mapping key."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import polars as pl
import pytest

import queries
from data.ingest import ingest, main, mapping
from queries import Filter
from tests.test_ingest import rows_of

# NYC Open Data "311 Service Requests from 2010 to Present" (erm2-nwe9): the CSV export's display names, in order.
NYC_DISPLAY = ["Unique Key", "Created Date", "Closed Date", "Agency", "Agency Name", "Complaint Type", "Descriptor",
               "Location Type", "Incident Zip", "Incident Address", "Street Name", "Cross Street 1", "Cross Street 2",
               "Intersection Street 1", "Intersection Street 2", "Address Type", "City", "Landmark", "Facility Type",
               "Status", "Due Date", "Resolution Description", "Resolution Action Updated Date", "Community Board",
               "BBL", "Borough", "X Coordinate (State Plane)", "Y Coordinate (State Plane)", "Open Data Channel Type",
               "Park Facility Name", "Park Borough", "Vehicle Type", "Taxi Company Borough", "Taxi Pick Up Location",
               "Bridge Highway Name", "Bridge Highway Direction", "Road Ramp", "Bridge Highway Segment", "Latitude",
               "Longitude", "Location"]
# The same columns under their API field names: the newest CSV export's headers, the SODA JSON's keys, Parquet's.
NYC_FIELDS = ["unique_key", "created_date", "closed_date", "agency", "agency_name", "complaint_type", "descriptor",
              "location_type", "incident_zip", "incident_address", "street_name", "cross_street_1", "cross_street_2",
              "intersection_street_1", "intersection_street_2", "address_type", "city", "landmark", "facility_type",
              "status", "due_date", "resolution_description", "resolution_action_updated_date", "community_board",
              "bbl", "borough", "x_coordinate_state_plane", "y_coordinate_state_plane", "open_data_channel_type",
              "park_facility_name", "park_borough", "vehicle_type", "taxi_company_borough", "taxi_pick_up_location",
              "bridge_highway_name", "bridge_highway_direction", "road_ramp", "bridge_highway_segment", "latitude",
              "longitude", "location"]
BASE = datetime(2026, 3, 1, 8, 15)
CHANNELS = ["PHONE", "ONLINE", "MOBILE", "UNKNOWN"]


def tickets(n: int) -> list[dict]:
    """n NYC tickets as values: every third still open, the others closed a few hours to days later."""
    out = []
    for i in range(n):
        created = BASE + timedelta(hours=5 * i, minutes=i)
        closed = None if i % 3 == 0 else created + timedelta(hours=3 + 7 * (i % 5))
        out.append({"key": 59_893_400 + i, "created": created, "closed": closed, "agency": "NYPD",
                    "complaint": ["Noise - Residential", "Illegal Parking", "HEAT/HOT WATER"][i % 3],
                    "descriptor": "Loud Music/Party", "borough": ["MANHATTAN", "BROOKLYN", "QUEENS"][i % 3],
                    "board": f"0{i % 9 + 1} MANHATTAN", "channel": CHANNELS[i % 4], "lat": 40.70 + i / 1000,
                    "lon": -73.95 - i / 1000, "x": 1_000_000 + i, "y": 200_000 + i})
    return out


def display_row(t: dict, when) -> list[str]:
    """A ticket as the CSV export writes it, with `when` formatting the times."""
    values = {"Unique Key": str(t["key"]), "Created Date": when(t["created"]), "Closed Date": when(t["closed"]),
              "Agency": t["agency"], "Agency Name": "New York City Police Department", "Complaint Type": t["complaint"],
              "Descriptor": t["descriptor"], "Location Type": "Street/Sidewalk", "Incident Zip": "10001",
              "Incident Address": "350 5 AVENUE", "Street Name": "5 AVENUE", "Address Type": "ADDRESS",
              "City": "NEW YORK", "Status": "Closed" if t["closed"] else "In Progress",
              "Resolution Description": "The Police Department responded to the complaint.",
              "Community Board": t["board"], "BBL": "1008350041", "Borough": t["borough"],
              "X Coordinate (State Plane)": str(t["x"]), "Y Coordinate (State Plane)": str(t["y"]),
              "Open Data Channel Type": t["channel"], "Park Facility Name": "Unspecified",
              "Park Borough": t["borough"], "Latitude": f"{t['lat']:.6f}", "Longitude": f"{t['lon']:.6f}",
              "Location": f"({t['lat']:.6f}, {t['lon']:.6f})"}
    return [values.get(column, "") for column in NYC_DISPLAY]


def csv_text(headers: list[str], rows: list[list[str]]) -> str:
    def cell(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n') else value
    return "".join(",".join(cell(v) for v in row) + "\r\n" for row in [headers, *rows])


def us(moment: datetime | None) -> str:
    return moment.strftime("%m/%d/%Y %I:%M:%S %p") if moment else ""


def excel_us(moment: datetime | None) -> str:
    """Excel's re-save of a US time: M/D/YY H:MM, no padding, no seconds."""
    return f"{moment.month}/{moment.day}/{moment:%y} {moment.hour}:{moment:%M}" if moment else ""


def soda(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000") if moment else None


def stored(target: Path) -> dict[str, tuple]:
    return {key: tuple(rest) for key, *rest in rows_of(target, "select request_id, received_at, handled_at, category, "
                                                        "channel, lat, lon from requests")}


def expected(ts: list[dict], minutes: bool = False) -> dict[str, tuple]:
    """What the tickets must become, computed from the values themselves (seconds cut when the file has none)."""
    channel = {"PHONE": "hotline", "ONLINE": "web", "MOBILE": "app", "UNKNOWN": "other"}

    def cut(moment: datetime | None) -> datetime | None:
        return moment.replace(second=0) if moment and minutes else moment
    return {str(t["key"]): (cut(t["created"]), cut(t["closed"]), t["complaint"], channel[t["channel"]],
                            pytest.approx(t["lat"]), pytest.approx(t["lon"])) for t in ts}


def test_a_nyc_csv_under_its_display_names_loads_whole(tmp_path):
    ts = tickets(60)
    path = tmp_path / "311_Service_Requests.csv"
    path.write_text(csv_text(NYC_DISPLAY, [display_row(t, us) for t in ts]), encoding="utf-8")
    summary = ingest([path], tmp_path / "city.duckdb")
    assert (summary.read, summary.loaded, summary.rejected) == (60, 60, 0)
    assert stored(tmp_path / "city.duckdb") == expected(ts)


def test_a_nyc_csv_resaved_by_excel_with_a_bom_short_times_and_thousands_separators(tmp_path):
    ts = tickets(60)
    rows = [display_row(t, excel_us) for t in ts]
    for row, t in zip(rows, ts):  # Excel's number format on the id and the State Plane coordinates
        row[0], row[26], row[27] = f"{t['key']:,}", f"{t['x']:,}", f"{t['y']:,}"
    path = tmp_path / "311 re-saved.csv"
    path.write_bytes(csv_text(NYC_DISPLAY, rows).encode("utf-8-sig"))
    assert b'"59,893,400"' in path.read_bytes()
    summary = ingest([path], tmp_path / "city.duckdb")
    assert (summary.read, summary.loaded, summary.rejected) == (60, 60, 0)
    assert stored(tmp_path / "city.duckdb") == expected(ts, minutes=True)


def test_the_newest_nyc_csv_with_snake_case_headers_loads_whole(tmp_path):
    ts = tickets(45)
    path = tmp_path / "erm2-nwe9.csv"
    path.write_text(csv_text(NYC_FIELDS, [display_row(t, lambda m: soda(m) or "") for t in ts]), encoding="utf-8")
    summary = ingest([path], tmp_path / "city.duckdb")
    assert (summary.loaded, summary.rejected) == (45, 0)
    assert stored(tmp_path / "city.duckdb") == expected(ts)


def soda_record(t: dict, nested: bool) -> dict:
    """A record of the SODA API's JSON (resource/erm2-nwe9.json): text values, null fields left out, and the
    location as SODA 2.0 writes it; `nested`: without the flat coordinates, as datasets with only a location."""
    record = {"unique_key": str(t["key"]), "created_date": soda(t["created"]), "closed_date": soda(t["closed"]),
              "agency": t["agency"], "agency_name": "New York City Police Department",
              "complaint_type": t["complaint"], "descriptor": t["descriptor"], "incident_zip": "10001",
              "status": "Closed" if t["closed"] else "In Progress", "community_board": t["board"],
              "borough": t["borough"], "x_coordinate_state_plane": str(t["x"]),
              "y_coordinate_state_plane": str(t["y"]), "open_data_channel_type": t["channel"],
              "latitude": f"{t['lat']:.6f}", "longitude": f"{t['lon']:.6f}",
              "location": {"latitude": f"{t['lat']:.6f}", "longitude": f"{t['lon']:.6f}",
                           "human_address": '{"address": "", "city": "", "state": "", "zip": ""}'}}
    if nested:
        del record["latitude"], record["longitude"]
    return {key: value for key, value in record.items() if value is not None}


@pytest.mark.parametrize("nested", [False, True], ids=["flat", "nested-location"])
def test_socrata_api_json_loads_whole(tmp_path, nested):
    ts = tickets(40)
    path = tmp_path / "erm2-nwe9.json"
    path.write_text(json.dumps([soda_record(t, nested) for t in ts]), encoding="utf-8")
    summary = ingest([path], tmp_path / "city.duckdb")
    assert (summary.loaded, summary.rejected) == (40, 0)
    assert stored(tmp_path / "city.duckdb") == expected(ts)


def test_a_typed_parquet_of_the_socrata_columns_loads_whole(tmp_path):
    ts = tickets(30)
    table = pl.DataFrame({"unique_key": [t["key"] for t in ts], "created_date": [t["created"] for t in ts],
                          "closed_date": [t["closed"] for t in ts], "agency": [t["agency"] for t in ts],
                          "complaint_type": [t["complaint"] for t in ts], "descriptor": [t["descriptor"] for t in ts],
                          "status": ["Closed" if t["closed"] else "In Progress" for t in ts],
                          "borough": [t["borough"] for t in ts], "open_data_channel_type": [t["channel"] for t in ts],
                          "x_coordinate_state_plane": [t["x"] for t in ts],
                          "latitude": [t["lat"] for t in ts], "longitude": [t["lon"] for t in ts]},
                         schema_overrides={"unique_key": pl.Int64, "x_coordinate_state_plane": pl.Int32})
    table.write_parquet(tmp_path / "erm2-nwe9.parquet")
    summary = ingest([tmp_path / "erm2-nwe9.parquet"], tmp_path / "city.duckdb")
    assert (summary.loaded, summary.rejected) == (30, 0)
    assert stored(tmp_path / "city.duckdb") == expected(ts)


def georeport(i: int, offset: str) -> dict:
    """A service request as GeoReport v2's GET requests.json returns it (lon, as some servers write long)."""
    return {"service_request_id": f"{638344 + i}", "status": "closed" if i % 2 else "open",
            "status_notes": None, "service_name": "Pothole in Street", "service_code": "4fd3b656e750846c53000004",
            "description": "Pothole at the corner", "agency_responsible": "CDOT", "service_notice": None,
            "requested_datetime": f"2026-04-{i + 1:02d}T19:02:21{offset}",
            "updated_datetime": f"2026-04-{i + 2:02d}T10:15:40{offset}", "expected_datetime": None,
            "address": "1200 W 81ST ST, CHICAGO, IL, 60620", "address_id": None, "zipcode": "60620",
            "lat": 41.74685 + i / 1000, "lon": -87.65364, "media_url": None}


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/Chicago"])
def test_open311_wrapped_in_an_object_with_lon_converts_offsets_to_the_citys_zone(tmp_path, monkeypatch, zone):
    monkeypatch.setenv("CITYOPS_TIMEZONE", zone)
    records = [georeport(i, "-05:00" if i % 3 else "Z") for i in range(12)]
    path = tmp_path / "requests.json"
    path.write_text(json.dumps({"requests": records}), encoding="utf-8")
    summary = ingest([path], tmp_path / "city.duckdb")
    assert (summary.loaded, summary.rejected) == (12, 0)

    def local(text: str) -> datetime:
        return datetime.fromisoformat(text).astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    assert rows_of(tmp_path / "city.duckdb", "select request_id, received_at, handled_at, lon from requests "
                                             "order by request_id") == \
        [(r["service_request_id"], local(r["requested_datetime"]),
          local(r["updated_datetime"]) if r["status"] == "closed" else None, r["lon"]) for r in records]


def test_an_html_page_saved_as_csv_is_refused_as_one(tmp_path, capsys):
    page = tmp_path / "311.csv"
    page.write_text("<!DOCTYPE html>\n<html lang='en'><head><title>NYC Open Data</title></head>\n<body>,,,</body>"
                    "</html>\n", encoding="utf-8")
    assert main([str(page), "--db", str(tmp_path / "city.duckdb")]) == 1
    assert "this is an HTML page, not CSV" in capsys.readouterr().err
    assert not (tmp_path / "city.duckdb").exists()


# A US city's 311 export as spreadsheets and case systems write it: ids as floats, text over several lines,
# closing dates without their time, a city-hall default point, a channel nobody mapped.
CITY_HEADERS = ["CASE ID", "OPEN DATE", "DISPATCH DATE", "CLOSE DATE", "TYPE", "DETAILS", "SOURCE", "LAT", "LONG"]
CITY_MAPPING = """source = "kc311"
crs = "wgs84"
extent = [-94.8, 38.8, -94.3, 39.4]
timestamp_formats = ["%m/%d/%Y %I:%M:%S %p"]

[columns]
request_id = "CASE ID"
received_at = "OPEN DATE"
dispatched_at = "DISPATCH DATE"
handled_at = "CLOSE DATE"
category = "TYPE"
text = "DETAILS"
channel = "SOURCE"
lat = "LAT"
lon = "LONG"

[values.channel]
"PHONE" = "hotline"
"""


def city_row(i: int, **changes) -> dict:
    opened = datetime(2026, 3, 5, 9, 14) + timedelta(days=i)
    return {"CASE ID": f"{24 + i}.0", "OPEN DATE": us(opened), "DISPATCH DATE": us(opened + timedelta(hours=1)),
            "CLOSE DATE": us(opened + timedelta(days=2)), "TYPE": "Trash", "DETAILS": f"Bags left out\nsince day {i}",
            "SOURCE": "PHONE", "LAT": "39.0997", "LONG": "-94.5786", **changes}


def test_a_city_export_with_line_breaks_float_ids_and_partial_rows_loads_every_row(tmp_path):
    rows = [city_row(i) for i in range(20)]
    rows[1]["CLOSE DATE"] = us(datetime(2026, 3, 6))  # a date alone, 12:00:00 AM, on the day it was opened
    rows[2]["LAT"], rows[2]["LONG"] = "39.0", "-77.0"  # the system's default point, far outside the city
    rows[3]["SOURCE"] = "Council's Office"  # a channel word nobody mapped
    rows[4]["DISPATCH DATE"] = us(datetime(2026, 3, 1))  # dispatched before it was opened
    rows[5]["CLOSE DATE"] = "N/A"
    path = tmp_path / "311.csv"
    path.write_text(csv_text(CITY_HEADERS, [list(row.values()) for row in rows]), encoding="utf-8")
    (tmp_path / "kc.toml").write_text(CITY_MAPPING, encoding="utf-8")
    target = tmp_path / "city.duckdb"
    summary = ingest([path], target, chosen=mapping.load(tmp_path / "kc.toml"))
    assert (summary.read, summary.loaded, summary.rejected) == (20, 20, 0)
    got = {key: rest for key, *rest in rows_of(target, "select request_id, received_at, dispatched_at, handled_at, "
                                                       "channel, lat, text from requests")}
    assert sorted(got, key=int) == [str(24 + i) for i in range(20)]
    opened = [datetime.strptime(row["OPEN DATE"], "%m/%d/%Y %I:%M:%S %p") for row in rows]
    assert got["25"][2] == opened[1]  # handled the day it came: read as its received time, not refused
    assert got["26"][4] is None and got["24"][4] == pytest.approx(39.0997)
    assert got["27"][3] == "Council's Office" and got["24"][3] == "hotline"
    assert got["28"][1] is None and got["28"][2] == opened[4] + timedelta(days=2)
    assert got["29"][2] is None
    assert got["24"][5] == "Bags left out\nsince day 0"
    assert rows_of(target, "select line, reason, field, detail from rejected_rows order by line") == [
        (3, "date alone, read as received_at", "handled_at", rows[1]["CLOSE DATE"]),
        (4, "point outside the city", "lat,lon", "39.0, -77.0"),
        (6, "before received_at", "dispatched_at", rows[4]["DISPATCH DATE"]),
        (7, "unreadable time", "handled_at", "N/A")]


def test_duckdbs_own_explanation_of_a_csv_it_cannot_read_is_kept_in_one_line(tmp_path):
    from data.ingest.files import explained
    path = tmp_path / "broken.csv"
    path.write_text('a,b,c\n1,"line one\nline two",x\n2,plain,y\n3,short\n', encoding="utf-8")
    with pytest.raises(duckdb.Error) as failure:
        duckdb.connect().execute("select * from read_csv(?, all_varchar = true, header = true, null_padding = true, "
                                 "strict_mode = false)", [str(path)]).fetchall()
    said = explained(failure.value)
    assert "\n" not in said and said.startswith("CSV Error on Line")
    assert "does not support null_padding in conjunction with quoted new lines" in said


def test_a_historical_export_shows_its_tickets_as_they_were_when_it_was_taken(tmp_path):
    """Tickets came until June 30 and most closed in July: closed they are, not open because no ticket came later."""
    ts = tickets(90)
    ts = [t | {"created": datetime(2025, 6, 1) + (t["created"] - BASE) // 8,
               "closed": t["closed"] and datetime(2025, 7, 1) + (t["closed"] - BASE) // 90} for t in ts]
    ts = [t | {key: t[key] and t[key].replace(microsecond=0) for key in ("created", "closed")} for t in ts]
    path = tmp_path / "311-june.csv"
    path.write_text(csv_text(NYC_DISPLAY, [display_row(t, us) for t in ts]), encoding="utf-8")
    target = tmp_path / "city.duckdb"
    ingest([path], target)
    with duckdb.connect(str(target), read_only=True) as con:
        cursor = queries.prepare(con)
        clock = queries.clock(cursor, now=datetime(2026, 1, 1))
        shown = queries.run(cursor, "open_now", Filter(date(2025, 6, 1), date(2025, 8, 1)), clock).row(0, named=True)
    assert clock == max(t["closed"] for t in ts if t["closed"])
    assert shown["open"] == sum(1 for t in ts if not t["closed"])


def test_a_snapshot_drops_the_stages_after_it_and_is_the_clock(tmp_path):
    ts = tickets(30)
    snapshot = ts[20]["created"]
    path = tmp_path / "311.csv"
    path.write_text(csv_text(NYC_DISPLAY, [display_row(t, us) for t in ts if t["created"] <= snapshot]),
                    encoding="utf-8")
    rules = tmp_path / "nyc.toml"
    rules.write_text(f'snapshot = "{snapshot:%Y-%m-%d %H:%M:%S}"\n[columns]\nrequest_id = "Unique Key"\n'
                     'received_at = "Created Date"\nhandled_at = "Closed Date"\ncategory = "Complaint Type"\n',
                     encoding="utf-8")
    target = tmp_path / "city.duckdb"
    summary = ingest([path], target, chosen=mapping.load(rules))
    assert (summary.loaded, summary.rejected) == (21, 0)
    closed_by_then = {str(t["key"]) for t in ts[:21] if t["closed"] and t["closed"] <= snapshot}
    assert {key for key, in rows_of(target, "select request_id from requests where handled_at is not null")} == \
        closed_by_then
    assert rows_of(target, "select count(*) from rejected_rows where reason = 'after the snapshot'")[0][0] == \
        sum(1 for t in ts[:21] if t["closed"] and t["closed"] > snapshot)
    with duckdb.connect(str(target), read_only=True) as con:
        assert queries.clock(queries.prepare(con), now=datetime(2027, 1, 1)) == snapshot


# A Chinese 12345 workbook as centres publish it: a notes sheet first, a title above the header, the date and
# the time in two columns, BD-09 points (Baidu's map), and no channel column.
SHEET_HEADERS = ["工单编号", "受理日期", "受理时刻", "办结时间", "一级分类", "诉求内容", "百度经度", "百度纬度"]


def workbook(path: Path, rows: list[list], title: bool = True) -> Path:
    import xlsxwriter
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("填表说明").write(0, 0, "本表为12345热线工单导出")
    sheet = book.add_worksheet("工单明细")
    top = 2 if title else 0
    if title:
        sheet.write(0, 0, "2026年3月 12345热线工单明细")
    for row_number, row in enumerate([SHEET_HEADERS, *rows], top):
        for column, value in enumerate(row):
            sheet.write(row_number, column, value)
    book.close()
    return path


def sheet_rows(n: int) -> list[list]:
    return [[24 + i, f"2026-03-{i % 28 + 1:02d}", f"{8 + i % 10:02d}:{i % 60:02d}", f"2026/03/{i % 28 + 1:02d} 20:00",
             "市容环境", f"市民反映路灯不亮，联系电话1391234{i:04d}", 116.404 + i / 1000, 39.915 + i / 1000]
            for i in range(n)]


SHEET_MAPPING = """source = "sheet-12345"
sheet = "工单明细"
crs = "bd09"

[columns]
request_id = "工单编号"
received_at = ["受理日期", "受理时刻"]
handled_at = "办结时间"
category = "一级分类"
text = "诉求内容"
lat = "百度纬度"
lon = "百度经度"

[column_formats]
received_at = ["%Y-%m-%d %H:%M"]

[defaults]
channel = "hotline"
"""


def test_a_workbook_with_a_title_two_time_columns_and_bd09_points_loads_with_a_mapping(tmp_path, capfd):
    from coordTransform.coordTransform import bd09_to_gcj02
    rows = sheet_rows(25)
    path = workbook(tmp_path / "12345工单.xlsx", rows)
    (tmp_path / "sheet.toml").write_text(SHEET_MAPPING, encoding="utf-8")
    target = tmp_path / "city.duckdb"
    summary = ingest([path], target, chosen=mapping.load(tmp_path / "sheet.toml"))
    assert (summary.read, summary.loaded, summary.rejected) == (25, 25, 0)
    got = {key: rest for key, *rest in rows_of(target, "select request_id, received_at, channel, lon, lat, text "
                                                       "from requests")}
    for row in rows:
        received, channel, lon, lat, text = got[str(row[0])]
        assert received == datetime.fromisoformat(f"{row[1]} {row[2]}") and channel == "hotline"
        assert [lon, lat] == pytest.approx(bd09_to_gcj02(row[6], row[7]), abs=1e-9)  # the package's formulas
        assert text.endswith(f"联系电话139****{row[0] - 24:04d}")  # masked on entry: never stored in clear
    assert capfd.readouterr().err == ""  # the spreadsheet reader says nothing of its own


def test_a_workbook_with_our_columns_behind_a_notes_sheet_and_a_title_needs_no_mapping(tmp_path):
    import xlsxwriter
    path = tmp_path / "export.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("说明").write(0, 0, "notes")
    sheet = book.add_worksheet("data")
    sheet.write(0, 0, "requests, March")
    for row_number, row in enumerate([["request_id", "received_at", "category"], [24, "2026-03-01 09:00", "供暖"],
                                      [25, "2026-03-02 09:00", "供暖"]], 1):
        sheet.write_row(row_number, 0, row)
    book.close()
    target = tmp_path / "city.duckdb"
    assert ingest([path], target).loaded == 2
    assert rows_of(target, "select request_id from requests order by all") == [("24",), ("25",)]


GEOJSON_MAPPING = """source = "geo311"
records = "features"
crs = "wgs84"

[columns]
request_id = "id"
received_at = "opened"
category = "type"
lat = "geometry.coordinates.1"
lon = "geometry.coordinates.0"
"""


def test_json_lines_nested_fields_and_a_named_wrapper_load_with_a_mapping(tmp_path):
    from coordTransform.coordTransform import wgs84_to_gcj02
    lines = tmp_path / "requests.jsonl"
    lines.write_text("\n".join(json.dumps({"ticket": {"id": f"J{i}", "opened": 1772500000 + 3600 * i},
                                           "what": {"type": "噪声扰民"}}) for i in range(6)) + "\n", encoding="utf-8")
    (tmp_path / "lines.toml").write_text('[columns]\nrequest_id = "ticket.id"\nreceived_at = "ticket.opened"\n'
                                         'category = "what.type"\n', encoding="utf-8")
    target = tmp_path / "city.duckdb"
    assert ingest([lines], target, chosen=mapping.load(tmp_path / "lines.toml")).loaded == 6
    shanghai = ZoneInfo("Asia/Shanghai")  # epoch seconds are UTC; the city's clock is Beijing time
    assert rows_of(target, "select min(received_at) from requests")[0][0] == \
        datetime.fromtimestamp(1772500000, shanghai).replace(tzinfo=None)
    features = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [116.30 + i / 100, 39.98]},
         "properties": {"id": f"G{i}", "opened": f"2026-03-0{i + 1} 10:00:00", "type": "道路"}} for i in range(4)]}
    geo = tmp_path / "requests.geojson"
    geo.write_text(json.dumps(features), encoding="utf-8")
    # a wrapper named by the mapping: a feature's properties are its columns, its geometry's fields by their paths
    (tmp_path / "geo.toml").write_text(GEOJSON_MAPPING, encoding="utf-8")
    assert ingest([geo], target, chosen=mapping.load(tmp_path / "geo.toml")).loaded == 4
    assert rows_of(target, "select lon, lat from requests where source = 'geo311' order by request_id") == \
        [tuple(pytest.approx(v) for v in wgs84_to_gcj02(116.30 + i / 100, 39.98)) for i in range(4)]


def test_rows_to_skip_and_a_wrapper_key_named_by_the_mapping(tmp_path):
    path = tmp_path / "report.csv"
    path.write_text("Service requests export\nGenerated 2026-03-09\nid,opened,type\n1,2026-03-01 08:00,Noise\n"
                    "2,2026-03-02 08:00,Noise\n", encoding="utf-8")
    (tmp_path / "skip.toml").write_text('skip_rows = 2\n[columns]\nrequest_id = "id"\nreceived_at = "opened"\n'
                                        'category = "type"\n', encoding="utf-8")
    target = tmp_path / "city.duckdb"
    summary = ingest([path], target, chosen=mapping.load(tmp_path / "skip.toml"))
    assert (summary.loaded, summary.rejected) == (2, 0)
    wrapped = tmp_path / "api.json"
    wrapped.write_text(json.dumps({"meta": {"page": 1}, "result": {"items": [
        {"id": "W1", "opened": "2026-03-03 08:00", "type": "Noise"}]}}), encoding="utf-8")
    (tmp_path / "wrapped.toml").write_text('records = "result.items"\n[columns]\nrequest_id = "id"\n'
                                           'received_at = "opened"\ncategory = "type"\n', encoding="utf-8")
    assert ingest([wrapped], target, chosen=mapping.load(tmp_path / "wrapped.toml")).loaded == 1


def test_a_thousand_bad_rows_sum_to_a_few_reasons_and_raw_rows_are_stored_masked(tmp_path):
    rows = [{"request_id": f"R{i}" if i % 7 else "", "received_at": f"2026-03-{i % 28 + 1:02d} 09:{i % 60:02d}"
             if i % 5 else f"junk {i}", "category": "供暖", "text": f"联系电话1391234{i % 10000:04d}",
             "lat": f"{30 + i / 100}", "lon": "116.4", "handled_at": f"bad {i}"} for i in range(1036)]
    path = tmp_path / "ours.csv"
    path.write_text(pl.DataFrame(rows).write_csv(), encoding="utf-8")
    target = tmp_path / "city.duckdb"
    summary = ingest([path], target)
    refused = sum(1 for i in range(1036) if i % 7 == 0 or i % 5 == 0)
    assert (summary.read, summary.rejected) == (1036, refused)
    assert rows_of(target, "select reason, count(*) from rejected_rows group by all order by all") == [
        ("missing request_id", sum(1 for i in range(1036) if i % 7 == 0)),
        ("unreadable received_at", sum(1 for i in range(1036) if i % 7 and i % 5 == 0)),
        ("unreadable time", 1036 - refused)]
    assert rows_of(target, "select count(*) from rejected_rows where raw like '%13912340%'")[0][0] == 0
    assert rows_of(target, "select count(*) from rejected_rows where raw like '%139****%'")[0][0] == 1036  # every row, refused or not


def test_mistakes_in_a_mapping_or_a_file_are_said_in_one_line_with_what_would_be_right(tmp_path, capsys):
    rules = tmp_path / "bad.toml"
    rules.write_text('sheets = "x"\n[columns]\nrequest_id = "id"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"unknown keys \['sheets'\] \(the keys are kind, source, .*sheet"):
        mapping.load(rules)
    path = tmp_path / "export.csv"
    path.write_text("编号,时间,类别\n1,2026-03-01 08:00,供暖\n", encoding="utf-8")
    rules.write_text('[columns]\nrequest_id = "工单编号"\nreceived_at = "时间"\ncategory = "类别"\n', encoding="utf-8")
    assert main([str(path), "--db", str(tmp_path / "city.duckdb"), "--mapping", str(rules)]) == 1
    said = capsys.readouterr().err
    assert "['工单编号'] are not in the file (its columns: 编号, 时间, 类别)" in said and said.count("\n") == 1
    assert main([str(path), "--db", str(tmp_path / "city.duckdb")]) == 1
    assert "no column for request_id, received_at, category" in capsys.readouterr().err


def test_check_says_what_would_load_and_what_would_be_refused_and_writes_nothing(tmp_path, capsys):
    ts = tickets(12)
    rows = [display_row(t, us) for t in ts]
    rows[0][0] = ""  # no id
    rows[1][1] = "tomorrow"  # no readable received time
    rows[2][38], rows[2][39] = "51.5", "-0.12"  # a point in London
    path = tmp_path / "311.csv"
    path.write_text(csv_text(NYC_DISPLAY, rows), encoding="utf-8")
    target = tmp_path / "city.duckdb"
    assert main([str(path), "--db", str(target), "--check"]) == 0
    said = capsys.readouterr().out.splitlines()
    assert said[0] == f"{path}:" and said[1].startswith("columns: Unique Key → request_id, Created Date → received_at")
    assert said[2:] == ["check: read=12 would_load=10 would_refuse=2", "  1 rows: missing request_id (refused)",
                        "  1 rows: point outside the city (loaded without lat,lon)",
                        "  1 rows: unreadable received_at (refused)"]
    assert not target.exists()
