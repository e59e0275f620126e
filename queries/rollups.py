"""Build the rollups after a generation or an import (see rollups.sql for what they hold)."""

from __future__ import annotations

import duckdb

import queries
from data import db


def build(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the rollups, their month twins and requests_live; the cutoff is the start of the data's last day.

    A month twin holds a rollup summed per calendar month, so a long period reads a dozen rows per
    group instead of a year of days (queries.source).
    """
    cursor = queries.prepare(con)
    latest = cursor.execute("select date_trunc('day', max(received_at)) from requests").fetchone()[0]
    if latest is None:
        return
    cursor.execute("set variable cutoff = ?", [latest])
    cursor.execute(queries.sql("rollups"))
    for table, dimensions in queries.ROLLUPS.items():
        by = ", ".join(sorted(dimensions - {"day"}))
        cursor.execute(f"""
            create or replace table {table}_month as
            select date_trunc('month', day)::date as day, {by}, sum(columns(* exclude (day, {by})))::bigint
            from {table} group by all order by day""")
    db.set_meta(cursor, {"rollup_cutoff": latest.isoformat()})
