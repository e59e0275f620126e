"""Periods: whole or running at the clock, compared like with like, in the runner, the trend and the bulletins."""

from __future__ import annotations

import random
import re
from datetime import date, datetime, timedelta

import polars as pl
import pytest

import queries
from dashboard import bulletin
from queries import Filter
from queries.periods import Period, Window, change, midnight, next_month


def test_a_period_is_complete_from_the_midnight_it_ends():
    week = Period.of("week", date(2026, 3, 8))  # a Sunday: its week began on Monday the 2nd
    assert (week.start, week.end) == (date(2026, 3, 2), date(2026, 3, 9))
    assert not week.complete(datetime(2026, 3, 8, 23, 59, 59, 999999))
    assert week.complete(datetime(2026, 3, 9))
    february = Period.of("month", date(2024, 2, 29))
    assert (february.start, february.end) == (date(2024, 2, 1), date(2024, 3, 1))
    assert not february.complete(datetime(2024, 2, 29, 12)) and february.complete(datetime(2024, 3, 1))
    day = Period.of("day", date(2026, 1, 1))
    assert not day.complete(datetime(2025, 12, 31, 23)) and day.complete(datetime(2026, 1, 2))


def test_the_kind_of_a_run_of_days():
    assert Period.spanning(date(2026, 3, 2), date(2026, 3, 9)).kind == "week"
    assert Period.spanning(date(2026, 3, 3), date(2026, 3, 10)).kind == "custom"
    assert Period.spanning(date(2026, 2, 1), date(2026, 3, 1)).kind == "month"
    assert Period.spanning(date(2026, 2, 1), date(2026, 2, 2)).kind == "day"
    assert Period.spanning(date(2026, 1, 1), date(2026, 3, 1)).kind == "custom"


def test_a_running_week_is_compared_with_the_same_stretch_of_the_week_before():
    week, t = Period.of("week", date(2026, 3, 4)), datetime(2026, 3, 4, 10)  # Wednesday 10:00
    assert week.previous(t) == Window(datetime(2026, 2, 23), datetime(2026, 2, 25, 10))
    assert week.year_ago(t) == Window(datetime(2025, 3, 3), datetime(2025, 3, 5, 10))
    assert week.last_complete(t) == Period("week", date(2026, 2, 23), date(2026, 3, 2))
    whole = week.previous(datetime(2026, 4, 1))
    assert whole == Window(datetime(2026, 2, 23), datetime(2026, 3, 2))
    assert week.previous(datetime(2026, 3, 1)).end == datetime(2026, 2, 23)  # not begun: nothing before either


def test_a_month_is_compared_with_the_calendar_month_before():
    march = Period.of("month", date(2026, 3, 15))
    assert march.previous(datetime(2026, 4, 2)) == Window(datetime(2026, 2, 1), datetime(2026, 3, 1))
    assert march.previous(datetime(2026, 3, 10, 8)) == Window(datetime(2026, 2, 1), datetime(2026, 2, 10, 8))
    assert march.previous(datetime(2026, 3, 31, 8)).end == datetime(2026, 3, 1)  # February is shorter
    assert Period.of("month", date(2026, 1, 9)).before() == Period("month", date(2025, 12, 1), date(2026, 1, 1))
    assert march.last_complete(datetime(2026, 3, 31, 8)) == Period("month", date(2026, 2, 1), date(2026, 3, 1))


def test_labels():
    assert Period.of("week", date(2026, 3, 4)).label() == "2026年3月2日至3月8日"
    assert Period.of("week", date(2025, 12, 31)).label() == "2025年12月29日至2026年1月4日"
    assert Period.of("month", date(2026, 3, 4)).label("en") == "March 2026"
    assert Period.of("day", date(2026, 3, 4)).label("en") == "04 March 2026"


def test_one_change_for_counts_and_rates():
    assert change(80, 100) == pytest.approx(-0.2)
    assert change(5, 0) is None and change(5, None) is None and change(None, 5) is None
    assert change(float("nan"), 5) is None
    assert change(0.95, 0.9, rate=True) == pytest.approx(0.05)
    assert change(0.9, 0.0, rate=True) == pytest.approx(0.9)


def test_months_and_edges_cover_the_span_once_around_a_gap():
    rng = random.Random(7)
    for _ in range(2000):
        since = date(2025, 1, 1) + timedelta(days=rng.randrange(500))
        start = since + timedelta(days=rng.randrange(1, 400))
        gap_from = since + timedelta(days=rng.randrange((start - since).days + 1))
        until = start + timedelta(days=rng.randrange(1, 400))
        t = midnight(until - timedelta(days=rng.choice([0, 1, 40])))
        months = queries.whole_months(since, start, until, t, gap_from)
        days = [lo + timedelta(days=i) for lo, hi in queries.edges(since, until, months, (gap_from, start))
                for i in range((hi - lo).days)]
        for month in months:
            days += [month + timedelta(days=i) for i in range((next_month(month) - month).days)]
        wanted = [since + timedelta(days=i) for i in range((until - since).days)]
        assert sorted(days) == [day for day in wanted if not gap_from <= day < start]


