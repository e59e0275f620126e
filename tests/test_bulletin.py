"""Bulletins: every figure against an independent computation, the right streets named, one district only."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import polars as pl
import pytest

import queries
from dashboard import bulletin
from dashboard.figures import SMALLEST, TOPICS, WARNINGS
from queries.periods import Period


def figures(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-figure="(\w+)"[^>]*>([^<]*)<', html))


def places(html: str, table: str) -> list[str]:
    return re.findall(rf'data-place="{table}">([^<]*)<', html)


@pytest.fixture(scope="module")
def week(con, tmp_path_factory):
    clock = queries.clock(queries.prepare(con))
    day = clock.date() - timedelta(days=9)
    html, _ = bulletin.make_text(con, "week", day, None, "zh")
    period = Period.of("week", day)
    return (period.start, period.end), html


def raw(con, start, end, district=None) -> pl.DataFrame:
    rows = con.execute("select * from requests where received_at >= ? and received_at < ?",
                       [start, datetime.combine(end, datetime.min.time())]).pl()
    return rows.filter(pl.col("district") == district) if district else rows


def test_the_weekly_figures_equal_the_raw_rows(con, week):
    (start, end), html = week
    t = datetime.combine(end, datetime.min.time())
    rows = raw(con, start, end)
    shown = figures(html)
    assert shown["received"] == f"{rows.height:,}"
    called = rows.filter(pl.col("callback_at") <= t)
    assert shown["satisfaction_rate"] == f"{called['satisfied'].sum() / called.height * 100:.1f}%"
    assert shown["resolution_rate"] == f"{called['resolved'].sum() / called.height * 100:.1f}%"
    before = raw(con, start - timedelta(days=7), start)
    assert shown["received_before"] == f"{before.height:,}"
    everything = con.execute("select handled_at, deadline_at from requests where received_at <= ?", [t]).pl()
    still_open = everything.filter(pl.col("handled_at").is_null() | (pl.col("handled_at") > t))
    assert shown["open"] == f"{still_open.height:,}"
    assert shown["overdue"] == f"{still_open.filter(pl.col('deadline_at') < t).height:,}"
    detected = con.execute("""select severity, count(*) from incidents where detected_at >= ? and detected_at < ?
                              group by all""", [start, t]).fetchall()
    for severity, count in detected:
        assert shown[f"incidents_{severity}"] == f"{count:,}"


def test_the_narrative_names_the_bottom_streets(con, week):
    (start, end), html = week
    t = datetime.combine(end, datetime.min.time())
    rows = raw(con, start, end).with_columns(
        due=(pl.col("responded_at") <= t) | (pl.col("received_at") + pl.duration(hours=24) <= t),
        in_time=pl.col("responded_at") <= pl.min_horizontal(pl.col("received_at") + pl.duration(hours=24), pl.lit(t)),
        called=pl.col("callback_at") <= t)
    streets = rows.group_by("street").agg(
        received=pl.len(),
        score=(pl.col("in_time").fill_null(False).sum() / pl.col("due").sum()
               + (pl.col("called") & pl.col("resolved")).fill_null(False).sum() / pl.col("called").fill_null(False).sum()
               + (pl.col("called") & pl.col("satisfied")).fill_null(False).sum() / pl.col("called").fill_null(False).sum())
        / 3).filter(pl.col("received") >= SMALLEST["week"]).sort(["score", "received"])
    lowest = streets["street"].head(3).to_list()
    narrative = re.search(r"data-narrative>([^<]*)<", html).group(1)
    assert f"全市街道（乡镇）中排名后三位的为{'、'.join(lowest)}" in narrative
    assert places(html, "streets_last") == lowest


def test_a_district_bulletin_holds_only_that_district(con):
    clock = queries.clock(queries.prepare(con))
    day = clock.date() - timedelta(days=40)
    html, markdown = bulletin.make_text(con, "month", day, "海淀区", "zh")
    start, end = Period.of("month", day).start, Period.of("month", day).end
    assert figures(html)["received"] == f"{raw(con, start, end, '海淀区').height:,}"
    ours = {s for s, in con.execute("select street from streets where district = '海淀区'").fetchall()}
    assert set(places(html, "places")) <= ours and places(html, "places")
    assert "海淀区" in markdown.splitlines()[2]
    assert re.search(r"data-narrative>2026年\d+月，海淀区共受理诉求|data-narrative>\d{4}年\d+月，海淀区", html)


def test_an_english_bulletin_speaks_english(con):
    clock = queries.clock(queries.prepare(con))
    html, _ = bulletin.make_text(con, "day", clock.date() - timedelta(days=1), None, "en")
    narrative = re.search(r"data-narrative>([^<]*)<", html).group(1)
    assert narrative.startswith("On ") and "requests" in narrative and not re.search(r"[\u4e00-\u9fff]{2}", narrative)


def test_a_monthly_bulletin_lists_the_months_warnings_and_topic_candidates(con):
    peak = con.execute("select peaks_at from demo_events where kind = 'rising'").fetchone()[0].date()
    html, _ = bulletin.make_text(con, "month", peak, None, "zh")
    start, end = Period.of("month", peak).start, Period.of("month", peak).end
    fired = con.execute("select coalesce(street, district) from warnings where last_seen >= ? and first_seen < ? "
                        "order by status = 'closed', last_seen desc, score desc limit ?",
                        [start, end, WARNINGS]).fetchall()
    assert fired and re.findall(r"data-warning>([^<]*)<", html) == [place for place, in fired]
    keywords = con.execute("select keywords from topics where month = ? order by rank limit ?",
                           [start, TOPICS]).fetchall()
    assert re.findall(r"data-topic-keywords>([^<]*)<", html) == [k for k, in keywords]


def test_markup_in_the_data_is_text_in_the_html_bulletin(city_path, tmp_path):
    import duckdb

    from data.refresh import refresh

    hostile = '<img src=x onerror="alert(1)">暖气'
    copy = tmp_path / "city.duckdb"
    copy.write_bytes(city_path.read_bytes())
    with duckdb.connect(str(copy)) as con:
        top = con.execute("select subcategory from requests group by all order by count(*) desc limit 1").fetchone()[0]
        con.execute("update requests set subcategory = ? where subcategory = ?", [hostile, top])
        refresh(con, None, ["rollups"])
        day = queries.clock(queries.prepare(con)).date() - timedelta(days=9)
        html, _ = bulletin.make_text(con, "week", day, None, "zh")
    assert "<img" not in html.split("<body", 1)[1].replace("<svg", "")
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;暖气" in html
