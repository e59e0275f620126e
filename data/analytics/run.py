"""Run every analysis on a database: warnings, forecast, topics; then say what it found and how long each took."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from data.analytics import forecast, topics, warnings

log = logging.getLogger("cityops")


@dataclass
class Done:
    warnings: int = 0
    forecast_mape: float = float("nan")
    topics: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    def seconds_total(self) -> float:
        return sum(self.seconds.values())

    def line(self) -> str:
        took = " ".join(f"{step}_seconds={value:.1f}" for step, value in self.seconds.items())
        failed = "".join(f" {step}_failed={reason!r}" for step, reason in self.failed.items())
        return (f"analytics: warnings={self.warnings} forecast_mape={self.forecast_mape:.3f} topics={self.topics} "
                f"{took}{failed}")


def analyse(con: duckdb.DuckDBPyConnection, database: str | Path | None) -> Done:
    """Write the analytics tables through a writable connection; database locates the actions file.

    An analysis that fails on data it cannot make sense of is reported, not raised: a generation or
    an import must not be lost because, say, the texts hold no words to cluster.
    """
    done = Done()
    steps: dict[str, Callable[[], None]] = {
        "warnings": lambda: setattr(done, "warnings", warnings.build_warnings(con, database)),
        "forecast": lambda: setattr(done, "forecast_mape", forecast.build_forecast(con)),
        "topics": lambda: setattr(done, "topics", sum(topics.build_topics(con, month).height
                                                      for month in topics.months_to_build(con))),
    }
    for step, run in steps.items():
        started = time.perf_counter()
        try:
            run()
        except Exception as failure:  # noqa: BLE001 - reported in the summary line and the log
            with contextlib.suppress(duckdb.TransactionException):  # none open: it failed before writing
                con.execute("rollback")
            log.exception("analytics step %s failed", step)
            done.failed[step] = str(failure).splitlines()[0][:200]
        done.seconds[step] = time.perf_counter() - started
    return done
