"""The evaluation indicators: their shape, and the computed ones against independent computations."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import polars as pl

from data.indicators import DEFINITIONS


def last_full_month(con):
    return con.execute("select max(period) - interval 1 month from indicators").fetchone()[0]


def indicator(con, code, period, district=None):
    return con.execute("""select value from indicators where code = ? and period = ?
                          and district is not distinct from ?""", [code, period, district]).fetchone()[0]


def as_of(con):
    return datetime.fromisoformat(con.execute("select value from meta where key = 'as_of'").fetchone()[0])


def test_four_dimensions_twelve_aims_two_each(con):
    assert len(DEFINITIONS) >= 24
    assert len({d.dimension for d in DEFINITIONS}) == 4
    per_aim = Counter((d.dimension, d.aim) for d in DEFINITIONS)
    assert len(per_aim) == 12 and min(per_aim.values()) >= 2
    stored = con.execute("select count(*), count(*) filter (where computed) from indicator_definitions").fetchone()
    assert stored[0] == len(DEFINITIONS) and stored[1] >= 10


def test_city_response_rate_matches_plain_sql(con):
    month, t = last_full_month(con), as_of(con)
    expected = con.execute("""
        select 100.0 * sum(case when responded_at <= received_at + interval 24 hour and responded_at <= ? then 1 else 0 end)
               / sum(case when responded_at <= ? or received_at + interval 24 hour <= ? then 1 else 0 end)
        from requests where received_at >= ? and received_at < ? + interval 1 month""",
        [t, t, t, month, month]).fetchone()[0]
    assert abs(indicator(con, "C1.1", month) - expected) < 1e-9


def test_district_rates_match_polars(con):
    month, t = last_full_month(con), as_of(con)
    rows = con.execute("select * from requests where received_at >= ? and received_at < ? + interval 1 month",
                       [month, month]).pl()
    district = rows["district"][0]
    mine = rows.filter(pl.col("district") == district)
    called = mine.filter(pl.col("callback_at") <= t)
    satisfied = 100 * called["satisfied"].sum() / called.height
    due = mine.filter((pl.col("handled_at") <= t) | (pl.col("deadline_at") <= t))
    on_time = 100 * due.filter(pl.col("handled_at") <= pl.min_horizontal("deadline_at", pl.lit(t))).height / due.height
    repeats = 100 * mine["repeat_of"].is_not_null().sum() / mine.height
    assert abs(indicator(con, "C3.1", month, district) - satisfied) < 1e-9
    assert abs(indicator(con, "C1.2", month, district) - on_time) < 1e-9
    assert abs(indicator(con, "C2.2", month, district) - repeats) < 1e-9


def test_incident_time_to_site_matches_polars(con):
    month, t = last_full_month(con), as_of(con)
    rows = con.execute("select * from incidents where detected_at >= ? and detected_at < ? + interval 1 month",
                       [month, month]).pl().filter(pl.col("onsite_at") <= t)
    minutes = (rows["onsite_at"] - rows["detected_at"]).dt.total_seconds().mean() / 60
    assert abs(indicator(con, "D3.1", month) - minutes) < 1e-6


def test_scores_reach_100_exactly_when_the_target_is_met(con):
    rows = con.execute("select value, target, higher_is_better, score from indicators where value is not null").pl()
    met = pl.when(pl.col("higher_is_better")).then(pl.col("value") >= pl.col("target")) \
        .otherwise(pl.col("value") <= pl.col("target"))
    checked = rows.with_columns(met.alias("met"))
    assert checked.filter(pl.col("met"))["score"].min() == 100
    assert checked.filter(~pl.col("met"))["score"].max() < 100
    assert checked["score"].min() >= 0
    assert checked.filter(~pl.col("met")).height > 0, "a rectification list needs indicators below target"


def test_every_month_has_city_and_district_rows(con):
    per_month = con.execute("""
        select period, count(distinct coalesce(district, '(city)')) from indicators group by 1""").fetchall()
    districts = con.execute("select count(*) from districts").fetchone()[0]
    assert per_month and all(n == districts + 1 for _, n in per_month)
    first = con.execute("select min(received_at) from requests").fetchone()[0]
    assert min(p for p, _ in per_month) == first.date().replace(day=1)
    assert max(p for p, _ in per_month) == (as_of(con) - timedelta(seconds=1)).date().replace(day=1)
