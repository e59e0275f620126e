"""python -m data.ingest --pull URL: keep pulling a city's published requests, Open311 or Socrata.

- Open311 GeoReport v2 (`.../requests.json`): by windows of start_date/end_date (at most 90 days apart, as
  the standard allows), each paged with page/page_size until a page brings nothing new (a server that
  ignores `page` sends the first again). GeoReport v2 has no "changed since" filter, so every pull reads
  the last CITYOPS_PULL_TRAILING_DAYS again to see tickets closed or called back since.
- Socrata SODA (`.../resource/xxxx-xxxx.json`): the records whose :updated_at is at or after the cursor,
  in :updated_at, :id order, by $limit and $offset. The offset counts only the records sharing the newest
  :updated_at read so far, so a record updated while the pull pages moves behind it and is read again
  rather than pushing an unread one out of reach; the records read twice are dropped below. Socrata's
  field names come from a mapping (default: data/mappings/socrata-nyc311.toml).

Each page's records go to a temporary JSON file, and every BATCH_PAGES pages are imported by ingest(), with
its checks, refused rows and upserts. Only then are the cursor (connector_cursors, by URL) and a digest of
each record (connector_records) saved: a restart resumes from the last batch in, and a record read again
unchanged (the trailing window, the page before a crash) is not imported again. A failure (the network,
the portal, the import) is logged in one line and the next cycle tries again from the saved cursor.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from urllib.request import Request, urlopen

import polars as pl

from data import db
from data.ingest import Summary, ingest, mapping
from queries import settings

log = logging.getLogger("cityops")
SPAN = timedelta(days=90)  # GeoReport v2: start_date and end_date at most 90 days apart
BATCH_PAGES = 20  # pages imported together: each import and each cursor saved rewrites the database
SOCRATA = Path(__file__).resolve().parent.parent / "mappings" / "socrata-nyc311.toml"
MOMENT = {"open311": "requested_datetime", "socrata": ":updated_at"}  # the time a record's digest is kept by


@dataclass(frozen=True)
class Page:
    records: list[dict]
    resume_from: str | None  # the cursor once this page and all before it are in; None: as it was


@dataclass(frozen=True)
class Cycle:
    """What one pull did: records fetched, those new or changed, and their imports (one a batch)."""

    fetched: int
    changed: int
    imports: tuple[Summary, ...]

    def line(self, url: str) -> str:
        line = f"pull: {url} fetched={self.fetched} changed={self.changed}"
        if not self.imports:
            return line
        totals = [sum(getattr(s, name) for s in self.imports) for name in ("read", "loaded", "rejected", "seconds")]
        return f"{line} {Summary(self.imports[-1].import_id, *totals).line()}"


def utc(text: str) -> datetime:
    """An ISO time (with an offset, Z, or none: then already UTC) as naive UTC."""
    moment = datetime.fromisoformat(text)
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def api_of(url: str) -> str:
    path = urlsplit(url).path
    if "/resource/" in path:
        return "socrata"
    if path.endswith("requests.json"):
        return "open311"
    raise ValueError(f"{url}: cannot tell an Open311 endpoint (…/requests.json) from a Socrata resource "
                     f"(…/resource/…) by the address; say --api open311 or --api socrata")


def fetch(url: str, parameters: dict) -> list[dict]:
    """One GET of a JSON array of records, waiting at most CITYOPS_PULL_TIMEOUT seconds."""
    address = f"{url}{'&' if urlsplit(url).query else '?'}{urlencode(parameters)}"
    request = Request(address, headers={"Accept": "application/json", "User-Agent": "cityops"})
    with urlopen(request, timeout=settings.value("CITYOPS_PULL_TIMEOUT")) as response:
        body = json.load(response)
    if not isinstance(body, list) or not all(isinstance(record, dict) for record in body):
        raise ValueError(f"{url}: the answer is not a JSON array of records")
    return body


def open311_pages(url: str, resume_from: str | None, now: datetime, ident: str) -> Iterator[Page]:
    """From a trailing window before the cursor (or now) up to now, window by window, page by page."""
    start = (utc(resume_from) if resume_from else now) - timedelta(days=settings.value("CITYOPS_PULL_TRAILING_DAYS"))
    size = settings.value("CITYOPS_PULL_PAGE_SIZE")
    while start < now:
        end, seen = min(start + SPAN, now), set()
        for number in count(1):
            records = fetch(url, {"start_date": f"{start:%Y-%m-%dT%H:%M:%S}Z", "end_date": f"{end:%Y-%m-%dT%H:%M:%S}Z",
                                  "page": number, "page_size": size})
            keys = {key(record, ident) for record in records}
            if not keys - seen:
                break
            seen |= keys
            yield Page(records, None)
        yield Page([], f"{end:%Y-%m-%dT%H:%M:%S}Z")
        start = end


def socrata_pages(url: str, resume_from: str | None, now: datetime, ident: str) -> Iterator[Page]:
    """The records updated at or after the cursor (first: a trailing window before now), oldest update first."""
    size = settings.value("CITYOPS_PULL_PAGE_SIZE")
    at = resume_from or f"{now - timedelta(days=settings.value('CITYOPS_PULL_TRAILING_DAYS')):%Y-%m-%dT%H:%M:%S.000}"
    skip, seen = 0, set()  # skip: the records at exactly `at` read already
    while True:
        records = fetch(url, {"$select": ":*, *", "$where": f":updated_at >= '{at}'",
                              "$order": ":updated_at, :id", "$limit": size, "$offset": skip})
        if any(":updated_at" not in record for record in records):
            raise ValueError(f"{url}: the records carry no :updated_at; is it a Socrata resource?")
        keys = {key(record, ident) for record in records}
        if not keys - seen:
            return
        seen |= keys
        last = f"{utc(records[-1][':updated_at']):%Y-%m-%dT%H:%M:%S.%f}"[:-3]
        skip = (skip if last == at else 0) + sum(utc(r[":updated_at"]) == utc(last) for r in records)
        at = last
        yield Page(records, at)
        if len(records) < size:
            return


PAGES = {"open311": open311_pages, "socrata": socrata_pages}


def key(record: dict, ident: str) -> str:
    return str(record.get(ident) or digest(record))


def digest(record: dict) -> str:
    return hashlib.sha1(json.dumps(record, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def state(target: Path, url: str) -> tuple[str | None, dict[str, str]]:
    """The saved cursor and the digests of the records imported, by id (none before a first pull)."""
    if not target.exists():
        return None, {}
    with db.opened_when_free(target, read_only=True) as con:
        if not con.execute("select count(*) from duckdb_tables() where table_name = 'connector_cursors'").fetchone()[0]:
            return None, {}
        cursor = con.execute("select resume_from from connector_cursors where url = ?", [url]).fetchone()
        digests = dict(con.execute("select record_id, digest from connector_records where url = ?", [url]).fetchall())
    return (cursor[0] if cursor else None), digests


def save(target: Path, url: str, api: str, resume_from: str, pulled: pl.DataFrame) -> None:
    """Write the cursor and the pulled records' digests; drop the digests of records no pull reads again."""
    reread = timedelta(days=settings.value("CITYOPS_PULL_TRAILING_DAYS")) if api == "open311" else timedelta(0)
    with db.updating(target) as con:
        db.create_schema(con)
        con.execute("delete from connector_cursors where url = ?", [url])
        con.execute("insert into connector_cursors values (?, ?, ?, now()::timestamp)", [url, api, resume_from])
        con.register("pulled", pulled)
        con.execute("delete from connector_records where url = ? and record_id in (select record_id from pulled)",
                    [url])
        con.execute("insert into connector_records select ?, record_id, digest, moment from pulled", [url])
        con.execute("delete from connector_records where url = ? and moment < ?", [url, utc(resume_from) - reread])


