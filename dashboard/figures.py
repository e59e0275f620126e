"""What a bulletin says, before it is written: every figure from the panel queries the dashboard shows.

Counted as of the end of the period, or as of the data's clock for a period still running, when every
change is on the same stretch of the period before (queries/periods.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb
import polars as pl

import queries
from queries import Filter
from queries.periods import Period, midnight

RANKED = 3  # how many places a bulletin names at the top and the bottom
WARNINGS, TOPICS = 8, 5  # early warnings and 每月一题 candidates a bulletin lists
SMALLEST = {"day": 5, "week": 20, "month": 50}  # the fewest requests for a street to be ranked fairly


@dataclass
class Bulletin:
    """Everything a bulletin says, in the figures the narrative and the tables use."""

    period: Period
    t: datetime         # counted as of
    district: str | None
    current: dict
    previous: dict               # the period before, cut where t cuts a running one
    places: pl.DataFrame         # districts (city bulletin) or streets (district bulletin), ranked
    streets: pl.DataFrame        # streets ranked
    topics: pl.DataFrame
    open_now: dict
    repeats: pl.DataFrame
    incidents: pl.DataFrame      # detected in the period, by severity
    rectification: pl.DataFrame | None
    trend: pl.DataFrame
    warnings: pl.DataFrame       # early warnings that fired in the period, strongest first
    month_topics: pl.DataFrame | None  # 每月一题 candidates, in a monthly bulletin
    charts: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.period.kind

    @property
    def start(self) -> date:
        return self.period.start

    @property
    def running(self) -> bool:
        """Whether the period is still running at the data's clock: its figures are as of t, not whole."""
        return not self.period.complete(self.t)


def ranked(rows: pl.DataFrame, smallest: int) -> pl.DataFrame:
    """Places with enough requests, best first by the mean of the three rates (三率均值).

    Requests without a place (a city imported without districts or streets, as from Open311) rank nowhere.
    """
    return (rows.filter(pl.col("name").is_not_null() & (pl.col("received") >= smallest))
            .with_columns(score=pl.mean_horizontal("response_rate", "resolution_rate", "satisfaction_rate"))
            .sort(["score", "received"], descending=True, nulls_last=True))


def gather(cursor: duckdb.DuckDBPyConnection, kind: str, day: date, district: str | None,
           scope: tuple[str, ...] | None = None) -> Bulletin:
    period = Period.of(kind, day)
    at = min(queries.clock(cursor), midnight(period.end))
    flt = Filter(period.start, period.end, districts=(district,) if district else (), scope=scope)
    headline = queries.run(cursor, "headline_rates", flt, at)
    rows = {row["current"]: row for row in headline.iter_rows(named=True)}
    streets = ranked(queries.run(cursor, "rates_by", flt, at, level="street"), SMALLEST[kind])
    places = streets if district else ranked(queries.run(cursor, "rates_by", flt, at, level="district"), 1)
    fixes = None
    if kind == "month":
        fixes = queries.run(cursor, "rectification_list", flt, at, month=period.start)
    return Bulletin(
        period, at, district, rows.get(True, {}), rows.get(False, {}), places, streets,
        queries.run(cursor, "top_topics", flt, at, level="subcategory", limit=5),
        queries.run(cursor, "open_now", flt, at).row(0, named=True),
        queries.run(cursor, "repeat_requests", flt, at, limit=3),
        queries.run(cursor, "incident_lifecycle", flt, at, level="severity").sort("name", descending=True),
        fixes,
        queries.run(cursor, "requests_trend", flt, at, bucket="day"),
        analysed(cursor, "warning_list", flt, at, active=False, limit=WARNINGS, acted_ids=[],
                 acted_status=[]),
        analysed(cursor, "topic_list", flt, at, month=period.start, limit=TOPICS) if kind == "month" else None)


def analysed(cursor: duckdb.DuckDBPyConnection, name: str, flt: Filter, at: datetime, **extra) -> pl.DataFrame:
    """A panel over the analytics' tables; empty for a database made before them."""
    try:
        return queries.run(cursor, name, flt, at, **extra)
    except duckdb.CatalogException:
        return pl.DataFrame()