def received(con, since: datetime, until: datetime) -> int:
    """Requests received in [since, until), counted by Polars over the raw rows."""
    rows = con.execute("select received_at from requests").pl()
    return rows.filter(pl.col("received_at").is_between(since, until, closed="left")).height


@pytest.mark.parametrize("kind", ["day", "week", "month"])
def test_the_headline_compares_a_running_period_like_with_like(con, cursor, clock, kind):
    period = Period.of(kind, clock.date())
    flt = Filter(period.start, period.end)
    stretch = clock - midnight(period.start)
    before = period.before()
    cut = min(midnight(before.start) + stretch, midnight(before.end))
    for rollups in (True, False):
        got = {row["current"]: row for row in queries.run(cursor, "headline_rates", flt, clock, rollups).to_dicts()}
        assert got[True]["received"] == received(con, midnight(period.start), clock + timedelta(microseconds=1))
        assert got[False]["received"] == received(con, midnight(before.start), cut)
    topics = queries.run(cursor, "top_topics", flt, clock, level="category", limit=100)
    assert topics["received_before"].sum() == received(con, midnight(before.start), cut)


@pytest.mark.parametrize("bucket", ["day", "week", "month"])
def test_the_trend_marks_its_running_bucket(con, cursor, clock, bucket):
    flt = Filter(clock.date() - timedelta(days=89), clock.date() + timedelta(days=1))
    trend = queries.run(cursor, "requests_trend", flt, clock, bucket=bucket)
    assert trend["complete"].to_list() == [True] * (trend.height - 1) + [False]
    last = trend.row(-1, named=True)
    first = max(last["bucket"], midnight(flt.start))
    assert last["received_year_ago"] == received(con, first - timedelta(days=364), clock - timedelta(days=364))
    assert last["received"] == received(con, first, clock + timedelta(microseconds=1))
    whole = queries.run(cursor, "requests_trend", Filter(flt.start, clock.date()), clock, bucket=bucket)
    assert whole["complete"].all()
    incidents = queries.run(cursor, "incidents_trend", flt, clock, bucket=bucket)
    assert not incidents.filter(pl.col("bucket") == incidents["bucket"].max())["complete"].any()
    assert incidents.filter(pl.col("bucket") < incidents["bucket"].max())["complete"].all()


def test_the_trend_chart_draws_the_running_bucket_apart(cursor, clock):
    from dashboard import charts

    flt = Filter(clock.date() - timedelta(days=27), clock.date() + timedelta(days=1))
    spec = charts.trend(queries.run(cursor, "requests_trend", flt, clock, bucket="week"), "week").to_dict()
    whole, running = spec["layer"]
    assert running["mark"]["strokeDash"] and running["mark"]["opacity"] < 1
    values = spec["datasets"]
    rows = [row for data in values.values() for row in data]
    assert any(row["complete"] is False and row["state"] for row in rows)


def number(text: str) -> int:
    return int(text.replace(",", ""))


def test_a_monday_bulletin_reports_the_running_week_as_of_the_clock(con, monkeypatch):
    latest = queries.clock(queries.prepare(con))
    monday = latest.date() - timedelta(days=latest.weekday() + 21)
    t = datetime.combine(monday, datetime.min.time()).replace(hour=10)
    monkeypatch.setattr(queries, "clock", lambda cursor, now=None: t)
    html, markdown = bulletin.make_text(con, "week", monday, None, "zh")
    shown = dict(re.findall(r'data-figure="(\w+)"[^>]*>([^<]*)<', html))
    now = number(shown["received"])
    before = number(shown["received_before"])
    assert now == received(con, midnight(monday), t + timedelta(microseconds=1))
    assert before == received(con, midnight(monday) - timedelta(days=7), t - timedelta(days=7))
    narrative = re.search(r"data-narrative>([^<]*)<", html).group(1)
    assert narrative.startswith(f"{monday.year}年{monday.month}月{monday.day}日至") and "（截至" in narrative
    assert "环比" not in narrative and f"上期同期{before:,}件" in narrative
    words = "上升" if now >= before else "下降"
    assert f"较上期同期{words}{abs(now / before - 1) * 100:.1f}%" in narrative
    assert "data-running" in html and "上期同期" in markdown


def test_a_whole_week_bulletin_says_nothing_of_running(con):
    clock = queries.clock(queries.prepare(con))
    html, _ = bulletin.make_text(con, "week", clock.date() - timedelta(days=14), None, "en")
    narrative = re.search(r"data-narrative>([^<]*)<", html).group(1)
    assert "as of" not in narrative.split(".")[0] and "data-running" not in html
    assert "on the period before" in narrative
