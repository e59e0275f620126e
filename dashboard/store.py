"""The dashboard's one read-only connection, shared with the writers, and its cached panel queries."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import duckdb

import polars as pl
import streamlit as st

import queries
from dashboard import auth
from dashboard.i18n import names_of
from data import actions, db
from data.analytics import schedule
from queries import settings

UNFILTERED = queries.Filter(date.min, date.min)  # for a query that reads no filtered relation


class Reader:
    """This process's read-only connection to the database, let go whenever a writer wants the file.

    DuckDB gives a writing process the file alone, so an import (db.busy()) waits until every reader
    has closed it: the watcher closes ours once the queries in flight end, and the next query opens it
    again when the writer is done, seeing its batch. Meanwhile reruns answer from the panel cache of
    the data version they last saw. A file replaced by a new city is opened anew the same way.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.changed = threading.Condition()
        self.con: duckdb.DuckDBPyConnection | None = None
        self.inode = 0
        self.opened = 0  # how many times it was opened: a thread's cursor belongs to one opening
        self.users = 0
        self.version = ""
        threading.Thread(target=self.watch, name=f"reader {path.name}", daemon=True).start()

    def watch(self) -> None:
        while True:
            time.sleep(WATCH_SECONDS)
            if self.con is not None and db.busy(self.path):
                with self.changed:
                    self.close()

    def close(self) -> None:
        """Close once the queries in flight end (called holding self.changed)."""
        while self.users:
            self.changed.wait()
        if self.con is not None:
            self.con.close()
            self.con = None

    @contextmanager
    def using(self) -> Iterator[tuple[duckdb.DuckDBPyConnection, int]]:
        with self.changed:
            inode = self.path.stat().st_ino
            if self.con is not None and inode != self.inode:
                self.close()
            if self.con is None:
                deadline = time.monotonic() + settings.WRITER_WAIT
                while db.busy(self.path) and time.monotonic() < deadline:
                    time.sleep(WATCH_SECONDS)
                self.con = db.opened_when_free(self.path, read_only=True)
                self.inode, self.opened = inode, self.opened + 1
            self.users += 1
        try:
            yield self.con, self.opened
        finally:
            with self.changed:
                self.users -= 1
                self.changed.notify_all()


WATCH_SECONDS = 0.2  # how soon a reader lets go of the file for a writer, and looks again when it is done


@st.cache_resource(show_spinner=False)
def reader(path: str) -> Reader:
    return Reader(Path(path))


@st.cache_resource(show_spinner=False)
def analytics_clock(path: str) -> threading.Thread:
    """The analytics' schedule, started once per process and database (data/analytics/schedule.py)."""
    return schedule.start(Path(path))


_local = threading.local()


@contextmanager
def reading() -> Iterator[duckdb.DuckDBPyConnection]:
    """This thread's cursor with the macros defined (DuckDB cursors must not cross threads), while the file is open."""
    shared = reader(str(db.db_path()))
    with shared.using() as (con, opened):
        if getattr(_local, "opening", None) != (shared, opened):
            _local.opening, _local.cursor = (shared, opened), queries.prepare(con)
        yield _local.cursor


def data_version() -> str:
    """The data's version and file, the key of every cached answer; while a writer has the file, the one last
    seen, so that reruns answer from the cache."""
    shared = reader(str(db.db_path()))
    if shared.version and db.busy(shared.path):
        return shared.version
    with reading() as cursor:
        shared.version = f"{queries.meta(cursor).get('data_version', '')} {shared.path}"
    return shared.version


def meta() -> dict[str, str]:
    """What the database says of itself (queries.meta), as of the data version."""
    return meta_of(data_version())


@st.cache_data(max_entries=4, show_spinner=False)
def meta_of(version: str) -> dict[str, str]:
    with reading() as cursor:
        return queries.meta(cursor)


@st.cache_data(max_entries=1024, show_spinner=False)
def cached(name: str, flt: queries.Filter, t: datetime, extra: tuple, version: str) -> pl.DataFrame:
    with reading() as cursor:
        return queries.run(cursor, name, flt, t, **dict(extra))


