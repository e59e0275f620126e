"""python -m queries.analytics --db PATH: recompute warnings and forecast on demand, atomically."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

import duckdb

from data import db
from queries.analytics.run import analyse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m queries.analytics", description=__doc__.split(": ")[1])
    parser.add_argument("--db", type=Path, default=db.db_path())
    parser.add_argument("--memory", default="1GB", help="DuckDB memory limit for the run (default 1GB)")
    args = parser.parse_args(argv)
    if not args.db.is_file():
        print(f"analytics: failed: no database at {args.db}", file=sys.stderr)
        return 1
    with db.rewriting(args.db, "analytics") as work, duckdb.connect(str(work)) as con:
        con.execute("set memory_limit = ?", [args.memory])
        con.execute("set enable_progress_bar = false")
        db.create_schema(con)
        done = analyse(con, args.db)
        now = datetime.now().isoformat(timespec="seconds")
        db.set_meta(con, {"analysed_at": now, "data_version": f"analytics-{now}"})
        con.execute("checkpoint")
    print(done.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