class Puller:
    """One pull's state: the saved cursor and digests, and the batch of new or changed records not yet in."""

    def __init__(self, url: str, target: Path, api: str, chosen: mapping.Mapping | None, source: str | None) -> None:
        self.url, self.target, self.api, self.chosen, self.source = url, target, api, chosen, source
        if chosen:  # SODA leaves empty fields out: every column the mapping names is filled in as null
            self.ident = chosen.columns["request_id"]
            self.fields = [name for names in chosen.columns.values() for name in ([names] if isinstance(names, str)
                                                                                  else names)]
        else:  # Open311 records carry their fields, under names the importer recognises (mapping.OPEN311)
            self.ident = mapping.OPEN311.names["request_id"][0]
            self.fields = [self.ident]
        self.stored, self.digests = state(target, url)
        self.cursor, self.fetched, self.changed, self.imports = self.stored, 0, 0, []
        self.batch: list[list[dict]] = []  # pages of new or changed records, as they go to the import
        self.pulled: dict[str, tuple[str, datetime]] = {}  # the ids imported, not yet saved: digest, moment

    def add(self, page: Page, now: datetime) -> None:
        if self.chosen and page.records and not any(record.get(self.ident) for record in page.records):
            raise ValueError(f"{self.url}: the records have no {self.ident!r}, the mapping's request_id: "
                             f"is it the mapping for them? (--mapping)")
        fresh = []
        for record in page.records:
            signature, name = digest(record), key(record, self.ident)
            if self.digests.get(name) != signature and self.pulled.get(name, ("",))[0] != signature:
                fresh.append({**dict.fromkeys(self.fields), **record})  # SODA leaves empty fields out
                self.pulled[name] = (signature, moment(record, self.api, now))
        self.fetched, self.changed = self.fetched + len(page.records), self.changed + len(fresh)
        self.batch += [fresh] if fresh else []
        self.cursor = page.resume_from or self.cursor

    def flush(self, folder: Path) -> None:
        """Import the batch, then save the cursor: with it, or alone once it has moved a trailing window
        (an Open311 cursor moves every cycle, and each save is a write the dashboards step aside for)."""
        if self.batch:
            files = [folder / f"page-{len(self.imports)}-{number}.json" for number in range(len(self.batch))]
            for path, records in zip(files, self.batch):
                path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
            self.imports.append(ingest(files, self.target, "open311", self.chosen, self.source, kind="requests"))
        moved = self.cursor and (self.stored is None or utc(self.cursor) - utc(self.stored) >
                                 timedelta(days=settings.value("CITYOPS_PULL_TRAILING_DAYS")))
        self.digests.update({name: signature for name, (signature, _) in self.pulled.items()})
        if self.cursor and (self.batch or moved):
            save(self.target, self.url, self.api, self.cursor, pl.DataFrame(
                [(name, signature, when) for name, (signature, when) in self.pulled.items()],
                schema={"record_id": pl.String, "digest": pl.String, "moment": pl.Datetime("us")}, orient="row"))
            self.stored, self.pulled = self.cursor, {}
        self.batch = []