def panel(name: str, flt: queries.Filter, t: datetime, **extra: object) -> pl.DataFrame:
    """A panel's rows, cached per filter, clock minute and data version, within what this session's user may see.

    The one door from the pages to the query layer: whatever scope a page's filter carries is replaced by the
    user's (auth.scoped), and a session whose login is gone (a revoked wall key) gets auth.Denied.
    """
    return cached(name, auth.scoped(flt), t, tuple(sorted(extra.items())), data_version())


@st.cache_data(max_entries=16, show_spinner=False)
def choices_of(version: str, scope: tuple[str, ...] | None) -> pl.DataFrame:
    with reading() as cursor:
        return queries.run(cursor, "filter_choices", replace(UNFILTERED, scope=scope), datetime.min)


def choices() -> pl.DataFrame:
    """Every value the filters offer to this user, with its parent and English name (queries/filter_choices.sql)."""
    return choices_of(data_version(), auth.user().scope)


def english_names() -> dict[str, str]:
    """The names the filters offer, by their English names, for dashboard.i18n."""
    return names_of(choices())


def masked(rows: pl.DataFrame) -> pl.DataFrame:
    """The rows with every text column passed through mask_personal (queries/privacy.sql) once more."""
    text = [name for name, kind in rows.schema.items() if kind == pl.String]
    if not text:
        return rows
    masks = ", ".join(f'mask_personal("{name}") as "{name}"' for name in text)
    with reading() as cursor:
        return cursor.execute(f"select * replace ({masks}) from rows").pl()


def now() -> datetime:
    """The dashboard's clock, to the minute, so reruns within a minute share cached panels."""
    return clock_at(datetime.now().replace(second=0, microsecond=0), data_version())


@st.cache_data(max_entries=64, show_spinner=False)
def clock_at(minute: datetime, version: str) -> datetime:
    with reading() as cursor:
        return queries.clock(cursor, minute)


def arrival() -> dict:
    """When data last arrived and the minutes since, by the wall clock (queries/freshness.sql)."""
    return panel("freshness", UNFILTERED, datetime.now().replace(second=0, microsecond=0)).row(0, named=True)


def ticket(request_id: str, clock: datetime) -> dict | None:
    """One ticket's list row as of clock, whatever the filters; None when there is no such ticket.

    queries/ticket.sql finds where it sits; queries/ticket_list.sql, narrowed to that, gives its row.
    """
    found = panel("ticket", UNFILTERED, clock, ticket=request_id)
    if found.is_empty():
        return None
    place = found.row(0, named=True)
    day = place.pop("day")
    narrowed = queries.Filter(day, date.fromordinal(day.toordinal() + 1), **{
        plural: (place[single],) for single, plural in (("district", "districts"), ("street", "streets"),
                                                        ("unit", "units"), ("subcategory", "subcategories"),
                                                        ("channel", "channels"), ("kind", "kinds"))
        if place[single] is not None})
    rows = panel("ticket_list", narrowed, clock, limit=settings.LIST_ROWS)
    return next((row for row in rows.iter_rows(named=True) if row["request_id"] == request_id), None)


def has(table: str) -> bool:
    """Whether the open database has the table: one made by an older version may lack the analytics'."""
    return table in tables_of(data_version())


@st.cache_data(max_entries=4, show_spinner=False)
def tables_of(version: str) -> frozenset[str]:
    with reading() as cursor:
        return frozenset(row[0] for row in cursor.execute("select table_name from duckdb_tables()").fetchall())


def acted() -> dict[str, list[str]]:
    """What people did to warnings since the analytics last ran, as the warning panels' parameters."""
    done = actions.latest(db.db_path())
    return {"acted_ids": list(done), "acted_status": list(done.values())}


def act(warning_id: str, status: str) -> None:
    """Acknowledge, close or reopen a warning; the panels see it at once (their cache keys hold acted())."""
    actions.record(db.db_path(), warning_id, status)
