"""The query layer: one SQL file per panel, run with bound parameters, answered as Polars.

Page code calls run(); it never writes SQL. Every cursor first defines the
metric macros of metrics.sql, so rates mean the same in every panel.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from pathlib import Path

import duckdb
import polars as pl

QUERY_DIR = Path(__file__).resolve().parent
PARAMETER = re.compile(r"\$([a-z_][a-z0-9_]*)")


@cache
def sql(name: str) -> str:
    return (QUERY_DIR / f"{name}.sql").read_text(encoding="utf-8")


def prepare(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor of its own (DuckDB cursors are per-thread) with the metric macros defined."""
    cursor = con.cursor()
    cursor.execute(sql("metrics"))
    return cursor


def run(cursor: duckdb.DuckDBPyConnection, name: str, params: dict[str, object]) -> pl.DataFrame:
    """Run queries/<name>.sql with the parameters it names, bound by DuckDB."""
    text = sql(name)
    used = {key: params[key] for key in dict.fromkeys(PARAMETER.findall(text))}
    return cursor.execute(text, used).pl()


def clock(cursor: duckdb.DuckDBPyConnection, now: datetime | None = None) -> datetime:
    """The dashboard's 'now': the wall clock, unless the data ends earlier (an old demo, an import)."""
    latest = cursor.execute("select max(received_at) from requests").fetchone()[0]
    now = now or datetime.now()
    return min(now, latest) if latest else now
