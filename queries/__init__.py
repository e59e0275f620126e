"""The query layer: one SQL file per panel, run with bound parameters, answered as Polars.

Page code calls run(); it never writes SQL. A panel's SQL reads one of three
relations the runner puts in front of it, already cut to the filter:

- ``facts``: request measures (queries/facts.sql), from a rollup when the
  filter and the panel's grain allow it, else from the requests table;
- ``tickets``: request rows, for lists and row-level panels;
- ``events``: incident rows.

A panel's header may say ``-- grain: district street`` (the dimensions it
groups by, which decide whether a rollup can answer), ``-- span: previous``,
``year_ago`` or ``all`` (how far back before the period it needs rows) and
``-- rows: open`` or ``whistled`` (it reads only requests open at t, all in
requests_live, or only whistled ones, all in requests_whistled).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path

import duckdb
import polars as pl

from queries import settings

QUERY_DIR = Path(__file__).resolve().parent
PARAMETER = re.compile(r"\$([a-z_][a-z0-9_]*)")
OWN_WITH = re.compile(r"^(\s*--.*\n)*\s*with\s", re.IGNORECASE)
HEADER = re.compile(r"^--\s*(grain|span|rows):\s*(.*)$", re.MULTILINE)
EARLIEST = date(1900, 1, 1)
EDGES = 3  # day ranges around the whole months: before them, the month holding the start, after them

# Which request dimensions each rollup keeps (queries/rollups.sql); smallest first.
# Each has a month twin, <name>_month, whose day is the first of its month.
ROLLUPS = {
    "rollup_requests_topic": {"day", "district", "category", "subcategory"},
    "rollup_requests_channel": {"day", "district", "category", "channel", "kind"},
    "rollup_requests_place": {"day", "district", "street", "unit"},
    "rollup_requests_fine": {"day", "district", "street", "unit", "category", "subcategory"},
    "rollup_requests_cells": {"day", "district", "street", "category", "hex_q", "hex_r"},
}
ROW_TABLES = {"open": "requests_live", "whistled": "requests_whistled"}  # built with the rollups
REQUEST_DIMENSIONS = ("district", "street", "unit", "category", "subcategory", "channel", "kind")


@dataclass(frozen=True)
class Filter:
    """What the user chose: a period [start, end) of days and the values to keep (empty = all)."""

    start: date
    end: date
    districts: tuple[str, ...] = ()
    streets: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subcategories: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    severities: tuple[int, ...] = ()
    types: tuple[str, ...] = ()

    def chosen(self) -> set[str]:
        """The request dimensions this filter narrows."""
        plural = {"district": "districts", "street": "streets", "unit": "units", "category": "categories",
                  "subcategory": "subcategories", "channel": "channels", "kind": "kinds"}
        return {dim for dim in REQUEST_DIMENSIONS if getattr(self, plural[dim])}


@cache
def sql(name: str) -> str:
    return (QUERY_DIR / f"{name}.sql").read_text(encoding="utf-8")


def header(name: str) -> tuple[set[str], str]:
    found = dict(HEADER.findall(sql(name)))
    return set(found.get("grain", "").split()), found.get("span", "period").strip()


def prepare(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor of its own (DuckDB cursors are per-thread) with the metric, threshold, facts and masking macros."""
    cursor = con.cursor()
    if not cursor.execute("select 1 from duckdb_tables() where table_name = 'sources'").fetchone():
        # a database made before sources existed: none of its sources lacks response times
        cursor.execute("create temp table sources (source varchar, records_responses boolean)")
    thresholds = {"severe_from": settings.SEVERE, "late_hours": settings.INCIDENT_LATE_HOURS,
                  "active_days": settings.WARNING_ACTIVE_DAYS}
    for key, value in thresholds.items():
        cursor.execute(f"set variable {key} = ?", [value])
    for name in ("metrics", "hexes", "facts", "privacy"):
        cursor.execute(sql(name))
    for key in ("hex_km", "hex_lat0"):
        row = cursor.execute("select value::double from meta where key = ?", [key]).fetchone()
        cursor.execute(f"set variable {key} = ?", [row[0] if row else None])
    return cursor


def cutoff(cursor: duckdb.DuckDBPyConnection) -> datetime | None:
    """Until when the rollups hold settled requests; None when there are none."""
    row = cursor.execute("select value from meta where key = 'rollup_cutoff'").fetchone()
    return datetime.fromisoformat(row[0]) if row else None


def rolled_up(cursor: duckdb.DuckDBPyConnection, t: datetime) -> bool:
    """Whether the rollups plus requests_live answer exactly at t."""
    rolled_until = cutoff(cursor)
    return rolled_until is not None and t >= rolled_until


