"""The connectors: a folder watched for dropped files, and a portal pulled (Open311 and Socrata) from a
stand-in served by the test itself; each imports once, survives errors and restarts, and resumes."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import duckdb
import pytest

from data.ingest import main
from data.ingest.pull import pull
from data.ingest.watch import Settling, watch
from queries import settings
from tests.test_ingest import NYC, nyc_rows, rows_of, write_csv

ROOT = Path(__file__).resolve().parent.parent
BEIJING = timezone(timedelta(hours=8))
NOW = datetime.now(UTC).replace(microsecond=0)


def utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


class Portal:
    """A city portal: an Open311 GeoReport v2 endpoint and a Socrata resource, each over its own records."""

    def __init__(self) -> None:
        self.open311: dict[str, dict] = {}
        self.socrata: dict[str, dict] = {}
        self.failures = 0  # the next requests answered 500
        self.ignores_page = False  # an Open311 server that sends its first page whatever page is asked
        self.asked: list[tuple[str, dict[str, str]]] = []

    def answer(self, path: str, asked: dict[str, str]) -> list[dict]:
        if path.endswith("requests.json"):
            start, end = utc(asked["start_date"]), utc(asked["end_date"])
            rows = sorted((r for r in self.open311.values() if start <= utc(r["requested_datetime"]) <= end),
                          key=lambda r: r["service_request_id"])
            size, page = int(asked["page_size"]), 1 if self.ignores_page else int(asked["page"])
            return rows[(page - 1) * size:page * size]
        since = utc(re.fullmatch(r":updated_at >= '(.+)'", asked["$where"]).group(1))
        rows = sorted((r for r in self.socrata.values() if utc(r[":updated_at"]) >= since),
                      key=lambda r: (utc(r[":updated_at"]), r[":id"]))
        if asked.get("$select") != ":*, *":  # Socrata sends its system fields only when asked
            rows = [{k: v for k, v in r.items() if not k.startswith(":")} for r in rows]
        offset = int(asked.get("$offset", 0))
        return rows[offset:offset + int(asked["$limit"])]


@pytest.fixture
def portal():
    state = Portal()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            address = urlsplit(self.path)
            asked = {k: v[0] for k, v in parse_qs(address.query).items()}
            state.asked.append((address.path, asked))
            if state.failures:
                state.failures -= 1
                self.send_response(500)
                self.end_headers()
                return
            body = json.dumps(state.answer(address.path, asked)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


def open311_record(number: int, requested: datetime, closed: datetime | None = None) -> dict:
    """A GeoReport v2 request, its times in Beijing's offset (the importer keeps the local wall time)."""
    return {"service_request_id": f"R{number:03d}", "status": "closed" if closed else "open",
            "service_name": "积水", "service_code": "WATER", "description": f"路面积水 {number}",
            "agency_responsible": "市水务局", "address": "长安街", "lat": 39.9 + number / 1000, "long": 116.4,
            "requested_datetime": requested.astimezone(BEIJING).isoformat(),
            "updated_datetime": (closed or requested).astimezone(BEIJING).isoformat(), "expected_datetime": None}


def test_open311_pulls_by_windows_and_pages_then_only_what_changed(portal, tmp_path, monkeypatch):
    monkeypatch.setenv("CITYOPS_PULL_PAGE_SIZE", "4")
    monkeypatch.setenv("CITYOPS_PULL_TRAILING_DAYS", "200")
    for number in range(25):
        requested = NOW - timedelta(days=190 - number * 7.5, hours=3)
        portal.open311[f"R{number:03d}"] = open311_record(number, requested, requested + timedelta(days=2)
                                                          if number % 2 else None)
    url, target = f"{portal.url}/open311/v2/requests.json?jurisdiction_id=city", tmp_path / "city.duckdb"

    first, = pull(url, target, cycles=1)
    assert (first.fetched, first.changed) == (25, 25)
    windows = sorted({(a["start_date"], a["end_date"]) for _, a in portal.asked})
    assert [utc(end) - utc(start) for start, end in windows] == [timedelta(days=90)] * 2 + [timedelta(days=20)]
    assert all(a["jurisdiction_id"] == "city" for _, a in portal.asked)
    stored = rows_of(target, "select request_id, handled_at is not null, received_at from requests order by 1")
    assert stored == [(r["service_request_id"], r["status"] == "closed",
                       datetime.fromisoformat(r["requested_datetime"]).replace(tzinfo=None))
                      for r in sorted(portal.open311.values(), key=lambda r: r["service_request_id"])]

    again, = pull(url, target, cycles=1)
    assert (again.fetched, again.changed, again.imports) == (25, 0, ())
    assert rows_of(target, "select count(*) from imports")[0][0] == 1

    last = portal.open311["R024"]
    closed = utc(last["requested_datetime"]) + timedelta(hours=5)
    portal.open311["R024"] = open311_record(24, utc(last["requested_datetime"]), closed)
    changed, = pull(url, target, cycles=1)
    assert (changed.changed, changed.imports[0].loaded) == (1, 1)
    assert rows_of(target, "select handled_at from requests where request_id = 'R024'")[0][0] == \
        closed.astimezone(BEIJING).replace(tzinfo=None)
    assert rows_of(target, "select count(*), count(handled_at) from requests")[0] == (25, 13)

    portal.ignores_page, portal.asked = True, []  # a server that ignores `page`: one page a window, then stop
    assert pull(url, target, cycles=1)[0].fetched == 4 + 4 + 2  # windows of 11, 12 and 2 records
    assert len(portal.asked) == 3 * 2


