"""The one pipeline that brings everything derived from the rows up to date after they change.

Generation, imports and the on-demand command all end with refresh(). The steps run in this order
because each reads what the one before wrote: the rollups the panels read, the evaluation indicators
computed from the rows, then the analytics (warnings, forecast, topics).

python -m data.refresh --db PATH [--steps analytics]: recompute on demand, atomically (on a copy of the
database that replaces it only when every step is done).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Collection
from datetime import datetime
from pathlib import Path

import duckdb

from data import db, indicators, rollups
from data.analytics.run import Done, analyse

STEPS = ("rollups", "indicators", "analytics")


def refresh(con: duckdb.DuckDBPyConnection, database: str | Path | None, steps: Collection[str] = STEPS, *,
            as_of: datetime | None = None, reported: indicators.Reported | None = None,
            version: str = "refresh", progress: Callable[[str], None] | None = None) -> Done | None:
    """Run the steps on a writable connection; database locates the people's actions file beside it.

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
        rollups.build(con)
    if "indicators" in steps:
        report("indicators")
        as_of = as_of or con.execute("select max(received_at) from requests").fetchone()[0]
        if as_of is not None:
            indicators.build_indicators(con, as_of, reported)
    done = None
    if "analytics" in steps:
        report("analytics")
        done = analyse(con, database)
    now = datetime.now()
    db.set_meta(con, {"data_version": f"{version}-{now.isoformat()}",
                      "refreshed_at": now.isoformat(timespec="seconds")})
    return done


def main(argv: list[str] | None = None, prog: str = "python -m data.refresh") -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=db.db_path())
    parser.add_argument("--steps", default=",".join(STEPS), help=f"comma-separated, of {', '.join(STEPS)}")
    parser.add_argument("--memory", default="1GB", help="DuckDB memory limit for the run (default 1GB)")
    args = parser.parse_args(argv)
    steps = [step.strip() for step in args.steps.split(",") if step.strip()]
    if not args.db.is_file():
        print(f"refresh: failed: no database at {args.db}", file=sys.stderr)
        return 1
    try:
        with db.rewriting(args.db, "refresh") as work, duckdb.connect(str(work)) as con:
            con.execute("set memory_limit = ?", [args.memory])
            con.execute("set enable_progress_bar = false")
            db.create_schema(con)
            done = refresh(con, args.db, steps, version="refresh")
            con.execute("checkpoint")
    except (ValueError, OSError, duckdb.Error) as failure:
        print(f"refresh: failed: {str(failure).splitlines()[0]}", file=sys.stderr)
        return 1
    if done:
        print(done.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
