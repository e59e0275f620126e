"""Build the rollups after a generation or an import (see rollups.sql for what they hold)."""

from __future__ import annotations

import math
from datetime import datetime

import duckdb

import queries
from data import db

MAP_CELLS = 8000  # hexagons over the data's bounding box: fine enough to see a street, small to send
HEX_AREA = 3 * math.sqrt(3) / 2  # a hexagon's area per squared circumradius
EMPTY = datetime(1970, 1, 1)  # the cutoff of a city without requests: every rollup empty, every t after it


def build(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the rollups, their month twins and requests_live; the cutoff is the start of the data's last day.

    Without requests (a city that imported only incidents or indicators) they are built empty, so the
    panels that read them still find them.

    A month twin holds a rollup summed per calendar month, so a long period reads a dozen rows per
    group instead of a year of days (queries.source).
    """
    cursor = queries.prepare(con)
    latest = cursor.execute("select date_trunc('day', max(received_at)) from requests").fetchone()[0]
    latest = latest or EMPTY
    cursor.execute("set variable cutoff = ?", [latest])
    cells = hex_grid(cursor)
    for key, value in cells.items():
        cursor.execute(f"set variable {key} = ?", [value])
    cursor.execute(queries.sql("rollups"))
    for table, dimensions in queries.ROLLUPS.items():
        by = ", ".join(sorted(dimensions - {"day"}))
        cursor.execute(f"""
            create or replace table {table}_month as
            select date_trunc('month', day)::date as day, {by}, sum(columns(* exclude (day, {by})))::bigint
            from {table} group by all order by day""")
    db.set_meta(cursor, {"rollup_cutoff": latest.isoformat(), **cells})


def hex_grid(cursor: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """A map cell size that puts about MAP_CELLS cells over the data's extent, for any city."""
    lat_min, lat_max, lon_min, lon_max = cursor.execute(
        "select min(lat), max(lat), min(lon), max(lon) from requests where lat between -90 and 90").fetchone()
    if lat_min is None:
        return {"hex_km": 1.0, "hex_lat0": 0.0}
    lat0 = (lat_min + lat_max) / 2
    area = max((lat_max - lat_min) * 111.32 * (lon_max - lon_min) * 111.32 * math.cos(math.radians(lat0)), 1.0)
    return {"hex_km": round(max(math.sqrt(area / (HEX_AREA * MAP_CELLS)), 0.05), 3), "hex_lat0": lat0}
