"""The demo city: schema, life-cycle invariants, realism and determinism."""

from __future__ import annotations

import json
import re
from datetime import datetime

import duckdb
import polars as pl
import pytest
import shapely

from data import db
from data.demo import taxonomy
from data.demo.generate import generate
from tests.conftest import SMALL

FIXED_COLUMNS = {
    "requests": "request_id channel kind category subcategory text district street community grid lat lon unit "
                "received_at dispatched_at responded_at handled_at callback_at deadline_at resolved satisfied "
                "repeat_of reopened whistle",
    "incidents": "incident_id source type severity detected_at acknowledged_at dispatched_at onsite_at closed_at "
                 "district street grid lat lon unit status",
    "indicators": "period district dimension aim code name value measure_unit target higher_is_better score",
    "districts": "district name_en population area_km2 geometry",
    "streets": "street name_en district population area_km2 geometry",
    "demo_events": "event_id kind starts_at ends_at district street subcategory description",
}


def frame(con, sql, params=None) -> pl.DataFrame:
    return con.execute(sql, params or []).pl()


def test_fixed_columns_exist(con):
    for table, names in FIXED_COLUMNS.items():
        columns = {c for c, in con.execute(
            "select column_name from information_schema.columns where table_name = ?", [table]).fetchall()}
        assert set(names.split()) <= columns, (table, set(names.split()) - columns)


def test_every_schema_column_is_commented():
    for line in db.SCHEMA.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if re.match(r"^[a-z_0-9]+\s+(varchar|double|timestamp|boolean|tinyint|integer|bigint|date)\b", stripped):
            assert "--" in stripped, f"column without a comment: {stripped}"


def test_row_counts_match_request(con):
    assert con.execute("select count(*) from requests").fetchone()[0] == SMALL["requests"]
    assert con.execute("select count(*) from incidents").fetchone()[0] >= SMALL["incidents"]
    assert con.execute("select count(distinct request_id) from requests").fetchone()[0] == SMALL["requests"]


def test_request_stages_in_order_and_nulls_consistent(con):
    bad = con.execute("""
        select count(*) from requests
        where dispatched_at < received_at or responded_at < dispatched_at
           or handled_at < responded_at or callback_at < handled_at""").fetchone()[0]
    assert bad == 0
    gaps = con.execute("""
        select count(*) filter (where dispatched_at is null and responded_at is not null),
               count(*) filter (where responded_at is null and handled_at is not null),
               count(*) filter (where handled_at is null and callback_at is not null),
               count(*) filter (where callback_at is null and (resolved is not null or satisfied is not null)),
               count(*) filter (where callback_at is not null and (resolved is null or satisfied is null)),
               count(*) filter (where whistle <> 'none' and whistle_at < received_at),
               count(*) filter (where arrived_at < whistle_at)
        from requests
    """).fetchone()
    assert gaps == (0,) * 7


def test_open_requests_exist_and_have_no_handled_time(con):
    open_now, overdue = con.execute("""
        select count(*) filter (where handled_at is null),
               count(*) filter (where handled_at is null and deadline_at < (select max(received_at) from requests))
        from requests""").fetchone()
    assert open_now > 0 and overdue > 0


def test_deadline_follows_subcategory(con):
    wrong = con.execute("""
        select count(*) from requests r join categories c using (subcategory)
        where r.deadline_at <> r.received_at + to_hours(c.deadline_hours)""").fetchone()[0]
    assert wrong == 0


def test_incident_stages_in_order(con):
    bad = con.execute("""
        select count(*) from incidents
        where acknowledged_at < detected_at or dispatched_at < acknowledged_at
           or onsite_at < dispatched_at or closed_at < onsite_at
           or (closed_at is null) <> (status <> 'closed')""").fetchone()[0]
    assert bad == 0
    assert set(r for r, in con.execute("select distinct severity from incidents").fetchall()) <= {1, 2, 3, 4}


def test_references_exist(con):
    for sql in (
        "select count(*) from requests where unit not in (select unit from units)",
        "select count(*) from incidents where unit not in (select unit from units)",
        "select count(*) from requests where street not in (select street from streets)",
        "select count(*) from requests where subcategory not in (select subcategory from categories)",
        "select count(*) from requests r where not exists (select 1 from streets s where s.street = r.street and s.district = r.district)",
        "select count(*) from requests where grid not in (select grid_id from grids)",
        "select count(*) from requests where repeat_of is not null and repeat_of not in (select request_id from requests)",
    ):
        assert con.execute(sql).fetchone()[0] == 0, sql


def test_taxonomy_is_big_enough(con):
    tops, subs = con.execute("select count(distinct category), count(*) from categories").fetchone()
    assert tops >= 12 and subs >= 60
    assert con.execute("select count(*) from districts").fetchone()[0] == 16


def test_points_inside_their_district(con):
    shapes = {d: shapely.geometry.shape(json.loads(g)) for d, g in con.execute("select district, geometry from districts").fetchall()}
    sample = frame(con, "select district, lat, lon from requests using sample 3000 rows (reservoir, 5)")
    outside = [row for row in sample.iter_rows(named=True)
               if not shapes[row["district"]].contains(shapely.Point(row["lon"], row["lat"]))]
    assert outside == []


