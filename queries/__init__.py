"""The query layer: one SQL file per panel, run with bound parameters, answered as Polars.

Page code calls run(); it never writes SQL. A panel's SQL reads one of three
relations the runner puts in front of it, already cut to the filter:

- ``facts``: request measures (queries/facts.sql), from a rollup when the
  filter and the panel's grain allow it, else from the requests table;
- ``tickets``: request rows, for lists and row-level panels;
- ``events``: incident rows.

A panel's header may say ``-- grain: district street`` (the dimensions it
groups by, which decide whether a rollup can answer), ``-- span: previous``,
``year_ago`` or ``all`` (how far back before the period it needs rows: the period before, or the same one
52 weeks earlier, each cut where t cuts a running period, queries/periods.py) and
``-- rows: open`` or ``whistled`` (it reads only requests open at t, all in
requests_live, or only whistled ones, all in requests_whistled).

A filter's ``scope`` (a district manager's districts) is not a choice but a limit: every table the panel
reads, its own or the runner's, is replaced by its rows in those districts (scoped()), so no panel, list,
map, filter choice or bulletin can reach past it, whatever it selects.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

import duckdb
import polars as pl

from queries import settings
from queries.periods import Period, Window, midnight, next_month

QUERY_DIR = Path(__file__).resolve().parent
PARAMETER = re.compile(r"\$([a-z_][a-z0-9_]*)")
OWN_WITH = re.compile(r"^(\s*--.*\n)*\s*with\s", re.IGNORECASE)
HEADER = re.compile(r"^--\s*(grain|span|rows):\s*(.*)$", re.MULTILINE)
EARLIEST = date(1900, 1, 1)
EDGES = 4  # day ranges around the whole months and the gap before the period: before, either side of it, after

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
# Tables without a district of their own, scoped through the table their rows belong to (scoped() puts these last).
THROUGH = {
    "warning_days": "warning_id in (select warning_id from warnings)",
    "topic_samples": "(month, topic_id) in (select (month, topic_id) from topics)",
    "topic_months": "(month, topic_id) in (select (month, topic_id) from topics)",
}
# Tables a scoped user reads whole: they hold no place (definitions, the data's own bookkeeping) or only admins
# read them (rejected_rows, connectors'); tests/test_auth.py holds every table of the schema to one of the three.
CITYWIDE = {"categories", "incident_types", "indicator_definitions", "meta", "sources", "imports", "rejected_rows",
            "connector_cursors", "connector_records"}


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
    scope: tuple[str, ...] | None = None  # the only districts this user may see (a manager's); None: the city

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
    return defined(con.cursor())


def defined(cursor: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """This very connection with the macros: a writer's, whose open transaction a cursor would not see."""
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


