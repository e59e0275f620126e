"""python -m dashboard.bulletin: the daily notice (日通报), weekly summary (周汇总) and monthly analysis (月分析).

One self-contained HTML file (charts as inline SVG, drawn offline by vl-convert) and the same in
Markdown, for the whole city or one district, in Chinese or English. Every figure comes from the
panel queries the dashboard shows, counted as of the end of the period (or now, for a running one).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import altair as alt
import duckdb
import jinja2
import polars as pl
import vl_convert

import queries
from dashboard import charts, formats
from dashboard.i18n import name, names_of, t, translated, using
from dashboard.narrative import paragraph, period_label
from data import db
from queries import Filter
from queries.metrics import RATES

TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                               autoescape=jinja2.select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
KINDS = ("day", "week", "month")
RANKED = 3  # how many places a bulletin names at the top and the bottom
WARNINGS, TOPICS = 8, 5  # early warnings and 每月一题 candidates a bulletin lists
SMALLEST = {"day": 5, "week": 20, "month": 50}  # the fewest requests for a street to be ranked fairly


@dataclass
class Bulletin:
    """Everything a bulletin says, in the figures the narrative and the tables use."""

    kind: str
    start: date
    end: date           # exclusive
    t: datetime         # counted as of
    district: str | None
    current: dict
    previous: dict
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


def period_of(kind: str, day: date) -> tuple[date, date]:
    """The day itself, the Monday-to-Sunday week holding it, or its calendar month; [start, end)."""
    if kind == "day":
        return day, day + timedelta(days=1)
    if kind == "week":
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=7)
    first = day.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1)


def ranked(rows: pl.DataFrame, smallest: int) -> pl.DataFrame:
    """Places with enough requests, best first by the mean of the three rates (三率均值)."""
    return (rows.filter(pl.col("received") >= smallest)
            .with_columns(score=pl.mean_horizontal("response_rate", "resolution_rate", "satisfaction_rate"))
            .sort(["score", "received"], descending=True, nulls_last=True))


def gather(cursor: duckdb.DuckDBPyConnection, kind: str, day: date, district: str | None) -> Bulletin:
    start, end = period_of(kind, day)
    at = min(queries.clock(cursor), datetime.combine(end, datetime.min.time()))
    flt = Filter(start, end, districts=(district,) if district else ())
    headline = queries.run(cursor, "headline_rates", flt, at)
    rows = {row["current"]: row for row in headline.iter_rows(named=True)}
    streets = ranked(queries.run(cursor, "rates_by", flt, at, level="street"), SMALLEST[kind])
    places = streets if district else ranked(queries.run(cursor, "rates_by", flt, at, level="district"), 1)
    fixes = None
    if kind == "month":
        fixes = queries.run(cursor, "rectification_list", flt, at, month=start)
    return Bulletin(
        kind, start, end, at, district, rows.get(True, {}), rows.get(False, {}), places, streets,
        queries.run(cursor, "top_topics", flt, at, level="subcategory", limit=5),
        queries.run(cursor, "open_now", flt, at).row(0, named=True),
        queries.run(cursor, "repeat_requests", flt, at, limit=3),
        queries.run(cursor, "incident_lifecycle", flt, at, level="severity").sort("name", descending=True),
        fixes,
        queries.run(cursor, "requests_trend", flt, at, bucket="day"),
        analysed(cursor, "warning_list", flt, at, active=False, limit=WARNINGS, acted_ids=[],
                 acted_status=[]),
        analysed(cursor, "topic_list", flt, at, month=start, limit=TOPICS) if kind == "month" else None)


def analysed(cursor: duckdb.DuckDBPyConnection, name: str, flt: Filter, at: datetime, **extra) -> pl.DataFrame:
    """A panel over the analytics' tables; empty for a database made before them."""
    try:
        return queries.run(cursor, name, flt, at, **extra)
    except duckdb.CatalogException:
        return pl.DataFrame()


def svg(chart: alt.TopLevelMixin, height: int) -> str:
    return vl_convert.vegalite_to_svg(charts.styled(chart, height).properties(width=640).to_json())


def draw(bulletin: Bulletin) -> None:
    """The bulletin's charts as inline SVG: the days of the period and the places ranked."""
    if bulletin.kind != "day":
        bulletin.charts["trend"] = svg(charts.trend(bulletin.trend, "day"), 220)
    places = translated(bulletin.places, "name")
    bulletin.charts["places"] = svg(charts.ranked(places.head(20), "name", "score", t("three_rates"), percent=True,
                                                  zero=False), 22 * min(places.height, 20) + 40)


def stem(bulletin: Bulletin) -> str:
    district = f"-{bulletin.district}" if bulletin.district else ""
    return f"bulletin-{bulletin.kind}-{bulletin.start:%Y-%m-%d}{district}"


def render(bulletin: Bulletin) -> tuple[str, str]:
    """The bulletin as self-contained HTML and as Markdown."""
    context = {"b": bulletin, "t": t, "f": formats, "rates": RATES, "narrative": paragraph(bulletin),
               "period": period_label(bulletin), "translated_name": name,
               "metric_name": t}
    return tuple(TEMPLATES.get_template(f"bulletin.{suffix}.j2").render(context) for suffix in ("html", "md"))


def write(bulletin: Bulletin, out: Path) -> list[Path]:
    """<stem>.html and <stem>.md in out."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix, text in zip(("html", "md"), render(bulletin)):
        path = out / f"{stem(bulletin)}.{suffix}"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


@contextmanager
def writing(cursor: duckdb.DuckDBPyConnection, language: str) -> Iterator[None]:
    """Names and words in language, the names from the bulletin's own database."""
    names = names_of(queries.run(cursor, "filter_choices", Filter(date.min, date.min), datetime.min))
    with using(language, names):
        yield


def made(cursor: duckdb.DuckDBPyConnection, kind: str, day: date, district: str | None) -> Bulletin:
    bulletin = gather(cursor, kind, day, district)
    draw(bulletin)
    return bulletin


def make_text(con: duckdb.DuckDBPyConnection, kind: str, day: date, district: str | None,
              language: str) -> tuple[str, str]:
    """A bulletin's HTML and Markdown, in language."""
    cursor = queries.prepare(con)
    with writing(cursor, language):
        return render(made(cursor, kind, day, district))


def make(path: str | Path, kind: str, day: date, district: str | None, language: str, out: Path) -> list[Path]:
    with duckdb.connect(str(path), read_only=True) as con:
        cursor = queries.prepare(con)
        with writing(cursor, language):
            return write(made(cursor, kind, day, district), out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m dashboard.bulletin", description=__doc__.splitlines()[0])
    parser.add_argument("--period", choices=KINDS, default="day")
    parser.add_argument("--date", type=date.fromisoformat, help="a day in the period (default: yesterday)")
    parser.add_argument("--district", help="one district (default: the whole city)")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh")
    parser.add_argument("--out", type=Path, default=Path("bulletins"))
    parser.add_argument("--db", default=str(db.db_path()))
    args = parser.parse_args(argv)
    started = time.perf_counter()
    day = args.date or date.today() - timedelta(days=1)
    for path in make(args.db, args.period, day, args.district, args.lang, args.out):
        print(path)
    print(f"bulletin: period={args.period} seconds={time.perf_counter() - started:.2f}")


if __name__ == "__main__":
    main()
