"""Build the rollups after a generation or an import (see rollups.sql for what they hold)."""

from __future__ import annotations

import duckdb

import queries
from data import db


def build(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the rollups and requests_live; the cutoff is the start of the data's last day."""
    cursor = queries.prepare(con)
    latest = cursor.execute("select date_trunc('day', max(received_at)) from requests").fetchone()[0]
    if latest is None:
        return
    cursor.execute("set variable cutoff = ?", [latest])
    cursor.execute(queries.sql("rollups"))
    db.set_meta(cursor, {"rollup_cutoff": latest.isoformat()})