def test_rates_are_rates(con):
    con.execute((db.Path(__file__).resolve().parent.parent / "queries" / "metrics.sql").read_text())
    rates = con.execute("""
        select rate(count(*) filter (where responded_in_time(received_at, responded_at, now()::timestamp)),
                    count(*) filter (where due_for_response(source, received_at, responded_at, now()::timestamp))),
               rate(count(*) filter (where resolved), count(*) filter (where resolved is not null)),
               rate(count(*) filter (where satisfied), count(*) filter (where satisfied is not null))
        from requests""").fetchone()
    assert all(0.75 <= r <= 1 for r in rates), rates


def test_heating_in_winter_waterlogging_in_summer(con):
    share = frame(con, """
        select subcategory, month(received_at) as m, count(*) as n from requests group by all""")
    def season_total(words, months):
        return share.filter(pl.col("subcategory").str.contains(words) & pl.col("m").is_in(months))["n"].sum()
    assert season_total("供暖|暖气", [12, 1, 2]) > 5 * max(season_total("供暖|暖气", [6, 7, 8]), 1)
    assert season_total("积水", [7, 8]) > 3 * max(season_total("积水", [12, 1, 2]), 1)


def test_daily_and_weekly_cycles(con):
    by_hour = dict(con.execute("select hour(received_at), count(*) from requests group by 1").fetchall())
    assert by_hour[10] > 8 * by_hour[3]
    by_day = dict(con.execute("select isodow(received_at), count(*) from requests group by 1").fetchall())
    assert by_day[1] > 1.3 * by_day[7]


def test_density_follows_population(con):
    density = dict(con.execute("""
        select d.district, count(*) / any_value(d.area_km2) from requests r join districts d using (district)
        group by 1""").fetchall())
    core = min(density["东城区"], density["西城区"])
    outer = max(density["延庆区"], density["怀柔区"], density["密云区"])
    assert core > 20 * outer


def test_slow_units_and_weak_streets_exist(con):
    spread = con.execute("""
        with u as (select unit, median(epoch(responded_at - dispatched_at)) as s from requests group by 1 having count(*) > 200)
        select max(s) / min(s) from u""").fetchone()[0]
    assert spread > 3
    sat = con.execute("""
        with s as (select street, avg(satisfied::int) as r from requests where satisfied is not null
                   group by 1 having count(*) > 100)
        select quantile_cont(r, 0.95) - min(r) from s""").fetchone()[0]
    assert sat > 0.06


def test_injected_events_present(con):
    events = {k: (s, p, e, d, st, sub) for k, s, p, e, d, st, sub in con.execute(
        "select kind, starts_at, peaks_at, ends_at, district, street, subcategory from demo_events").fetchall()}
    assert set(events) == {"storm", "rising", "surge"}
    start, peak, end, _, _, sub = events["storm"]
    storm_day, typical = con.execute("""
        with d as (select received_at::date as day, count(*) as n from requests where subcategory = ? group by 1)
        select max(n) filter (where day = ?::date), median(n) from d""", [sub, peak]).fetchone()
    assert storm_day > 10 * typical
    incidents = con.execute("""
        select count(*) filter (where detected_at between ? and ?), count(*) from incidents""", [start, end]).fetchone()
    assert incidents[0] > 20
    start, peak, end, district, street, sub = events["rising"]
    weekly = con.execute("""
        select count(*) filter (where received_at < ? + interval 14 day),
               count(*) filter (where received_at >= ? - interval 14 day and received_at < ?)
        from requests where street = ? and subcategory = ? and received_at >= ?""",
        [start, peak, peak, street, sub, start]).fetchone()
    assert weekly[1] > 3 * max(weekly[0], 1)
    start, peak, end, district, street, sub = events["surge"]
    during, before = con.execute("""
        select count(*) filter (where received_at between ? and ?),
               count(*) filter (where received_at between ? - interval 30 day and ?)
        from requests where street = ? and subcategory = ?""", [start, end, start, start, street, sub]).fetchone()
    assert during > 5 * max(before, 1) / 10


def test_future_rows_exist_for_the_wall_screen(con):
    now = datetime.now()
    if now.hour >= 23:
        pytest.skip("too close to midnight for rows later today")
    later = con.execute("select count(*) from requests where received_at > ?", [now]).fetchone()[0]
    assert later > 0


def test_texts_are_varied_and_masked(con):
    distinct, total = con.execute("select count(distinct text), count(*) from requests").fetchone()
    assert distinct > 0.9 * total
    leaked = con.execute(r"select count(*) from requests where regexp_matches(text, '1[3-9]\d{9}|\d{17}[\dXx]')").fetchone()[0]
    assert leaked == 0


def test_deterministic_for_a_seed(tmp_path):
    small = dict(requests=5_000, incidents=500, months=4)
    a = generate(tmp_path / "a.duckdb", seed=3, **small)
    b = generate(tmp_path / "b.duckdb", seed=3, **small)
    c = generate(tmp_path / "c.duckdb", seed=4, **small)
    def rows(path):
        with duckdb.connect(str(path), read_only=True) as con:
            return (con.execute("select * from requests order by request_id").pl(),
                    con.execute("select * from incidents order by incident_id").pl())
    ra, rb, rc = rows(a), rows(b), rows(c)
    assert ra[0].equals(rb[0]) and ra[1].equals(rb[1])
    assert not ra[0].equals(rc[0])


def test_failed_generation_keeps_previous_file(tmp_path, monkeypatch):
    path = generate(tmp_path / "keep.duckdb", requests=3_000, incidents=300, months=3, seed=1)
    before = path.read_bytes()
    monkeypatch.setattr(taxonomy, "SUBCATEGORIES", ())
    with pytest.raises(Exception):
        generate(path, requests=3_000, incidents=300, months=3, seed=2)
    assert path.read_bytes() == before
