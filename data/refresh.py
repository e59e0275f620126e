"""The one pipeline that brings everything derived from the rows up to date after they change.

Generation, imports and the on-demand command all end with refresh(). The steps run in this order
because each reads what the one before wrote: the rollups the panels read, the evaluation indicators
computed from the rows, then the analytics (warnings, forecast, topics).

python -m data.refresh --db PATH [--steps analytics]: recompute on demand: the rollups and indicators in
one transaction in place (db.updating), the analytics beside the readers (analytics.run.beside).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Collection
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from data import db, indicators, rollups

if TYPE_CHECKING:
    from data.analytics.run import Done

STEPS = ("rollups", "indicators", "analytics")
KEYS = {"requests": ("source", "request_id", "received_at"),  # kind: its dataset, key and the moment of its day
        "incidents": ("dataset", "incident_id", "detected_at")}


class Batch:
    """The days a batch of upserts touches: each loaded row's day, and the day of the row it replaced.

    Made before the first file loads, since an upsert deletes the old row: it keeps every row's key and day
    (a scan of two columns). add() after each file notes the keys of that file's good candidates.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, kind: str) -> None:
        self.keys = KEYS.get(kind)
        self.table = kind
        if self.keys:
            dataset, key, moment = self.keys
            con.execute(f"create or replace temp table batch_before as "
                        f"select {dataset} as dataset, {key} as key, {moment}::date as day from {kind}")
            con.execute("create or replace temp table batch_keys (dataset varchar, key varchar)")

    def add(self, con: duckdb.DuckDBPyConnection, dataset: str) -> None:
        if self.keys:
            con.execute(f"insert into batch_keys select ?, {self.keys[1]} from candidates where reason is null",
                        [dataset])

    def days(self, con: duckdb.DuckDBPyConnection) -> set[date] | None:
        """The touched days, or None (refresh everything) for a kind that has no days (indicators)."""
        if not self.keys:
            return None
        dataset, key, moment = self.keys
        rows = con.execute(f"""
            select day from batch_before semi join batch_keys using (dataset, key)
            union
            select {moment}::date from {self.table} as t semi join batch_keys as k
                on t.{dataset} = k.dataset and t.{key} = k.key""").fetchall()
        return {row[0] for row in rows}


def refresh(con: duckdb.DuckDBPyConnection, database: str | Path | None, steps: Collection[str] = STEPS, *,
            as_of: datetime | None = None, reported: indicators.Reported | None = None,
            version: str = "refresh", progress: Callable[[str], None] | None = None,
            touched: Collection[date] | None = None) -> Done | None:
    """Run the steps on a writable connection; database locates the people's actions file beside it.

    touched (Batch.days) limits the rollups to those days and the indicators to their months, plus what
    moving the data's end moves; None rebuilds them from scratch.

    The indicators are computed as of as_of (default: the last request), with the unit-reported ones
    reported draws (the demo's). progress(step) is told each step as it starts. Returns what the
    analytics found, or None when they were not run.
    """
    report = progress or (lambda step: None)
    unknown = set(steps) - set(STEPS)
    if unknown:
        raise ValueError(f"refresh: unknown steps {sorted(unknown)}: expected some of {', '.join(STEPS)}")
    if "rollups" in steps:
        report("rollups")
        rollups.build(con, touched)
    if "indicators" in steps:
        report("indicators")
        as_of = as_of or con.execute("select max(received_at) from requests").fetchone()[0]
        if as_of is not None:
            indicators.build_indicators(con, as_of, reported, touched)
    done = None
    if "analytics" in steps:
        report("analytics")
        from data.analytics.run import analyse  # scikit-learn and statsmodels: seconds an import must not spend

        done = analyse(con, database)
    now = datetime.now()
    stamps = {"data_version": f"{version}-{now.isoformat()}", "refreshed_at": now.isoformat(timespec="seconds")}
    if set(steps) - {"analytics"}:
        stamps["changed_at"] = now.isoformat()
    if "analytics" in steps:
        changed = con.execute("select value from meta where key = 'changed_at'").fetchone()
        stamps |= {"analytics_at": stamps["refreshed_at"],
                   "analytics_of": stamps.get("changed_at", changed and changed[0])}
    db.set_meta(con, stamps)
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data.refresh", description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=db.db_path())
    parser.add_argument("--steps", default=",".join(STEPS), help=f"comma-separated, of {', '.join(STEPS)}")
    parser.add_argument("--memory", default="1GB", help="DuckDB memory limit for the run (default 1GB)")
    parser.add_argument("--if-due", action="store_true",
                        help="the analytics only when new data came since they last ran, CITYOPS_ANALYTICS_MINUTES ago")
    args = parser.parse_args(argv)
    steps = [step.strip() for step in args.steps.split(",") if step.strip()]
    if not args.db.is_file():
        print(f"refresh: failed: no database at {args.db}", file=sys.stderr)
        return 1
    try:
        done = None
        if set(steps) - {"analytics"}:
            with db.updating(args.db, args.memory) as con:
                db.create_schema(con)
                refresh(con, args.db, [step for step in steps if step != "analytics"], version="refresh")
        if "analytics" in steps:
            from data.analytics import schedule

            done = schedule.run(args.db, args.if_due)
    except (ValueError, OSError, duckdb.Error) as failure:
        print(f"refresh: failed: {str(failure).splitlines()[0]}", file=sys.stderr)
        return 1
    if done:
        print(done.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