def socrata_record(number: int, updated: datetime, closed: bool = False) -> dict:
    """A NYC 311 record as the SODA API sends it: empty fields left out, the system fields when asked."""
    created = updated - timedelta(hours=6)
    record = {":id": f"row-{number:04d}", ":updated_at": f"{updated:%Y-%m-%dT%H:%M:%S}.000Z",
              ":created_at": f"{created:%Y-%m-%dT%H:%M:%S}.000Z", "unique_key": str(60000 + number),
              "created_date": f"{created:%Y-%m-%dT%H:%M:%S}.000", "agency": "NYPD", "complaint_type": "Noise",
              "descriptor": "Loud Music/Party", "status": "Closed" if closed else "In Progress",
              "borough": "BROOKLYN", "community_board": "03 BROOKLYN", "open_data_channel_type": "MOBILE",
              "latitude": "40.68", "longitude": "-73.94"}
    if closed:
        record["closed_date"] = f"{updated:%Y-%m-%dT%H:%M:%S}.000"
    return record


def test_socrata_resumes_from_its_cursor_in_a_new_process_and_survives_a_server_error(portal, tmp_path, caplog):
    base = NOW - timedelta(days=1)
    for number in range(30):  # three records share each :updated_at, so pages of 4 cut through ties
        portal.socrata[f"row-{number:04d}"] = socrata_record(number, base + timedelta(minutes=number // 3))
    url, target = f"{portal.url}/resource/erm6-2mgn.json", tmp_path / "city.duckdb"
    run = subprocess.run([sys.executable, "-m", "data.ingest", "--pull", url, "--db", str(target), "--once"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
                         env=settings.environment(CITYOPS_PULL_PAGE_SIZE=4))
    assert run.returncode == 0, run.stderr
    assert "fetched=30 changed=30 ingest: read=30 loaded=30 rejected=0" in run.stdout
    assert all(a["$select"] == ":*, *" and a["$order"] == ":updated_at, :id" for _, a in portal.asked)
    assert rows_of(target, "select count(*), count(distinct request_id), any_value(source), any_value(channel) "
                           "from requests")[0] == (30, 30, "nyc311", "app")
    cursor = rows_of(target, "select resume_from, api from connector_cursors where url = ?", [url])
    assert cursor == [(f"{base + timedelta(minutes=9):%Y-%m-%dT%H:%M:%S}.000", "socrata")]

    for number in range(30, 36):  # six updated at once: more than a page
        portal.socrata[f"row-{number:04d}"] = socrata_record(number, base + timedelta(minutes=20))
    portal.socrata["row-0005"] = socrata_record(5, base + timedelta(minutes=21), closed=True)
    portal.failures, portal.asked = 1, []
    with caplog.at_level(logging.INFO, logger="cityops"):
        cycles = pull(url, target, cycles=2, every=0)
    assert [line for line in caplog.messages if "failed" in line] == \
        [f"pull: {url} failed, trying again in 0 s: HTTP Error 500: Internal Server Error"]
    assert portal.asked[0][1]["$where"] == f":updated_at >= '{cursor[0][0]}'"
    assert [(c.fetched, c.changed) for c in cycles] == [(10, 7)]  # the last three again, six new, one changed
    assert rows_of(target, "select count(*), count(*) filter (where handled_at is not null) from requests")[0] == \
        (36, 1)
    assert rows_of(target, "select handled_at from requests where request_id = '60005'")[0][0] == \
        (base + timedelta(minutes=21)).replace(tzinfo=None)
    assert pull(url, target, cycles=1)[0].changed == 0
    assert rows_of(target, "select count(*) from rejected_rows")[0][0] == 0


def test_a_pull_needs_to_know_its_api():
    with pytest.raises(SystemExit):
        main(["--db", "x.duckdb"])
    with pytest.raises(ValueError, match="say --api"):
        pull("http://127.0.0.1:9/feed", Path("x.duckdb"), cycles=1)


def test_the_database_cannot_be_in_the_watched_folder(tmp_path):
    with pytest.raises(ValueError, match="is in the watched folder"):
        watch(tmp_path, tmp_path / "city.duckdb", cycles=1)
    assert not (tmp_path / "done").exists()


def test_a_dropped_file_is_imported_once_and_a_bad_one_fails_with_its_reason(tmp_path, caplog):
    inbox, target = tmp_path / "inbox", tmp_path / "city.duckdb"
    inbox.mkdir()
    write_csv(inbox / "311.csv", nyc_rows(30))
    (inbox / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    write_csv(inbox / "later.csv.part", nyc_rows(5, start=100))
    write_csv(inbox / ".hidden.csv", nyc_rows(5, start=200))
    with caplog.at_level(logging.INFO, logger="cityops"):
        assert watch(inbox, target, every=0.05, cycles=3) == 1
    assert sorted(p.name for p in inbox.rglob("*") if p.is_file()) == \
        [".hidden.csv", "311.csv", "later.csv.part", "notes.csv", "notes.csv.reason.txt"]
    assert (inbox / "done" / "311.csv").exists()
    reason = (inbox / "failed" / "notes.csv.reason.txt").read_text(encoding="utf-8")
    assert "no column for request_id, received_at, category" in reason
    lines = [m for m in caplog.messages if m.startswith(("watch: 311.csv", "watch: notes.csv"))]
    assert re.fullmatch(r"watch: 311\.csv ingest: read=30 loaded=30 rejected=0 seconds=[\d.]+", lines[0])
    assert lines[1:] == ["watch: notes.csv failed: " + reason.strip()]
    assert rows_of(target, "select count(*), count(*) filter (where handled_at is not null) from requests")[0] == \
        (30, sum(1 for i in range(30) if i % 3))

    assert watch(inbox, target, every=0.05, cycles=3) == 0  # a restart: done/ is never read again
    assert rows_of(target, "select count(*) from imports")[0][0] == 1
    write_csv(inbox / "311.csv", nyc_rows(30))  # the same export sent again: read again, nothing changes
    assert watch(inbox, target, every=0.05, cycles=3) == 1
    assert len(list((inbox / "done").iterdir())) == 2
    assert rows_of(target, "select count(*) from requests")[0][0] == 30


def test_a_file_still_growing_is_not_read_half_way(tmp_path):
    settling, path = Settling(0.5), tmp_path / "x.csv"
    path.write_text("a\n")
    assert settling.ready([path], now=0.0) == []
    with path.open("a") as handle:
        handle.write("b\n")
    assert settling.ready([path], now=1.0) == []  # it changed: the wait starts again
    assert settling.ready([path], now=1.4) == []
    assert settling.ready([path], now=1.6) == [path]

    inbox, rows = tmp_path / "inbox", nyc_rows(200)
    inbox.mkdir()

    def write_slowly():
        with (inbox / "slow.csv").open("w", encoding="utf-8", newline="") as handle:
            handle.write(",".join(NYC) + "\n")
            for row in rows:
                handle.write(",".join(f'"{row[h]}"' for h in NYC) + "\n")
                handle.flush()
                time.sleep(0.005)

    writer = threading.Thread(target=write_slowly)
    writer.start()
    assert watch(inbox, tmp_path / "city.duckdb", every=0.05, settle=1.0, cycles=80) == 1
    writer.join()
    assert rows_of(tmp_path / "city.duckdb", "select count(*) from requests")[0][0] == 200
    with duckdb.connect(str(tmp_path / "city.duckdb"), read_only=True) as con:
        assert con.execute("select count(*), sum(rows_read) from imports").fetchone() == (1, 200)
