"""The evaluation indicators: their shape, and every computed one against a plain-Python computation."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, timedelta
from functools import partial

import duckdb
import polars as pl
import pytest

from data import db
from data.demo.reported import reported_values
from data.indicator_definitions import DEFINITIONS
from data.indicators import build_indicators

AS_OF = datetime(2025, 3, 11)  # March is the partial current month
SEED = 5
POPULATION = {"甲区": 100_000, "乙区": 250_000, "丙区": 50_000}  # 丙区 has no rows at all
MONTHS = (date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1))
TYPES = {"道路积水": (30, 6), "暴露垃圾": (60, 6), "燃气泄漏": (18, 5), "火情": (12, 3), "供水管线爆裂": (35, 12),
         "违章停车": (30, 2), "违法建设": (120, 72)}  # type: (onsite_minutes, close_hours)
SUBCATEGORIES = ("生活垃圾清运不及时", "道路清扫保洁", "违法建设", "楼道堆物", "占道经营", "违章停车", "施工噪声",
                 "食品安全", "物业服务不到位", "政策咨询")
CLEAN, TIDY = {"生活垃圾清运不及时", "道路清扫保洁"}, {"违法建设", "楼道堆物"}
ORDER, NUISANCE = {"占道经营", "违章停车"}, {"施工噪声", "食品安全"}
MACHINES = {"sensor", "video", "drone"}
COMPUTED = {d.code for d in DEFINITIONS if d.computed}


def maybe(rng, chance, value):
    return value if rng.random() < chance else None


def later(rng, moment, hours):
    return moment + timedelta(seconds=rng.uniform(0, hours * 3600)) if moment else None


def draw_requests(rng: random.Random, n: int) -> list[dict]:
    """Requests from early January to as_of; some stages fall after as_of, which must count as not yet happened."""
    start = datetime(2025, 1, 3)
    rows = []
    for i in range(n):
        received = later(rng, start, (AS_OF - start).total_seconds() / 3600)
        handled = maybe(rng, 0.85, later(rng, received, 120))
        callback = maybe(rng, 0.8, later(rng, handled, 48))
        whistle_at = maybe(rng, 0.15, received + timedelta(hours=2))
        rows.append({
            "request_id": f"R{i}", "source": "test", "channel": rng.choice(("hotline", "grid", "app")),
            "kind": "complaint", "category": "测试", "subcategory": rng.choice(SUBCATEGORIES),
            "district": rng.choice(("甲区", "甲区", "乙区", None)), "received_at": received,
            "responded_at": maybe(rng, 0.9, later(rng, received, 40)), "handled_at": handled,
            "callback_at": callback, "deadline_at": received + timedelta(hours=rng.choice((24, 72))),
            "resolved": callback and rng.random() < 0.8, "satisfied": callback and rng.random() < 0.85,
            "satisfaction_score": rng.randint(1, 5) if callback else None,
            "repeat_of": maybe(rng, 0.1, "R0"), "reopened": rng.random() < 0.1,
            "whistle": "routine" if whistle_at else "none", "whistle_at": whistle_at,
            "arrived_at": maybe(rng, 0.8, later(rng, whistle_at, 30)),
        })
    return rows


def draw_incidents(rng: random.Random, n: int) -> list[dict]:
    start = datetime(2025, 1, 5)
    rows = []
    for i in range(n):
        detected = later(rng, start, (AS_OF - start).total_seconds() / 3600)
        onsite = maybe(rng, 0.9, later(rng, detected, 3))
        rows.append({
            "incident_id": f"E{i}", "source": rng.choice(("sensor", "video", "patrol", "drone", "hotline")),
            "type": rng.choice((*TYPES, "未登记类型")), "severity": rng.randint(1, 4), "detected_at": detected,
            "onsite_at": onsite, "closed_at": maybe(rng, 0.85, later(rng, onsite, 30)),
            "district": rng.choice(("甲区", "乙区", "乙区", None)), "status": "closed",
        })
    return rows


def build(requests: list[dict], incidents: list[dict], as_of: datetime = AS_OF, seed: int = SEED):
    con = duckdb.connect()
    db.create_schema(con)
    con.executemany("insert into districts (district, population) values (?, ?)", list(POPULATION.items()))
    con.executemany("insert into incident_types (type, onsite_minutes, close_hours) values (?, ?, ?)",
                    [(name, *limits) for name, limits in TYPES.items()])
    for table, rows in (("requests", requests), ("incidents", incidents)):
        con.register("frame", pl.DataFrame(rows, infer_schema_length=None))
        con.execute(f"insert into {table} by name select * from frame")
        con.unregister("frame")
    build_indicators(con, as_of, partial(reported_values, seed=seed))
    return con


@pytest.fixture(scope="module")
def rows():
    rng = random.Random(3)
    return draw_requests(rng, 900), draw_incidents(rng, 500)


@pytest.fixture(scope="module")
def tiny(rows):
    con = build(*rows)
    yield con
    con.close()


def frame(con) -> pl.DataFrame:
    return con.execute("select * from indicators order by period, district nulls first, code").pl()


# Plain-Python definitions, written from the schema's comments rather than from the macros.

def done(moment, t):
    return moment is not None and moment <= t


def percent(numerator, denominator):
    return 100 * numerator / denominator if denominator else None


def mean(values):
    values = list(values)
    return sum(values) / len(values) if values else None


def share(rows, test):
    return percent(sum(1 for r in rows if test(r)), len(rows))


def in_time(rows, stage, deadline, t):
    """Reached stage by the deadline, out of the rows that reached it or whose deadline has passed."""
    met = sum(1 for r in rows if done(r[stage], t) and r[stage] <= deadline(r))
    due = sum(1 for r in rows if done(r[stage], t) or deadline(r) <= t)
    return percent(met, due)


def incidents_in_time(rows, types, stage, t):
    chosen = [r for r in rows if r["type"] in types]
    if stage == "onsite_at":
        return in_time(chosen, stage, lambda r: r["detected_at"] + timedelta(minutes=2 * TYPES[r["type"]][0]), t)
    return in_time(chosen, stage, lambda r: r["detected_at"] + timedelta(hours=2 * TYPES[r["type"]][1]), t)


def called(rows, t):
    return [r for r in rows if done(r["callback_at"], t)]


REFERENCES = {  # code: f(requests, incidents, t, population)
    "A1.1": lambda q, e, t, p: share(e, lambda r: r["severity"] >= 3),
    "A1.3": lambda q, e, t, p: incidents_in_time(e, {"燃气泄漏", "火情"}, "onsite_at", t),
    "A2.1": lambda q, e, t, p: mean((r["closed_at"] - r["detected_at"]).total_seconds() / 3600
                                    for r in e if r["type"] == "道路积水" and done(r["closed_at"], t)),
    "A2.3": lambda q, e, t, p: incidents_in_time(e, {"燃气泄漏", "供水管线爆裂"}, "closed_at", t),
    "A3.3": lambda q, e, t, p: share(q, lambda r: r["subcategory"] in NUISANCE),
    "B1.1": lambda q, e, t, p: share(q, lambda r: r["subcategory"] in CLEAN),
    "B1.3": lambda q, e, t, p: incidents_in_time(e, {"暴露垃圾"}, "closed_at", t),
    "B2.1": lambda q, e, t, p: share(q, lambda r: r["subcategory"] in TIDY),
    "B2.3": lambda q, e, t, p: incidents_in_time(e, {"违法建设"}, "closed_at", t),
    "B3.1": lambda q, e, t, p: incidents_in_time(e, {"违章停车"}, "closed_at", t),
    "B3.2": lambda q, e, t, p: share(q, lambda r: r["subcategory"] in ORDER),
    "C1.1": lambda q, e, t, p: in_time(q, "responded_at", lambda r: r["received_at"] + timedelta(hours=24), t),
    "C1.2": lambda q, e, t, p: in_time(q, "handled_at", lambda r: r["deadline_at"], t),
    "C2.1": lambda q, e, t, p: share(called(q, t), lambda r: r["resolved"]),
    "C2.2": lambda q, e, t, p: share(q, lambda r: r["repeat_of"] is not None),
    "C3.1": lambda q, e, t, p: share(called(q, t), lambda r: r["satisfied"]),
    "C3.2": lambda q, e, t, p: mean(20 * r["satisfaction_score"] for r in called(q, t)),
    "D1.1": lambda q, e, t, p: mean((r["arrived_at"] - r["whistle_at"]).total_seconds() / 3600
                                    for r in q if done(r["arrived_at"], t)),
    "D1.2": lambda q, e, t, p: share(called(q, t), lambda r: r["reopened"]),
    "D1.3": lambda q, e, t, p: share(q, lambda r: r["channel"] == "grid"),
    "D2.3": lambda q, e, t, p: share(e, lambda r: r["source"] in MACHINES),
    "D3.1": lambda q, e, t, p: mean((r["onsite_at"] - r["detected_at"]).total_seconds() / 60
                                    for r in e if done(r["onsite_at"], t)),
    "D3.3": lambda q, e, t, p: 10_000 * len(q) / p,
}


def month_of(moment):
    return moment.date().replace(day=1)


def test_four_dimensions_twelve_aims_two_each(tiny):
    assert len(DEFINITIONS) >= 24 and len({d.code for d in DEFINITIONS}) == len(DEFINITIONS)
    assert len({d.dimension for d in DEFINITIONS}) == 4
    per_aim = Counter((d.dimension, d.aim) for d in DEFINITIONS)
    assert len(per_aim) == 12 and min(per_aim.values()) >= 2
    assert len(COMPUTED) >= 10
    stored = tiny.execute("select code, computed, responsible_unit from indicator_definitions order by code").fetchall()
    assert stored == sorted((d.code, d.computed, d.responsible_unit) for d in DEFINITIONS)
    assert all(d.definition and d.definition_en and d.name_en and d.responsible_unit for d in DEFINITIONS)


def test_every_month_area_and_indicator_has_one_row(tiny):
    keys = tiny.execute("select period, district, code from indicators").fetchall()
    assert len(keys) == len(set(keys)) == len(MONTHS) * (len(POPULATION) + 1) * len(DEFINITIONS)
    assert {k[0] for k in keys} == set(MONTHS)
    assert {k[1] for k in keys} == {*POPULATION, None}
    units = tiny.execute("""select count(*) from indicators i join indicator_definitions d using (code)
                            where i.responsible_unit is distinct from d.responsible_unit""").fetchone()[0]
    assert units == 0


@pytest.mark.parametrize("code", sorted(REFERENCES))
def test_computed_indicator_matches_plain_python(tiny, rows, code):
    requests, incidents = rows
    stored = {(p, d): v for p, d, v in tiny.execute(
        "select period, district, value from indicators where code = ?", [code]).fetchall()}
    for month in MONTHS:
        for area in (*POPULATION, None):
            q = [r for r in requests if month_of(r["received_at"]) == month and area in (None, r["district"])]
            e = [r for r in incidents if month_of(r["detected_at"]) == month and area in (None, r["district"])]
            population = POPULATION[area] if area else sum(POPULATION.values())
            expected = REFERENCES[code](q, e, AS_OF, population)
            got = stored[(month, area)]
            assert (got is None) == (expected is None), (month, area)
            assert got is None or got == pytest.approx(expected, rel=1e-9, abs=1e-9), (month, area)


def test_every_computed_indicator_has_a_reference():
    assert set(REFERENCES) == COMPUTED


def test_scores_are_100_exactly_when_the_target_is_met(tiny):
    rows = frame(tiny)
    assert rows.filter(pl.col("value").is_null())["score"].is_null().all()
    valued = rows.filter(pl.col("value").is_not_null())
    assert valued["score"].is_between(0, 100).all()
    met = pl.when(pl.col("higher_is_better")).then(pl.col("value") >= pl.col("target")) \
        .otherwise(pl.col("value") <= pl.col("target"))
    proportional = pl.when(pl.col("higher_is_better")).then(100 * pl.col("value") / pl.col("target")) \
        .otherwise(100 * pl.col("target") / pl.col("value"))
    checked = valued.with_columns(met.alias("met"), proportional.clip(0, 100).alias("expected"))
    assert (checked.filter(pl.col("met"))["score"] == 100).all()
    missed = checked.filter(~pl.col("met"))
    assert missed.height > 0 and (missed["score"] < 100).all()
    assert (missed["score"] - missed["expected"]).abs().max() < 1e-9


def test_a_district_without_rows_has_no_rates_and_zero_counts(tiny):
    values = dict(tiny.execute("select code, value from indicators where district = '丙区' and period = ?",
                               [MONTHS[0]]).fetchall())
    assert values["C1.1"] is None and values["D3.3"] == 0


def test_rebuilding_gives_the_same_rows(tiny):
    before = frame(tiny)
    build_indicators(tiny, AS_OF, partial(reported_values, seed=SEED))
    assert frame(tiny).equals(before)
    assert tiny.execute("select count(*) from indicator_definitions").fetchone()[0] == len(DEFINITIONS)


def test_reported_indicators_follow_the_seed(tiny, rows):
    reported = "select period, district, code, value from indicators i join indicator_definitions d using (code) " \
               "where not d.computed order by all"
    again, other = build(*rows), build(*rows, seed=SEED + 1)
    assert again.execute(reported).fetchall() == tiny.execute(reported).fetchall()
    assert other.execute(reported).fetchall() != tiny.execute(reported).fetchall()


def test_reported_city_value_is_the_population_weighted_mean(tiny):
    values = tiny.execute("""
        select i.period, i.code, max(i.value) filter (where i.district is null),
               sum(i.value * p.population) filter (where i.district is not null) / sum(p.population)
        from indicators i join indicator_definitions d using (code) left join districts p using (district)
        where not d.computed group by all""").fetchall()
    assert values and all(city == pytest.approx(weighted) for _, _, city, weighted in values)
    percents = tiny.execute("""select min(value), max(value) from indicators i join indicator_definitions d
                               using (code) where not d.computed and d.measure_unit = '%'""").fetchone()
    assert 0 <= percents[0] and percents[1] <= 100


def test_midnight_as_of_opens_no_new_month(rows):
    requests, incidents = rows
    cut = datetime(2025, 3, 1)
    con = build([r for r in requests if r["received_at"] <= cut], [e for e in incidents if e["detected_at"] <= cut],
                as_of=cut)
    assert [p for p, in con.execute("select distinct period from indicators order by 1").fetchall()] == list(MONTHS[:2])


# On the generated demo city (tests/conftest.py).

def test_city_response_rate_matches_plain_sql(con):
    month = con.execute("select max(period) - interval 1 month from indicators").fetchone()[0]
    t = datetime.fromisoformat(con.execute("select value from meta where key = 'as_of'").fetchone()[0])
    expected = con.execute("""
        select 100.0 * sum(case when responded_at <= received_at + interval 24 hour and responded_at <= ?
                                then 1 else 0 end)
               / sum(case when responded_at <= ? or received_at + interval 24 hour <= ? then 1 else 0 end)
        from requests where received_at >= ? and received_at < ? + interval 1 month and received_at <= ?""",
        [t, t, t, month, month, t]).fetchone()[0]
    got = con.execute("select value from indicators where code = 'C1.1' and period = ? and district is null",
                      [month]).fetchone()[0]
    assert got == pytest.approx(expected, rel=1e-12)


def test_demo_city_has_a_rectification_list_but_not_everything_fails(con):
    below, total = con.execute("""select count(*) filter (where score < 100), count(score) from indicators
                                  where district is not null""").fetchone()
    assert 0.05 * total < below < 0.6 * total
