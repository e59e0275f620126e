"""Run every analysis on a database: warnings, forecast (and topics), then say what it found."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from queries.analytics import forecast, warnings


@dataclass
class Done:
    warnings: int
    forecast_mape: float
    seconds: float

    def line(self) -> str:
        return (f"analytics: warnings={self.warnings} forecast_mape={self.forecast_mape:.3f} "
                f"seconds={self.seconds:.1f}")


def analyse(con: duckdb.DuckDBPyConnection, database: str | Path | None) -> Done:
    """Write the analytics tables through a writable connection; database locates the actions file."""
    started = time.perf_counter()
    found = warnings.build_warnings(con, database)
    mape = forecast.build_forecast(con)
    return Done(found, mape, time.perf_counter() - started)
