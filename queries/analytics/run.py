"""Run every analysis on a database: warnings, forecast, topics; then say what it found."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from queries.analytics import forecast, topics, warnings


@dataclass
class Done:
    warnings: int
    forecast_mape: float
    topics: int
    seconds: float

    def line(self) -> str:
        return (f"analytics: warnings={self.warnings} forecast_mape={self.forecast_mape:.3f} "
                f"topics={self.topics} seconds={self.seconds:.1f}")


def analyse(con: duckdb.DuckDBPyConnection, database: str | Path | None) -> Done:
    """Write the analytics tables through a writable connection; database locates the actions file."""
    started = time.perf_counter()
    found = warnings.build_warnings(con, database)
    mape = forecast.build_forecast(con)
    found_topics = sum(topics.build_topics(con, month).height for month in topics.months_to_build(con))
    return Done(found, mape, found_topics, time.perf_counter() - started)
