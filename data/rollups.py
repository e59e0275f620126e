"""Build the rollups after a generation or an import (see rollups.sql for what they hold)."""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from datetime import date, datetime

import duckdb
import polars as pl

import queries
from data import db

MAP_CELLS = 8000  # hexagons over the data's bounding box: fine enough to see a street, small to send
HEX_AREA = 3 * math.sqrt(3) / 2  # a hexagon's area per squared circumradius
EMPTY = datetime(1970, 1, 1)  # the cutoff of a city without requests: every rollup empty, every t after it
CELLS = "rollup_requests_cells"  # the one table that depends on the map cell size
STATEMENT = re.compile(r"create or replace table (\w+) as\s+(.*)", re.DOTALL)
SETTLED = "settled_at(received_at, responded_at, handled_at, callback_at, whistle_at)"


def build(con: duckdb.DuckDBPyConnection, touched: Collection[date] | None = None) -> None:
    """Bring the rollups, their month twins, requests_live and requests_whistled up to date; the cutoff is the
    start of the data's last day.

    touched None builds every day from scratch. Otherwise touched holds the received days of the rows a batch
    added, replaced or removed (both the old and the new day of a changed ticket): only those days are deleted
    and summed again, with the days of the requests that cross the cutoff as it moves, and their months in the
    month twins. When the map cell size a build from scratch would choose changes (the data's extent grew),
    the cell rollup is rebuilt whole, so every cell keeps meaning the same size. What a batch cannot tell (a
    source's records_responses flipped, tables missing) falls back to the build from scratch.

    Without requests (a city that imported only incidents or indicators) they are built empty, so the
    panels that read them still find them.

    A month twin holds a rollup summed per calendar month, so a long period reads a dozen rows per
    group instead of a year of days (queries.source).
    """
    cursor = queries.defined(con)
    latest = cursor.execute("select date_trunc('day', max(received_at)) from requests").fetchone()[0] or EMPTY
    cells = hex_grid(cursor)
    state = {"rollup_cutoff": latest.isoformat(), **{key: str(value) for key, value in cells.items()},
             "rollup_unrecorded": cursor.execute("select coalesce(string_agg(source, ',' order by source), '') "
                                                 "from sources where not records_responses").fetchone()[0]}
    previous = queries.meta(cursor)
    script = re.sub(r"--.*", "", queries.sql("rollups"))
    statements = [STATEMENT.search(text).groups() for text in script.split(";") if text.strip()]
    tables = [table for table, _ in statements] + [f"{table}_month" for table in queries.ROLLUPS]
    whole = (touched is None or "rollup_cutoff" not in previous or previous.get("rollup_unrecorded", "")
             != state["rollup_unrecorded"] or not built(cursor, tables))
    cursor.execute("set variable cutoff = ?", [latest])
    for key, value in cells.items():
        cursor.execute(f"set variable {key} = ?", [value])
    everything = "select distinct received_at::date as day from requests"
    if not whole:
        changed = set(touched) | moved(cursor, datetime.fromisoformat(previous["rollup_cutoff"]), latest)
        cursor.register("touched_frame", pl.DataFrame({"day": sorted(changed)}, schema={"day": pl.Date}))
        cursor.execute("create or replace temp table rollup_days as select day from touched_frame")
        cursor.unregister("touched_frame")
        # deleting most of a table costs more than writing it again
        whole = 2 * len(changed) > cursor.execute(f"select count(*) from ({everything})").fetchone()[0]
    if whole:
        cursor.execute(f"create or replace temp table rollup_days as {everything}")
    regrid = whole or any(previous.get(key) != state[key] for key in cells)
    cursor.execute(f"create or replace temp table cell_days as {everything if regrid else 'from rollup_days'}")
    since, until = cursor.execute("select min(day)::timestamp, (max(day) + 1)::timestamp from cell_days").fetchone()
    cursor.execute("set variable since = ?", [since or EMPTY])
    cursor.execute("set variable until = ?", [until or EMPTY])
    for table, select in statements:
        write(cursor, table, select, None if whole or (regrid and table == CELLS) else f"select day from {days(table)}")
    for table, dimensions in queries.ROLLUPS.items():
        by = ", ".join(sorted(dimensions - {"day"}))
        months = f"select distinct date_trunc('month', day)::date from {days(table)}"
        write(cursor, f"{table}_month", f"""
            select date_trunc('month', day)::date as day, {by}, sum(columns(* exclude (day, {by})))::bigint
            from {table} where date_trunc('month', day) in ({months}) group by all order by day""",
              None if whole or (regrid and table == CELLS) else months)
    db.set_meta(cursor, state)


def days(table: str) -> str:
    """The temp table of the days to fill table again on."""
    return "cell_days" if table == CELLS else "rollup_days"


def write(cursor: duckdb.DuckDBPyConnection, table: str, select: str, days: str | None) -> None:
    """Fill table with select: whole (days None), or only again on the days (or months) the query days gives."""
    if days is None:
        cursor.execute(f"create or replace table {table} as {select}")
        return
    day = "day" if table.startswith("rollup_") else "received_at::date"
    cursor.execute(f"delete from {table} where {day} in ({days})")
    cursor.execute(f"insert into {table} by name {select}")


def built(cursor: duckdb.DuckDBPyConnection, tables: list[str]) -> bool:
    found = cursor.execute("select count(distinct table_name) from duckdb_tables() "
                           "where table_name in (select unnest(?::varchar[]))", [tables]).fetchone()[0]
    return found == len(tables)


def moved(cursor: duckdb.DuckDBPyConnection, old: datetime, new: datetime) -> set[date]:
    """The received days of the requests that pass between requests_live and the rollups as the cutoff moves."""
    rows = cursor.execute(f"select distinct received_at::date from requests where {SETTLED} > least($old, $new) "
                          f"and {SETTLED} <= greatest($old, $new)", {"old": old, "new": new}).fetchall()
    return {row[0] for row in rows}


def hex_grid(cursor: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """A map cell size that puts about MAP_CELLS cells over the data's extent, for any city."""
    lat_min, lat_max, lon_min, lon_max = cursor.execute(
        "select min(lat), max(lat), min(lon), max(lon) from requests where lat between -90 and 90").fetchone()
    if lat_min is None:
        return {"hex_km": 1.0, "hex_lat0": 0.0}
    lat0 = (lat_min + lat_max) / 2
    area = max((lat_max - lat_min) * 111.32 * (lon_max - lon_min) * 111.32 * math.cos(math.radians(lat0)), 1.0)
    return {"hex_km": round(max(math.sqrt(area / (HEX_AREA * MAP_CELLS)), 0.05), 3), "hex_lat0": lat0}