def meta(cursor: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """What the database says of itself: data_version, as_of, rollup_cutoff, ..."""
    return dict(cursor.execute("select key, value from meta").fetchall())


def cutoff(cursor: duckdb.DuckDBPyConnection) -> datetime | None:
    """Until when the rollups hold settled requests; None when there are none."""
    row = cursor.execute("select value from meta where key = 'rollup_cutoff'").fetchone()
    return datetime.fromisoformat(row[0]) if row else None


def rolled_up(cursor: duckdb.DuckDBPyConnection, t: datetime) -> bool:
    """Whether the rollups plus requests_live answer exactly at t."""
    rolled_until = cutoff(cursor)
    return rolled_until is not None and t >= rolled_until


def source(cursor: duckdb.DuckDBPyConnection, grain: set[str], chosen: set[str], t: datetime, rollups: bool,
           gap: Window) -> str:
    """The smallest rollup that holds every dimension the panel groups or filters by, else the base table.

    A panel that does not group by day reads whole months ($months) from the rollup's month twin and
    only the days around them ($edge<i>_from to $edge<i>_to) from the rollup itself: plain day ranges,
    so DuckDB skips the rest of the table by its zone maps. Rows in the gap [$cut, $start) are left out:
    the rollups and requests_live skip the gap's days from $cut_day, the requests fill in $cut_day up to $cut.
    """
    if rollups and rolled_up(cursor, t):
        for table, dimensions in ROLLUPS.items():
            if grain | chosen | {"day"} <= dimensions:
                live = ("select * from request_facts('requests_live', $t, $since, $until) "
                        "where day < $cut_day or day >= $start")
                if gap.start.time() != datetime.min.time():
                    live += " union all by name select * from request_facts('requests', $t, $cut_day, $cut)"
                if "day" in grain:
                    return (f"select * from {table} where day >= $since::date and day < $until::date "
                            f"and (day < $cut_day or day >= $start) union all by name {live}")
                edges = " ".join(f"union all by name select * from {table} where day >= $edge{i}_from::date "
                                 f"and day < $edge{i}_to::date" for i in range(EDGES))
                return (f"select * from {table}_month where list_contains($months::date[], day) {edges} "
                        f"union all by name {live}")
    if gap.start < gap.end:
        return ("select * from request_facts('requests', $t, $since, $cut) "
                "union all by name select * from request_facts('requests', $t, $start::timestamp, $until)")
    return "select * from request_facts('requests', $t, $since, $until)"


def edges(since: date, until: date, months: list[date],
          gap: tuple[date, date] | None = None) -> list[tuple[date, date]]:
    """The day ranges of [since, until) outside the whole months and the gap, padded with empty ones to EDGES."""
    ranges, start = [], since
    for lo, hi in sorted([(month, next_month(month)) for month in months] + ([gap] if gap and gap[0] < gap[1] else [])):
        if lo > start:
            ranges.append((start, lo))
        start = max(start, hi)
    if start < until:
        ranges.append((start, until))
    if len(ranges) > EDGES:
        raise ValueError(f"{len(ranges)} day ranges around {months}: more than the {EDGES} the runner reads")
    return ranges + [(until, until)] * (EDGES - len(ranges))


def whole_months(since: date, start: date, until: date, t: datetime, gap_from: date | None = None) -> list[date]:
    """The calendar months inside [since, until) that end before t's day and lie outside [gap_from, start)."""
    months, first = [], since if since.day == 1 else next_month(since)
    gap_from = start if gap_from is None else gap_from
    while True:
        following = next_month(first)
        if following > min(until, t.date()):
            return months
        if following <= gap_from or first >= start:
            months.append(first)
        first = following


def span_start(span: str, flt: Filter) -> date:
    if span == "previous":
        return Period.spanning(flt.start, flt.end).before().start
    if span == "year_ago":
        return Period.spanning(flt.start, flt.end).year_earlier().start
    if span == "all":
        return EARLIEST
    return flt.start


def gap(flt: Filter, span: str, t: datetime) -> Window:
    """The moments [cut, start) left out between the rows a panel reads before its period and the period.

    Before a running period a panel reads only as far into the period before (or the year-ago one) as t
    is into this one, so both sides cover the same stretch; before a whole period, all of it.
    """
    period, start = Period.spanning(flt.start, flt.end), midnight(flt.start)
    earlier = {"previous": period.previous, "year_ago": period.year_ago}.get(span)
    return Window(min(earlier(t).end, start) if earlier else start, start)


def compose(cursor: duckdb.DuckDBPyConnection, name: str, flt: Filter, t: datetime, rollups: bool = True,
            extra: dict[str, object] | None = None) -> str:
    """The panel's SQL with the relations it reads put in front, each cut to the filter.

    A grain written as $name is the dimension named by that parameter (a panel grouping by a chosen level).
    """
    text = sql(name)
    grain = {str((extra or {})[g[1:]]) if g.startswith("$") else g for g in header(name)[0]}
    rows = dict(HEADER.findall(text)).get("rows", "").strip()
    table = ROW_TABLES[rows] if rows and rollups and rolled_up(cursor, t) else "requests"
    facts = source(cursor, grain, flt.chosen(), t, rollups, gap(flt, header(name)[1], t))
    relations = {
        "facts": f"select * from ({facts}) where {sql('filter_requests')}",
        "tickets": f"select * from {table} where received_at >= $since and received_at < $until "
                   f"and received_at <= $t and not (received_at >= $cut and received_at < $start) "
                   f"and {sql('filter_requests')}",
        "events": f"select * from incidents where detected_at >= $since and detected_at < $until "
                  f"and detected_at <= $t and not (detected_at >= $cut and detected_at < $start) "
                  f"and {sql('filter_incidents')}",
    }
    used = [f"{key} as ({value})" for key, value in relations.items() if re.search(rf"\b{key}\b", text)]
    if flt.scope is not None:
        used = scoped(cursor) + used
    if not used:
        return text
    own = OWN_WITH.match(text)  # the panel's own CTEs follow ours
    return "with " + ",\n".join(used) + (",\n" + text[own.end():] if own else "\n" + text)


def scoped(cursor: duckdb.DuckDBPyConnection) -> list[str]:
    """Every place-bearing table as a CTE of the same name holding only the rows of the districts in $scope.

    A CTE shadows the table of its name for the whole statement, query_table() in the macros included, so the
    panel's SQL, the runner's relations and request_facts() all read the scoped rows. Not materialized: DuckDB
    pushes the panel's own filters through it as through the table. City-wide rows (an indicator or forecast
    of the whole city) are not any district's; a city department (a unit without district) is no place.
    """
    here = "database_name = current_database() and schema_name = 'main'"
    tables = [name for name, in cursor.execute(
        f"select distinct table_name from duckdb_columns() where {here} and column_name = 'district'").fetchall()]
    present = {name for name, in cursor.execute(f"select table_name from duckdb_tables() where {here}").fetchall()}
    within = "list_contains($scope::varchar[], district)"
    return [f'"{name}" as not materialized (select * from main."{name}" where '
            f'{within + " or district is null" if name == "units" else within})' for name in sorted(tables)] + [
        f'"{name}" as not materialized (select * from main."{name}" where {rule})'
        for name, rule in THROUGH.items() if name in present]


def params_of(flt: Filter, span: str, t: datetime, extra: dict[str, object]) -> dict[str, object]:
    since, cut = span_start(span, flt), gap(flt, span, t).start
    months = whole_months(since, flt.start, flt.end, t, cut.date())
    around = {f"edge{i}_{end}": day for i, pair in enumerate(edges(since, flt.end, months, (cut.date(), flt.start)))
              for end, day in zip(("from", "to"), pair)}
    values = {**asdict(flt), **extra, **around, "t": t, "months": months, "since": midnight(since),
              "cut": cut, "cut_day": cut.date(), "until": midnight(flt.end)}
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

    A city that imported incidents but no requests ends at its last incident; an imported export ends when it
    was taken (meta 'snapshot_at', data/ingest/requests.py), so what closed after its last ticket came is closed.
    """
    latest = cursor.execute("select greatest(coalesce((select max(received_at) from requests), "
                            "(select max(detected_at) from incidents)), "
                            "(select max(try_cast(value as timestamp)) from meta where key = 'snapshot_at'))"
                            ).fetchone()[0]
    now = now or datetime.now()
    return min(now, latest) if latest else now
