"""How well the warnings find the demo city's injected events (demo_events), and the forecast's error.

An event is detected when a warning for its place and topic first appears
between the day it starts and the day it peaks: its street and subcategory
(or its district and category, for a district warning; any place for a
city-wide event). The lead is how many days before the peak the first such
warning came. A warning that matches no event in place, topic and time (its
days overlapping the event's, up to three days after it ends) is a false
alarm; they are counted per week of judged days, city-wide.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl

from data import db
from data.analytics import forecast
from queries import sql

AFTER_DAYS = 3


def matches(warnings: pl.DataFrame, event: dict) -> pl.Series:
    """Which warnings are about the event's place and topic, at any time."""
    topic = pl.when(pl.col("level") == "street").then(pl.col("subcategory") == event["subcategory"]).otherwise(
        pl.col("category") == event["category"])
    if event["street"] is not None:
        place = pl.when(pl.col("level") == "street").then(pl.col("street") == event["street"]).otherwise(
            pl.col("district") == event["district"])
    elif event["district"] is not None:
        place = pl.col("district") == event["district"]
    else:
        place = pl.lit(True)
    return warnings.select((topic & place).fill_null(False)).to_series()


def score(warnings: pl.DataFrame, events: pl.DataFrame, judged_days: int) -> dict[str, float]:
    leads, explained = {}, pl.Series([False] * warnings.height)
    for event in events.to_dicts():
        about = matches(warnings, event)
        start, peak, end = event["starts_at"].date(), event["peaks_at"].date(), event["ends_at"].date()
        early = warnings.filter(about & pl.col("first_seen").is_between(start, peak))
        if early.height:
            leads[f"{event['event_id']} {event['kind']}"] = (peak - early["first_seen"].min()).days
        during = warnings.select((pl.col("first_seen") <= end + timedelta(days=AFTER_DAYS))
                                 & (pl.col("last_seen") >= start)).to_series()
        explained = explained | (about & during)
    return {"events": events.height, "detected": len(leads), "leads": leads,
            "median_lead_days": statistics.median(leads.values()) if leads else float("nan"),
            "false_alarms_per_week": (warnings.height - int(explained.sum())) / max(judged_days / 7, 1)}


def evaluate(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    warnings = con.execute("select * from warnings").pl()
    events = con.execute(sql("analytics/demo_events")).pl()
    judged = dict(con.execute("select key, value from meta where key in ('warnings_from', 'warnings_to')").fetchall())
    days = (date.fromisoformat(judged["warnings_to"]) - date.fromisoformat(judged["warnings_from"])).days + 1 \
        if judged else 0
    found = score(warnings, events, days)
    found["forecast_mape"] = forecast.backtest(con)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data.analytics.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=db.db_path())
    args = parser.parse_args(argv)
    if not args.db.is_file():
        print(f"evaluate: no database at {args.db}", file=sys.stderr)
        return 1
    with duckdb.connect(str(args.db), read_only=True) as con:
        found = evaluate(con)
    for event, lead in found["leads"].items():
        print(f"event {event}: first warned {lead} days before its peak")
    print(f"warn: events={found['events']} detected={found['detected']} "
          f"median_lead_days={found['median_lead_days']:g} false_alarms_per_week={found['false_alarms_per_week']:.2f} "
          f"forecast_mape={found['forecast_mape']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