def source(cursor: duckdb.DuckDBPyConnection, grain: set[str], chosen: set[str], t: datetime, rollups: bool) -> str:
    """The smallest rollup that holds every dimension the panel groups or filters by, else the base table.

    A panel that does not group by day reads whole months ($months) from the rollup's month twin and
    only the days around them ($edge<i>_from to $edge<i>_to) from the rollup itself: plain day ranges,
    so DuckDB skips the rest of the table by its zone maps.
    """
    if rollups and rolled_up(cursor, t):
        for table, dimensions in ROLLUPS.items():
            if grain | chosen | {"day"} <= dimensions:
                live = "select * from request_facts('requests_live', $t, $since, $until)"
                days = f"select * from {table} where day >= $since::date and day < $until::date"
                if "day" in grain:
                    return f"{days} union all by name {live}"
                edges = " ".join(f"union all by name select * from {table} where day >= $edge{i}_from::date "
                                 f"and day < $edge{i}_to::date" for i in range(EDGES))
                return (f"select * from {table}_month where list_contains($months::date[], day) {edges} "
                        f"union all by name {live}")
    return "select * from request_facts('requests', $t, $since, $until)"


def edges(since: date, until: date, months: list[date]) -> list[tuple[date, date]]:
    """The day ranges of [since, until) outside the whole months, padded with empty ones to EDGES."""
    ranges, start = [], since
    for month in months:
        if month > start:
            ranges.append((start, month))
        start = (month + timedelta(days=32)).replace(day=1)
    if start < until:
        ranges.append((start, until))
    if len(ranges) > EDGES:
        raise ValueError(f"{len(ranges)} day ranges around {months}: more than the {EDGES} the runner reads")
    return ranges + [(until, until)] * (EDGES - len(ranges))


def whole_months(since: date, start: date, until: date, t: datetime) -> list[date]:
    """The calendar months inside [since, until) that end before t's day and do not straddle start."""
    months, first = [], since if since.day == 1 else (since.replace(day=1) + timedelta(days=32)).replace(day=1)
    while True:
        following = (first + timedelta(days=32)).replace(day=1)
        if following > min(until, t.date()):
            return months
        if following <= start or first >= start:
            months.append(first)
        first = following


def span_start(span: str, flt: Filter) -> date:
    if span == "previous":
        return flt.start - (flt.end - flt.start)
    if span == "year_ago":
        return flt.start - timedelta(days=364)  # whole weeks back, so weekdays line up
    if span == "all":
        return EARLIEST
    return flt.start


def compose(cursor: duckdb.DuckDBPyConnection, name: str, flt: Filter, t: datetime, rollups: bool = True,
            extra: dict[str, object] | None = None) -> str:
    """The panel's SQL with the relations it reads put in front, each cut to the filter.

    A grain written as $name is the dimension named by that parameter (a panel grouping by a chosen level).
    """
    text = sql(name)
    grain = {str((extra or {})[g[1:]]) if g.startswith("$") else g for g in header(name)[0]}
    rows = dict(HEADER.findall(text)).get("rows", "").strip()
    table = ROW_TABLES[rows] if rows and rollups and rolled_up(cursor, t) else "requests"
    relations = {
        "facts": f"select * from ({source(cursor, grain, flt.chosen(), t, rollups)}) where {sql('filter_requests')}",
        "tickets": f"select * from {table} where received_at >= $since and received_at < $until "
                   f"and received_at <= $t and {sql('filter_requests')}",
        "events": f"select * from incidents where detected_at >= $since and detected_at < $until "
                  f"and detected_at <= $t and {sql('filter_incidents')}",
    }
    used = [f"{key} as ({value})" for key, value in relations.items() if re.search(rf"\b{key}\b", text)]
    if not used:
        return text
    own = OWN_WITH.match(text)  # the panel's own CTEs follow ours
    return "with " + ",\n".join(used) + (",\n" + text[own.end():] if own else "\n" + text)


def params_of(flt: Filter, span: str, t: datetime, extra: dict[str, object]) -> dict[str, object]:
    since = span_start(span, flt)
    months = whole_months(since, flt.start, flt.end, t)
    around = {f"edge{i}_{end}": day for i, pair in enumerate(edges(since, flt.end, months))
              for end, day in zip(("from", "to"), pair)}
    values = {**asdict(flt), **extra, **around, "t": t, "months": months,
              "since": datetime.combine(since, datetime.min.time()),
              "until": datetime.combine(flt.end, datetime.min.time())}
    return {key: list(value) if isinstance(value, tuple) else value for key, value in values.items()}


def run(cursor: duckdb.DuckDBPyConnection, name: str, flt: Filter, t: datetime, rollups: bool = True,
        **extra: object) -> pl.DataFrame:
    """Run queries/<name>.sql for this filter as of t, every value bound by DuckDB; rollups=False reads raw rows."""
    _, span = header(name)
    text = compose(cursor, name, flt, t, rollups, extra)
    values = params_of(flt, span, t, extra)
    used = {key: values[key] for key in dict.fromkeys(PARAMETER.findall(text))}
    return cursor.execute(text, used).pl()


def clock(cursor: duckdb.DuckDBPyConnection, now: datetime | None = None) -> datetime:
    """The dashboard's 'now': the wall clock, unless the data ends earlier (an old demo, an import).

    A city that imported incidents but no requests ends at its last incident.
    """
    latest = cursor.execute("select coalesce((select max(received_at) from requests), "
                            "(select max(detected_at) from incidents))").fetchone()[0]
    now = now or datetime.now()
    return min(now, latest) if latest else now
