"""python -m dashboard.bulletin: the daily notice (日通报), weekly summary (周汇总) and monthly analysis (月分析).

One self-contained HTML file (charts as inline SVG, drawn offline by vl-convert) and the same in
Markdown, for the whole city or one district, in Chinese or English, from the figures gathered in
dashboard/figures.py. A period still running at the data's clock is reported 截至 (as of) that time.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

import altair as alt
import duckdb
import jinja2
import vl_convert

import queries
from dashboard import charts, number_formats
from dashboard.escaping import one_line
from dashboard.figures import Bulletin, gather
from dashboard.i18n import name, names_of, t, translated, using
from dashboard.narrative import paragraph, period_label
from data import db
from queries import Filter
from queries.metrics import METRICS, RATES
from queries.periods import change

# Escaping on for every HTML template: a select_autoescape(["html"]) misses "bulletin.html.j2" and let a
# request's text run as script in the bulletin and its preview.
TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                               autoescape=jinja2.select_autoescape(["html", "html.j2"]), trim_blocks=True,
                               lstrip_blocks=True)
KINDS = ("day", "week", "month")


def svg(chart: alt.TopLevelMixin, height: int) -> str:
    return vl_convert.vegalite_to_svg(charts.styled(chart, height).properties(width=640).to_json())


def draw(bulletin: Bulletin) -> None:
    """The bulletin's charts as inline SVG: the days of the period and the places ranked."""
    if bulletin.kind != "day":
        bulletin.charts["trend"] = svg(charts.trend(bulletin.trend, "day"), 220)
    places = translated(bulletin.places, "name")
    if places.is_empty():  # a city without districts (an Open311 import) has none to rank
        return
    bulletin.charts["places"] = svg(charts.ranked(places.head(20), "name", "score", t("three_rates"), percent=True,
                                                  zero=False), 22 * min(places.height, 20) + 40)


def stem(bulletin: Bulletin) -> str:
    district = f"-{bulletin.district}" if bulletin.district else ""
    return f"bulletin-{bulletin.kind}-{bulletin.start:%Y-%m-%d}{district}"


def render(bulletin: Bulletin) -> tuple[str, str]:
    """The bulletin as self-contained HTML and as Markdown.

    HTML escapes by itself; in Markdown every text from the data goes through text() or translated_name(),
    which escape it, so that a request's `![x](http://host/beacon)` or `|` shows as it came.
    """
    context = {"b": bulletin, "t": t, "f": number_formats, "rates": RATES, "period": period_label(bulletin),
               "change": change, "metric_name": t, "target_of": {key: METRICS[key].target for key in RATES}}
    html = TEMPLATES.get_template("bulletin.html.j2").render(context, narrative=paragraph(bulletin),
                                                              translated_name=name)
    markdown = TEMPLATES.get_template("bulletin.md.j2").render(
        context, narrative=paragraph(bulletin, escape=one_line), translated_name=lambda value: one_line(name(value)),
        text=one_line)
    return html, markdown


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


def made(cursor: duckdb.DuckDBPyConnection, kind: str, day: date, district: str | None,
         scope: tuple[str, ...] | None = None) -> Bulletin:
    """The bulletin's figures and charts; scope: the only districts it may hold (a manager's)."""
    bulletin = gather(cursor, kind, day, district, scope)
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
