"""The dashboard's one read-only connection and its cached panel queries."""

from __future__ import annotations

import os
import threading
import uuid
from datetime import date, datetime
from pathlib import Path

import polars as pl
import streamlit as st

import queries
from dashboard.i18n import names_of
from data import actions, db
from queries import settings

UNFILTERED = queries.Filter(date.min, date.min)  # for a query that reads no filtered relation


def connection():
    """The open database; an import replaces the file, and the next rerun opens the new one."""
    path = db.db_path()
    stat = path.stat()
    return opened(str(path), stat.st_ino, stat.st_mtime_ns)


@st.cache_resource(max_entries=2, show_spinner=False)
def opened(path: str, inode: int, modified: int):
    """This very file, through a hard link of its own, removed once open.

    DuckDB hands a process the instance it already has open for a path, even after an import replaced the
    file there, so connect(path) would keep the old city until every old cursor is gone. A link names
    only this file; the old connection stays for the threads still reading it and goes with them. A link
    left by a killed process is swept like an import's work file. Where the folder is not writable, the path.
    """
    link = Path(f"{path}.open-{os.getpid()}-{uuid.uuid4().hex[:12]}")
    try:
        os.link(path, link)
    except OSError:
        return db.connect(path, read_only=True)
    try:
        return db.connect(link, read_only=True)
    finally:
        link.unlink(missing_ok=True)


_local = threading.local()


def cursor():
    """This thread's cursor with the macros defined, made once (DuckDB cursors must not cross threads)."""
    con = connection()
    if getattr(_local, "connection", None) is not con:
        _local.connection, _local.cursor = con, queries.prepare(con)
    return _local.cursor


def data_version() -> str:
    return queries.meta(cursor()).get("data_version", "")


@st.cache_data(max_entries=1024, show_spinner=False)
def cached(name: str, flt: queries.Filter, t: datetime, extra: tuple, version: str) -> pl.DataFrame:
    return queries.run(cursor(), name, flt, t, **dict(extra))


def panel(name: str, flt: queries.Filter, t: datetime, **extra: object) -> pl.DataFrame:
    """A panel's rows, cached per filter, clock minute and data version."""
    return cached(name, flt, t, tuple(sorted(extra.items())), data_version())


@st.cache_data(max_entries=4, show_spinner=False)
def choices_of(version: str) -> pl.DataFrame:
    return queries.run(cursor(), "filter_choices", UNFILTERED, datetime.min)


def choices() -> pl.DataFrame:
    """Every value the filters offer, with its parent and English name (queries/filter_choices.sql)."""
    return choices_of(data_version())


def english_names() -> dict[str, str]:
    """The names the filters offer, by their English names, for dashboard.i18n."""
    return names_of(choices())


def masked(rows: pl.DataFrame) -> pl.DataFrame:
    """The rows with every text column passed through mask_personal (queries/privacy.sql) once more."""
    text = [name for name, kind in rows.schema.items() if kind == pl.String]
    if not text:
        return rows
    masks = ", ".join(f'mask_personal("{name}") as "{name}"' for name in text)
    return cursor().execute(f"select * replace ({masks}) from rows").pl()


def now() -> datetime:
    """The dashboard's clock, to the minute, so reruns within a minute share cached panels."""
    return queries.clock(cursor()).replace(second=0, microsecond=0)


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
    return bool(cursor().execute("select count(*) from duckdb_tables() where table_name = ?", [table]).fetchone()[0])


def acted() -> dict[str, list[str]]:
    """What people did to warnings since the analytics last ran, as the warning panels' parameters."""
    done = actions.latest(db.db_path())
    return {"acted_ids": list(done), "acted_status": list(done.values())}


def act(warning_id: str, status: str) -> None:
    """Acknowledge, close or reopen a warning; the panels see it at once (their cache keys hold acted())."""
    actions.record(db.db_path(), warning_id, status)
