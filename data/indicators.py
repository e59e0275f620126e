"""Compute the evaluation indicators (data/indicator_definitions.py) for every month of the data.

Indicators that requests and incidents can tell are computed from them, rows received (detected) in
the month, counted as of as_of. The rest are reported by units in real life: an import brings them
(data/ingest/indicators.py), and the demo city draws its own (data/demo/reported.py).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date, datetime, timedelta

import duckdb
import polars as pl

import queries
from data import db
from data.indicator_definitions import DEFINITIONS, PARAMETERS, SCORE, definitions_frame

# The unit-reported values of the months given the areas (district, population): the demo draws them.
Reported = Callable[[pl.DataFrame, list[date]], pl.DataFrame]


SOURCES = {  # source: (relation, the moment that places a row in a month)
    "requests": ("requests", "received_at"),
    "incidents": ("incidents left join (select type, min(onsite_minutes) as onsite_minutes, "
                  "min(close_hours) as close_hours from incident_types group by type) using (type)", "detected_at"),
}


def build_indicators(con: duckdb.DuckDBPyConnection, as_of: datetime, reported: Reported | None = None,
                     touched: Collection[date] | None = None) -> None:
    """Refill indicator_definitions and indicators for every month of data up to as_of, all or nothing.

    touched (first days of months whose rows a batch added, replaced or removed) limits the work to those
    months and the ones changing() adds; None refills every month.
    Without reported (an imported city) the indicators units report are left out: nothing to draw them from.
    Imported indicators (dataset set) and their definitions stay: a unit's reported figure wins over ours.
    """
    cursor = queries.defined(con)  # the caller's transaction holds the batch whole
    cursor.register("definitions_frame", definitions_frame())
    cursor.execute("delete from indicator_definitions where code in (select code from definitions_frame)")
    cursor.execute("insert into indicator_definitions by name select * exclude (per_10k) from definitions_frame")
    span = month_span(cursor, as_of)
    state = {"indicators_as_of": as_of.isoformat(), "indicators_areas": signature(cursor)}
    months = span if touched is None else [month for month in span if month in changing(cursor, state, touched)]
    cursor.execute("delete from indicators where dataset is null "
                   "and (list_contains($months, period) or not list_contains($span, period))",
                   {"months": months, "span": span})
    if months:
        cursor.execute("create or replace temp table indicator_values "
                       "(period date, district varchar, code varchar, value double)")
        for source in SOURCES:
            insert_computed(cursor, source, as_of, months)
        if reported:
            cursor.register("reported_frame", reported(areas(cursor), span))
            cursor.execute("insert into indicator_values by name select * from reported_frame "
                           "where list_contains($months, period)", {"months": months})
        cursor.execute(ASSEMBLE, {"months": months})
    db.set_meta(cursor, state)


def month_span(cursor: duckdb.DuckDBPyConnection, as_of: datetime) -> list[date]:
    """First days of the months from the first request's to the one holding the last moment before as_of.

    as_of is the end of the data, often midnight after its last day: that midnight opens no month.
    """
    first, last = cursor.execute("""
        select date_trunc('month', min(received_at))::date,
               date_trunc('month', $t::timestamp - interval 1 microsecond)::date
        from requests where received_at <= $t""", {"t": as_of}).fetchone()
    if first is None or first > last:
        return []
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return [date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1) for i in range(count)]


def signature(cursor: duckdb.DuckDBPyConnection) -> str:
    """The areas every month is assembled over: a change (a new district, a population) changes every month."""
    return cursor.execute("select md5(coalesce(string_agg(concat_ws(':', district, population), ',' "
                          "order by district), '')) from districts").fetchone()[0]


def changing(cursor: duckdb.DuckDBPyConnection, state: dict[str, str], touched: Collection[date]) -> set[date]:
    """The months whose values may differ from the last build's: the touched ones, those with a row whose stage
    passes between the last build's as_of and this one (a callback made since), and every month when the areas
    changed or nothing says when the last build was.

    A stage counts for a month when any timestamp of its rows, or that plus the longest allowance an indicator
    adds to one (the 24-hour response window, an incident type's slack times its expected time), falls between
    the two moments.
    """
    previous, new = queries.meta(cursor), datetime.fromisoformat(state["indicators_as_of"])
    if previous.get("indicators_areas") != state["indicators_areas"] or "indicators_as_of" not in previous:
        return set(month_span(cursor, new))
    old = datetime.fromisoformat(previous["indicators_as_of"])
    months = {date(day.year, day.month, 1) for day in touched}
    if old == new:
        return months
    hours = cursor.execute("select greatest(24, $slack * max(greatest(close_hours, onsite_minutes / 60))) "
                           "from incident_types", {"slack": PARAMETERS["slack"]}).fetchone()[0] or 24
    lo, hi = min(old, new) - timedelta(hours=float(hours)), max(old, new)
    for source, (_, moment) in SOURCES.items():
        stamps = cursor.execute("select column_name from duckdb_columns() where table_name = ? "
                                "and data_type = 'TIMESTAMP'", [source]).fetchall()
        moved = " or ".join(f'"{name}" > $lo and "{name}" <= $hi' for (name,) in stamps)
        rows = cursor.execute(f"select distinct date_trunc('month', {moment})::date from {source} where {moved}",
                              {"lo": lo, "hi": hi}).fetchall()
        months |= {row[0] for row in rows}
    return months | set(month_span(cursor, new)) - computed(cursor)


def computed(cursor: duckdb.DuckDBPyConnection) -> set[date]:
    return {row[0] for row in cursor.execute("select distinct period from indicators where dataset is null").fetchall()}


def insert_computed(cursor: duckdb.DuckDBPyConnection, source: str, as_of: datetime, months: list[date]) -> None:
    """One value per month of months × district (and the city, over every row) × indicator computed from source.

    Rows of a district missing from the districts table count only city-wide.
    """
    relation, moment = SOURCES[source]
    chosen = [d for d in DEFINITIONS if d.source == source]
    columns = ",\n".join(f'({d.expression})::double as "{d.code}"' for d in chosen)
    text = f"""
        insert into indicator_values
        select period, district, code, value from (
            unpivot (
                select date_trunc('month', {moment})::date as period, district, grouping(district) = 1 as city,
                       {columns}
                from {relation}
                where {moment} <= $t and {moment} >= $first
                  and list_contains($months, date_trunc('month', {moment})::date)
                group by grouping sets ((period, district), (period))
            ) on columns(* exclude (period, district, city)) into name code value value)
        where city or district in (select district from districts)"""
    values = {"t": as_of, "first": months[0], "months": months, **PARAMETERS}
    cursor.execute(text, {name: values[name] for name in dict.fromkeys(queries.PARAMETER.findall(text))})


def areas(cursor: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return cursor.execute("select district, population from districts order by district").pl()


# Every month × area × definition gets a row (a rate with nothing to count stays NULL, a count is 0), except
# where an imported row holds its place.
ASSEMBLE = f"""
insert into indicators by name
with areas as (
    select district, population from districts
    union all
    select null, sum(population) from districts
), months as (
    select unnest($months::date[]) as period
), valued as (
    select m.period, a.district, d.*,
           case when d.per_10k then 10000 * coalesce(v.value, 0) / a.population else v.value end as value
    from months m
    cross join areas a
    cross join definitions_frame d
    left join indicator_values v
           on v.period = m.period and v.code = d.code and v.district is not distinct from a.district
)
select period, district, dimension, aim, code, name, value, measure_unit, target, higher_is_better,
       {SCORE} as score,
       responsible_unit
from valued
where not exists (select 1 from indicators i where i.period = valued.period and i.code = valued.code
                                                and i.district is not distinct from valued.district)
"""
