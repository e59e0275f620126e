"""Compute the evaluation indicators (data/indicator_definitions.py) for every month of the data.

Indicators that requests and incidents can tell are computed from them, rows received (detected) in
the month, counted as of as_of. The rest are reported by units in real life: an import brings them
(data/ingest/indicators.py), and the demo city draws its own (data/demo/reported.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import duckdb
import polars as pl

import queries
from data.indicator_definitions import DEFINITIONS, PARAMETERS, SCORE, definitions_frame

# The unit-reported values of the months given the areas (district, population): the demo draws them.
Reported = Callable[[pl.DataFrame, list[date]], pl.DataFrame]


SOURCES = {  # source: (relation, the moment that places a row in a month)
    "requests": ("requests", "received_at"),
    "incidents": ("incidents left join (select type, min(onsite_minutes) as onsite_minutes, "
                  "min(close_hours) as close_hours from incident_types group by type) using (type)", "detected_at"),
}


def build_indicators(con: duckdb.DuckDBPyConnection, as_of: datetime, reported: Reported | None = None) -> None:
    """Refill indicator_definitions and indicators for every month of data up to as_of, all or nothing.

    Without reported (an imported city) the indicators units report are left out: nothing to draw them from.
    Imported indicators (dataset set) and their definitions stay: a unit's reported figure wins over ours.
    """
    cursor = queries.prepare(con)
    try:
        cursor.begin()
        cursor.register("definitions_frame", definitions_frame())
        cursor.execute("delete from indicator_definitions where code in (select code from definitions_frame)")
        cursor.execute("insert into indicator_definitions by name select * exclude (per_10k) from definitions_frame")
        cursor.execute("delete from indicators where dataset is null")
        months = month_span(cursor, as_of)
        if months:
            cursor.execute("create temp table indicator_values (period date, district varchar, code varchar, "
                           "value double)")
            for source in SOURCES:
                insert_computed(cursor, source, as_of)
            if reported:
                cursor.register("reported_frame", reported(areas(cursor), months))
                cursor.execute("insert into indicator_values by name select * from reported_frame")
            cursor.execute(ASSEMBLE, {"first": months[0], "last": months[-1]})
        cursor.commit()
    except BaseException:
        cursor.rollback()
        raise
    finally:
        cursor.close()


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


def insert_computed(cursor: duckdb.DuckDBPyConnection, source: str, as_of: datetime) -> None:
    """One value per month × district (and the city, over every row) × indicator computed from source.

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
                where {moment} <= $t
                group by grouping sets ((period, district), (period))
            ) on columns(* exclude (period, district, city)) into name code value value)
        where city or district in (select district from districts)"""
    values = {"t": as_of, **PARAMETERS}
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
    select unnest(generate_series($first::timestamp, $last::timestamp, interval 1 month))::date as period
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
