"""Run every analysis on a database: warnings, forecast, topics; then say what it found and how long each took."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from data import db
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


def analyse(con: duckdb.DuckDBPyConnection, database: str | Path | None,
            between: Callable[[], None] = lambda: None) -> Done:
    """Write the analytics tables through a writable connection; database locates the actions file.
    between() runs before each step.

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
        between()
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


OUTPUTS = ("warnings", "warning_days", "forecasts", "topics", "topic_samples", "topic_months")


def beside(database: Path, memory: str = "2GB") -> Done:
    """The analytics computed while the dashboards go on reading, then written in a moment.

    DuckDB lets readers share the file, so the analyses read the city through a read-only attachment
    and write their tables in memory; the file is held for writing (db.updating) only while the
    results are copied in. An import arriving meanwhile waits for the step under way to end.
    """
    with duckdb.connect(config={"memory_limit": memory}) as con:
        con.execute("set enable_progress_bar = false")
        attach = f"attach {db.literal(database)} as city (read_only)"
        con.execute(attach)
        present = {row[0] for row in con.execute("select table_name from duckdb_tables() where database_name = 'city'")
                   .fetchall()}
        if not set(OUTPUTS) <= present:  # a city made before the analytics existed
            con.execute("detach city")
            with db.updating(database) as city:
                db.create_schema(city)
            con.execute(attach)
        for table in (*OUTPUTS, "meta"):
            con.execute(f"create table memory.main.{table} as from city.main.{table}")
        con.execute("set search_path = 'memory.main,city.main'")
        before = dict(con.execute("from meta").fetchall())

        def step_aside() -> None:
            """Let a waiting writer have the file between two steps, so that it waits for one step at most."""
            if db.busy(database):
                con.execute("detach city")
                with db.writing(database):
                    pass
                con.execute(attach)

        done = analyse(con, database, step_aside)
        con.execute("detach city")
        results = {table: con.execute(f"from memory.main.{table}").pl() for table in OUTPUTS}
        judged = {key: value for key, value in con.execute("from memory.main.meta").fetchall()
                  if before.get(key) != value}
    with db.updating(database) as city:
        for table, rows in results.items():
            city.register("rows", rows)
            city.execute(f"delete from {table}")
            city.execute(f"insert into {table} by name select * from rows")
            city.unregister("rows")
        now = datetime.now().isoformat(timespec="seconds")
        db.set_meta(city, {**judged, "analytics_at": now, "analytics_of": before.get("changed_at", ""),
                           "data_version": f"analytics-{now}"})
    return done
