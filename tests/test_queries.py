"""The panel runner: rollup answers equal raw-row answers, and numbers match an independent computation."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import queries
from queries import Filter

PANELS = [
    ("headline_rates", {}),
    ("rates_by", {"level": "district"}),
    ("rates_by", {"level": "street"}),
    ("rates_by", {"level": "unit"}),
    ("requests_trend", {"bucket": "day"}),
    ("requests_trend", {"bucket": "week"}),
    ("requests_trend", {"bucket": "month"}),
    ("top_topics", {"level": "category", "limit": 10}),
    ("top_topics", {"level": "subcategory", "limit": 10}),
    ("channels_and_kinds", {}),
    ("open_now", {}),
    ("whistles", {}),
    ("overdue_requests", {"limit": 10**6}),
    ("repeat_requests", {"limit": 10**6}),
    ("map_areas", {"level": "district"}),
    ("map_areas", {"level": "street"}),
    ("map_cells", {}),
]


def filters(cursor, clock):
    today = clock.date()
    first = lambda sql: [r for r, in cursor.execute(sql).fetchall()]  # noqa: E731
    districts = first("select district from districts order by population desc limit 3")
    streets = first("select street from streets order by population desc limit 2")
    return [
        Filter(today - timedelta(days=29), today + timedelta(days=1)),
        Filter(today - timedelta(days=90), today + timedelta(days=1), districts=tuple(districts[:1])),
        Filter(today - timedelta(days=200), today - timedelta(days=10), districts=tuple(districts)),
        Filter(today - timedelta(days=60), today + timedelta(days=1), streets=tuple(streets)),
        Filter(today - timedelta(days=60), today + timedelta(days=1), categories=("供暖", "市容环境")),
        Filter(today - timedelta(days=60), today + timedelta(days=1), subcategories=("暖气不热",), districts=tuple(districts)),
        Filter(today - timedelta(days=30), today + timedelta(days=1), channels=("hotline", "app"), kinds=("complaint",)),
        Filter(today - timedelta(days=30), today + timedelta(days=1), units=("市热力集团",)),
        Filter(today - timedelta(days=364), today + timedelta(days=1)),
        Filter(today - timedelta(days=150), today - timedelta(days=3), categories=("供暖",), streets=tuple(streets)),
    ]


@pytest.mark.parametrize("name,extra", PANELS)
def test_rollup_equals_base(cursor, clock, name, extra):
    for flt in filters(cursor, clock):
        rolled = queries.run(cursor, name, flt, clock, **extra)
        raw = queries.run(cursor, name, flt, clock, rollups=False, **extra)
        assert_frame_equal(rolled, raw, rel_tol=1e-12, abs_tol=0)  # counts exact; means up to summation order


def test_a_rollup_is_used_when_the_filter_allows(cursor, clock):
    today = clock.date()
    plain = Filter(today - timedelta(days=29), today + timedelta(days=1))
    assert "rollup_requests_place" in queries.compose(cursor, "rates_by", plain, clock, extra={"level": "street"})
    by_kind = Filter(plain.start, plain.end, kinds=("complaint",))
    assert "rollup_" not in queries.compose(cursor, "rates_by", by_kind, clock, extra={"level": "street"})
    by_topic = Filter(plain.start, plain.end, categories=("供暖",))
    assert "rollup_requests_fine" in queries.compose(cursor, "rates_by", by_topic, clock, extra={"level": "street"})


def test_whole_months_lie_inside_one_side_of_start_and_before_today():
    t = datetime(2025, 6, 10, 9)
    months = queries.whole_months(date(2024, 11, 15), date(2025, 3, 15), date(2025, 7, 1), t)
    assert months == [date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1), date(2025, 4, 1), date(2025, 5, 1)]
    assert queries.whole_months(date(2025, 6, 1), date(2025, 6, 1), date(2025, 6, 11), t) == []


def test_headline_matches_polars(con, cursor, clock):
    flt = Filter(clock.date() - timedelta(days=29), clock.date() + timedelta(days=1), districts=("朝阳区", "海淀区"))
    rows = con.execute("select * from requests where received_at <= ?", [clock]).pl().filter(
        (pl.col("received_at") >= pl.lit(flt.start).cast(pl.Datetime("us")))
        & pl.col("district").is_in(list(flt.districts)))
    t = pl.lit(clock)
    called = rows.filter(pl.col("callback_at") <= t)
    due = rows.filter((pl.col("responded_at") <= t) | (pl.col("received_at") + pl.duration(hours=24) <= t))
    in_time = due.filter(pl.col("responded_at") <= pl.min_horizontal(pl.col("received_at") + pl.duration(hours=24), t))
    got = queries.run(cursor, "headline_rates", flt, clock).filter(pl.col("current")).row(0, named=True)
    assert got["received"] == rows.height
    assert got["response_rate"] == pytest.approx(in_time.height / due.height)
    assert got["satisfaction_rate"] == pytest.approx(called["satisfied"].sum() / called.height)
    assert got["resolution_rate"] == pytest.approx(called["resolved"].sum() / called.height)


def test_open_now_matches_polars(con, cursor, clock):
    rows = con.execute("select received_at, handled_at, deadline_at from requests where received_at <= ?", [clock]).pl()
    open_rows = rows.filter(pl.col("handled_at").is_null() | (pl.col("handled_at") > clock))
    got = queries.run(cursor, "open_now", Filter(clock.date(), clock.date() + timedelta(days=1)), clock).row(0, named=True)
    assert got["open"] == open_rows.height
    assert got["overdue"] == open_rows.filter(pl.col("deadline_at") < clock).height


def test_injection_shaped_values_are_plain_values(cursor, clock, con):
    evil = "'; drop table requests; --"
    flt = Filter(clock.date() - timedelta(days=29), clock.date() + timedelta(days=1), districts=(evil,), streets=(evil,))
    for name, extra in PANELS:
        result = queries.run(cursor, name, flt, clock, **extra)
        assert result.is_empty() or result.select(pl.selectors.numeric()).fill_null(0).sum_horizontal().sum() == 0
    assert con.execute("select count(*) from requests").fetchone()[0] > 0


def test_overdue_list_matches_the_overdue_count(cursor, clock):
    flt = Filter(clock.date(), clock.date() + timedelta(days=1))
    listed = queries.run(cursor, "overdue_requests", flt, clock, limit=10**9)
    counted = queries.run(cursor, "open_now", flt, clock).row(0, named=True)
    assert listed.height == counted["overdue"] > 0
    assert (listed["deadline_at"] < clock).all()
    assert not listed["text"].str.contains(r"1[3-9]\d{9}").any()


def test_whistles_and_incident_times_match_polars(con, cursor, clock):
    flt = Filter(clock.date() - timedelta(days=120), clock.date() + timedelta(days=1))
    since = pl.lit(flt.start).cast(pl.Datetime("us"))
    rows = con.execute("select * from requests where whistle <> 'none' and received_at <= ? and whistle_at <= ?",
                       [clock, clock]).pl().filter(pl.col("received_at") >= since)
    arrived = rows.filter(pl.col("arrived_at") <= clock)
    hours = ((arrived["arrived_at"] - arrived["whistle_at"]).dt.total_seconds() / 3600).mean()
    got = queries.run(cursor, "whistles", flt, clock)
    assert got["whistles"].sum() == rows.height
    assert (got["mean_hours"] * got["arrived"]).sum() / got["arrived"].sum() == pytest.approx(hours)
    events = con.execute("select * from incidents where detected_at <= ?", [clock]).pl().filter(
        pl.col("detected_at") >= since)
    lifecycle = queries.run(cursor, "incident_lifecycle", flt, clock, level="severity")
    for severity, group in events.group_by("severity"):
        onsite = group.filter(pl.col("onsite_at") <= clock)
        minutes = ((onsite["onsite_at"] - onsite["detected_at"]).dt.total_seconds() / 60).mean()
        row = lifecycle.filter(pl.col("name") == str(severity[0])).row(0, named=True)
        assert row["incidents"] == group.height
        assert row["onsite_minutes_mean"] == pytest.approx(minutes)


def test_scorecard_ranks_and_rectification_list(con, cursor, clock):
    month = con.execute("select max(period) - interval 1 month from indicators").fetchone()[0].date()
    flt = Filter(clock.date(), clock.date() + timedelta(days=1))
    city = queries.run(cursor, "indicator_scorecard", flt, clock, month=month, district=None)
    assert city.height == con.execute("select count(*) from indicator_definitions").fetchone()[0]
    district = queries.run(cursor, "indicator_scorecard", flt, clock, month=month, district="朝阳区")
    scores = con.execute("select code, district, score from indicators where period = ? and district is not null",
                         [month]).pl()
    for row in district.filter(pl.col("score").is_not_null()).iter_rows(named=True):
        better = scores.filter((pl.col("code") == row["code"]) & (pl.col("score") > row["score"])).height
        assert row["rank"] >= better + 1
    below = queries.run(cursor, "rectification_list", flt, clock, month=month)
    assert below.height == scores.filter(pl.col("score") < 100).height
    assert (below["score"] < 100).all() and below["responsible_unit"].is_not_null().all()


def test_map_cells_count_every_filtered_request_once(con, cursor, clock):
    flt = Filter(clock.date() - timedelta(days=60), clock.date() + timedelta(days=1), districts=("朝阳区", "延庆区"))
    cells = queries.run(cursor, "map_cells", flt, clock)
    expected = con.execute("""select count(*) from requests where received_at >= ? and received_at <= ?
                              and district in ('朝阳区', '延庆区')""", [flt.start, clock]).fetchone()[0]
    assert cells["requests"].sum() == expected
    assert cells.select("q", "r").is_unique().all()
    inside = con.execute("select min(lat), max(lat), min(lon), max(lon) from requests").fetchone()
    assert cells["lat"].is_between(inside[0] - 0.05, inside[1] + 0.05).all()
    assert cells["lon"].is_between(inside[2] - 0.05, inside[3] + 0.05).all()


def test_headline_carries_the_targets(con, cursor, clock):
    got = queries.run(cursor, "headline_rates", Filter(clock.date(), clock.date() + timedelta(days=1)), clock)
    target = con.execute("select target / 100 from indicator_definitions where code = 'C3.1'").fetchone()[0]
    assert got["satisfaction_target"].to_list() == [target] * got.height


def test_every_point_falls_in_its_nearest_hexagon(cursor):
    km, lat0 = cursor.execute("select getvariable('hex_km'), getvariable('hex_lat0')").fetchone()
    rows = cursor.execute("""select lat, lon, hex_round_q(q, r), hex_round_r(q, r)
                             from (select lat, lon, hex_axial_q(lat, lon) as q, hex_axial_r(lat, lon) as r
                                   from requests using sample 2000 rows)""")
    plane = lambda lat, lon: (lon * math.cos(math.radians(lat0)) * 111.32, lat * 111.32)  # noqa: E731
    centre = lambda q, r: (1.5 * q * km, math.sqrt(3) * (r + q / 2) * km)  # noqa: E731
    for lat, lon, q, r in rows.fetchall():
        x, y = plane(lat, lon)
        distances = [math.dist((x, y), centre(q + dq, r + dr))
                     for dq, dr in ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1), (1, -1), (-1, 1))]
        assert distances[0] <= km * (1 + 1e-9)
        assert distances[0] <= min(distances[1:]) + 1e-9


def test_months_and_edges_cover_every_day_of_the_span_once():
    import random

    rng = random.Random(5)
    for _ in range(2000):
        since = date(2025, 1, 1) + timedelta(days=rng.randrange(500))
        start = since + timedelta(days=rng.choice([0, 0, rng.randrange(400)]))
        until = start + timedelta(days=rng.randrange(1, 400))
        t = datetime.combine(until - timedelta(days=rng.choice([0, 1, 1, 40])), datetime.min.time())
        months = queries.whole_months(since, start, until, t)
        days = [day for lo, hi in queries.edges(since, until, months) for day in
                (lo + timedelta(days=i) for i in range((hi - lo).days))]
        for month in months:
            following = (month + timedelta(days=32)).replace(day=1)
            days += [month + timedelta(days=i) for i in range((following - month).days)]
        assert sorted(days) == [since + timedelta(days=i) for i in range((until - since).days)]