def once(url: str, target: Path, api: str, chosen: mapping.Mapping | None, source: str | None,
         now: datetime | None = None) -> Cycle:
    """One pull: fetch from the cursor on, import what is new or changed batch by batch, save the cursor."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    puller = Puller(url, target, api, chosen, source)
    with tempfile.TemporaryDirectory(prefix="cityops-pull-") as folder:
        for number, page in enumerate(PAGES[api](url, puller.stored, now, puller.ident), 1):
            puller.add(page, now)
            if number % BATCH_PAGES == 0:
                puller.flush(Path(folder))
        puller.flush(Path(folder))
    return Cycle(puller.fetched, puller.changed, tuple(puller.imports))


def moment(record: dict, api: str, now: datetime) -> datetime:
    try:
        return utc(str(record[MOMENT[api]]))
    except (KeyError, ValueError):
        return now


def pull(url: str, target: Path, api: str | None = None, chosen: mapping.Mapping | None = None,
         source: str | None = None, every: float | None = None, cycles: int | None = None) -> list[Cycle]:
    """Pull every `every` seconds (CITYOPS_PULL_SECONDS), cycles times or for ever; a failed cycle is logged
    and the next starts again from the saved cursor. Returns the cycles that went through."""
    api = api or api_of(url)
    chosen = chosen or (mapping.load(SOCRATA) if api == "socrata" else None)
    every = settings.value("CITYOPS_PULL_SECONDS") if every is None else every
    done = []
    log.info("pull: pulling %s (%s) every %g s", url, api, every)
    for number in count():
        if cycles is not None and number >= cycles:
            break
        if number:
            time.sleep(every)
        try:
            cycle = once(url, target, api, chosen, source)
        except Exception as failure:  # noqa: BLE001 - the network, the portal, a page, the import: next cycle
            reason = (str(failure).splitlines() or [type(failure).__name__])[0]
            log.info("pull: %s failed, trying again in %g s: %s", url, every, reason)
            continue
        done.append(cycle)
        log.info("%s", cycle.line(url))
    return done
