"""The routine comprehensive evaluation (常态化综合评价): 4 dimensions × 12 aims, monthly, per district.

Indicators that requests and incidents can tell are computed from them with
the metric macros of queries/metrics.sql, so the scorecard's 响应率 is the
dashboard's 响应率. The rest are reported by units in real life; the demo
draws them from a persistent district level, a slow improvement, a season and
noise, deterministic for the seed.

score = 100 when the target is met; otherwise 100·value/target when higher is
better and 100·target/value when lower is better (0..100).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import numpy as np
import polars as pl

import queries


@dataclass(frozen=True)
class Definition:
    code: str
    dimension: str
    dimension_en: str
    aim: str
    aim_en: str
    name: str
    name_en: str
    measure_unit: str
    target: float
    higher_is_better: bool
    definition: str
    definition_en: str
    responsible_unit: str
    source: str = ""          # 'requests' or 'incidents' when computed; '' when reported by units
    expression: str = ""      # SQL aggregate over one month of that source's rows
    per_10k: bool = False     # divide by the population, per 10,000 residents
    level: tuple[float, float, float] = (0.0, 0.0, 0.0)  # reported ones: typical value, spread between districts, noise
    season: float = 0.0       # reported ones: winter minus summer

    @property
    def computed(self) -> bool:
        return bool(self.source)


T = "getvariable('as_of')"
RESPONSE = f"100 * rate(count(*) filter (where responded_in_time(received_at, responded_at, {T})), " \
           f"count(*) filter (where due_for_response(received_at, responded_at, {T})))"
ON_TIME = f"100 * rate(count(*) filter (where handled_on_time(handled_at, deadline_at, {T})), " \
          f"count(*) filter (where due_for_handling(handled_at, deadline_at, {T})))"
RESOLVED = f"100 * rate(count(*) filter (where resolved_at_callback(callback_at, resolved, {T})), " \
           f"count(*) filter (where called_back(callback_at, {T})))"
SATISFIED = f"100 * rate(count(*) filter (where satisfied_at_callback(callback_at, satisfied, {T})), " \
            f"count(*) filter (where called_back(callback_at, {T})))"


def closed_in_time(type_name: str) -> str:
    """Share of one incident type closed within its limit: twice the type's expected close time."""
    return (f"100 * rate(count(*) filter (where type = '{type_name}' and closed_at <= {T} and "
            f"closed_at <= detected_at + to_hours(2 * t.close_hours)), count(*) filter (where type = '{type_name}'))")


OPERATION = ("城市运行", "City operation")
MANAGEMENT = ("城市管理", "City management")
SERVICE = ("公众服务", "Public service")
EFFECT = ("工作效能", "Work effectiveness")

DEFINITIONS = (
    Definition("A1.1", *OPERATION, "安全", "Safe", "重大及以上事件占比", "Share of major incidents", "%", 4, False,
               "当月发现的城市运行事件中重大、特别重大事件的比例",
               "Share of the month's incidents of severity 重大 or 特别重大",
               "市应急管理局", "incidents", "100 * rate(count(*) filter (where severity >= 3), count(*))"),
    Definition("A1.2", *OPERATION, "安全", "Safe", "燃气安全隐患整改率", "Gas hazards rectified", "%", 95, True,
               "排查发现的燃气安全隐患中按期整改完成的比例（单位报送）",
               "Share of gas hazards found in inspections that were fixed on time (reported)",
               "市城市管理委员会", level=(95.5, 2.0, 1.0)),
    Definition("A2.1", *OPERATION, "韧性", "Resilient", "积水事件按时处置率", "Waterlogging closed on time", "%", 85,
               True, "道路积水事件在规定时限（预计处置时长的2倍）内处置完毕的比例",
               "Share of road waterlogging incidents closed within the type's time limit",
               "市水务局", "incidents", closed_in_time("道路积水")),
    Definition("A2.2", *OPERATION, "韧性", "Resilient", "应急物资储备达标率", "Emergency supplies up to standard",
               "%", 95, True, "街乡应急物资储备达到标准的比例（单位报送）",
               "Share of streets whose emergency stock meets the standard (reported)",
               "市应急管理局", level=(95.0, 2.5, 0.8)),
    Definition("A3.1", *OPERATION, "健康", "Healthy", "空气质量优良天数比例", "Days with good air", "%", 75, True,
               "空气质量指数不超过100的天数占比（生态环境部门监测）", "Share of days with AQI ≤ 100 (monitoring)",
               "市生态环境局", level=(78.0, 4.0, 6.0), season=-16.0),
    Definition("A3.2", *OPERATION, "健康", "Healthy", "食品安全诉求万人比", "Food-safety requests per 10,000",
               "件/万人", 0.7, False, "当月食品安全类诉求量除以常住人口（万人）",
               "Food-safety requests in the month per 10,000 residents",
               "市市场监督管理局", "requests", "count(*) filter (where subcategory = '食品安全')", True),
    Definition("B1.1", *MANAGEMENT, "干净", "Clean", "环境卫生诉求万人比", "Sanitation requests per 10,000",
               "件/万人", 6.5, False, "当月市容环境类诉求量除以常住人口（万人）",
               "City appearance and sanitation requests in the month per 10,000 residents",
               "市城市管理委员会", "requests", "count(*) filter (where category = '市容环境')", True),
    Definition("B1.2", *MANAGEMENT, "干净", "Clean", "生活垃圾分类准确率", "Waste sorted correctly", "%", 90, True,
               "抽查中生活垃圾分类投放正确的比例（单位报送）", "Share of sampled bins sorted correctly (reported)",
               "市城市管理委员会", level=(89.0, 3.0, 1.2)),
    Definition("B2.1", *MANAGEMENT, "整洁", "Tidy", "暴露垃圾按时处置率", "Exposed rubbish cleared on time", "%", 90,
               True, "暴露垃圾事件在规定时限内处置完毕的比例",
               "Share of exposed-rubbish incidents closed within the time limit",
               "市城市管理委员会", "incidents", closed_in_time("暴露垃圾")),
    Definition("B2.2", *MANAGEMENT, "整洁", "Tidy", "违法建设诉求万人比", "Illegal-construction requests per 10,000",
               "件/万人", 1.0, False, "当月违法建设类诉求量除以常住人口（万人）",
               "Illegal-construction requests in the month per 10,000 residents",
               "市规划和自然资源委员会", "requests", "count(*) filter (where subcategory = '违法建设')", True),
    Definition("B3.1", *MANAGEMENT, "有序", "Orderly", "违章停车按时处置率", "Illegal parking cleared on time", "%", 92,
               True, "违章停车事件在规定时限内处置完毕的比例",
               "Share of illegal-parking incidents closed within the time limit",
               "市公安局公安交通管理局", "incidents", closed_in_time("违章停车")),
    Definition("B3.2", *MANAGEMENT, "有序", "Orderly", "占道经营诉求万人比", "Street-vending requests per 10,000",
               "件/万人", 1.1, False, "当月占道经营类诉求量除以常住人口（万人）",
               "Street-vending requests in the month per 10,000 residents",
               "市城市管理委员会", "requests", "count(*) filter (where subcategory = '占道经营')", True),
    Definition("C1.1", *SERVICE, "高效", "Efficient", "响应率", "Response rate", "%", 98, True,
               "24小时内联系诉求人的工单占应响应工单的比例", "Requests whose caller was contacted within 24 h, "
               "out of those due for a response", "市政务服务和数据管理局", "requests", RESPONSE),
    Definition("C1.2", *SERVICE, "高效", "Efficient", "按时办结率", "On-time rate", "%", 92, True,
               "在办结时限内办结的工单占应办结工单的比例", "Requests handled by their deadline, out of those handled "
               "or past the deadline", "市政务服务和数据管理局", "requests", ON_TIME),
    Definition("C2.1", *SERVICE, "精准", "Precise", "解决率", "Resolution rate", "%", 88, True,
               "回访中诉求人表示问题已解决的比例", "Share of called-back requests the citizen calls solved",
               "市政务服务和数据管理局", "requests", RESOLVED),
    Definition("C2.2", *SERVICE, "精准", "Precise", "重复诉求率", "Repeat requests", "%", 6, False,
               "同一问题再次来电的工单占全部工单的比例", "Requests about a problem already reported, out of all",
               "市政务服务和数据管理局", "requests", "100 * rate(count(*) filter (where repeat_of is not null), count(*))"),
    Definition("C3.1", *SERVICE, "满意", "Satisfying", "满意率", "Satisfaction rate", "%", 90, True,
               "回访中诉求人表示满意的比例", "Share of called-back requests whose citizen is satisfied",
               "市政务服务和数据管理局", "requests", SATISFIED),
    Definition("C3.2", *SERVICE, "满意", "Satisfying", "市民满意度评分", "Citizen satisfaction score", "分", 85, True,
               "回访评分（1–5分）的平均值折算为百分制", "Mean callback score (1–5) on a 100-point scale",
               "市政务服务和数据管理局", "requests", f"20 * avg(satisfaction_score) filter (where called_back(callback_at, {T}))"),
    Definition("D1.1", *EFFECT, "机制", "Mechanism", "吹哨报到平均到场时长", "Whistle to arrival", "小时", 12, False,
               "街乡吹哨后被召集部门到场报到的平均时长", "Mean time from a street's whistle to the departments' arrival",
               "市政务服务和数据管理局", "requests",
               f"avg(epoch(arrived_at - whistle_at) / 3600) filter (where arrived_at <= {T})"),
    Definition("D1.2", *EFFECT, "机制", "Mechanism", "重新派单率", "Reopened requests", "%", 5, False,
               "回访不满意后重新派单的工单占已回访工单的比例", "Called-back requests sent back to the unit",
               "市政务服务和数据管理局", "requests",
               f"100 * rate(count(*) filter (where reopened and called_back(callback_at, {T})), "
               f"count(*) filter (where called_back(callback_at, {T})))"),
    Definition("D2.1", *EFFECT, "技术", "Technology", "感知设备在线率", "Sensors online", "%", 95, True,
               "物联感知设备平均在线比例（平台监测）", "Mean share of IoT sensors online (platform monitoring)",
               "市政务服务和数据管理局", level=(95.5, 1.8, 0.8)),
    Definition("D2.2", *EFFECT, "技术", "Technology", "数据共享率", "Data sharing rate", "%", 90, True,
               "按目录应共享的数据中实际共享的比例（单位报送）", "Share of catalogued data actually shared (reported)",
               "市政务服务和数据管理局", level=(89.0, 3.5, 1.0)),
    Definition("D3.1", *EFFECT, "效果", "Results", "事件平均到场时长", "Incident time to site", "分钟", 60, False,
               "城市运行事件从发现到处置人员到场的平均时长", "Mean time from detection to a unit on site",
               "市应急管理局", "incidents", f"avg(epoch(onsite_at - detected_at) / 60) filter (where onsite_at <= {T})"),
    Definition("D3.2", *EFFECT, "效果", "Results", "城市体检问题整改率", "City check-up issues fixed", "%", 85, True,
               "城市体检发现问题中已完成整改的比例（单位报送）", "Share of city check-up findings fixed (reported)",
               "市住房和城乡建设委员会", level=(84.0, 5.0, 1.5)),
)


def build_indicators(con: duckdb.DuckDBPyConnection, as_of: datetime, seed: int) -> None:
    """Refill indicator_definitions and indicators (idempotent) for every month of data up to as_of."""
    cursor = queries.prepare(con)
    cursor.execute("set variable as_of = ?", [as_of])
    cursor.execute("delete from indicator_definitions")
    cursor.register("definitions", definitions_frame())
    cursor.execute("insert into indicator_definitions by name select * from definitions")
    population = cursor.execute("select district, population from districts").pl()
    values = pl.concat([computed(cursor, "requests", "received_at"), computed(cursor, "incidents", "detected_at")],
                       how="vertical_relaxed")
    values = per_capita(values, population)
    months = values.select("period").unique()
    values = pl.concat([values, reported(months, population, seed)], how="vertical_relaxed")
    rows = score(values)
    cursor.execute("delete from indicators")
    cursor.register("rows", rows)
    cursor.execute("insert into indicators by name select * from rows")


def definitions_frame() -> pl.DataFrame:
    return pl.DataFrame([{
        "code": d.code, "dimension": d.dimension, "dimension_en": d.dimension_en, "aim": d.aim, "aim_en": d.aim_en,
        "name": d.name, "name_en": d.name_en, "measure_unit": d.measure_unit, "target": float(d.target),
        "higher_is_better": d.higher_is_better, "computed": d.computed, "definition": d.definition,
        "definition_en": d.definition_en, "responsible_unit": d.responsible_unit} for d in DEFINITIONS])


def computed(cursor: duckdb.DuckDBPyConnection, source: str, moment: str) -> pl.DataFrame:
    """One row per month × district (and the city, district NULL) × indicator computed from source."""
    chosen = [d for d in DEFINITIONS if d.source == source]
    columns = ", ".join(f'{d.expression} as "{d.code}"' for d in chosen)
    join = "left join incident_types t using (type)" if source == "incidents" else ""
    wide = cursor.execute(f"""
        select date_trunc('month', {moment})::date as period, district, {columns}
        from {source} {join}
        where {moment} <= {T}
        group by grouping sets ((period, district), (period))""").pl()
    return wide.unpivot(index=["period", "district"], variable_name="code", value_name="value")


def per_capita(values: pl.DataFrame, population: pl.DataFrame) -> pl.DataFrame:
    codes = [d.code for d in DEFINITIONS if d.per_10k]
    city = population["population"].sum()
    people = values.join(population, on="district", how="left").with_columns(
        pl.col("population").fill_null(city))
    return people.with_columns(
        pl.when(pl.col("code").is_in(codes)).then(pl.col("value") * 10_000 / pl.col("population"))
        .otherwise(pl.col("value")).alias("value")).drop("population")


def reported(months: pl.DataFrame, population: pl.DataFrame, seed: int) -> pl.DataFrame:
    """Unit-reported indicators: each district keeps its level, improves slowly, and varies month to month."""
    rng = np.random.default_rng([seed, 9])
    periods = sorted(months["period"].to_list())
    districts = population["district"].to_list()
    weights = population["population"].to_numpy() / population["population"].sum()
    rows = []
    for d in (d for d in DEFINITIONS if not d.computed):
        typical, spread, noise = d.level
        offset = rng.normal(0, spread, len(districts))
        for i, period in enumerate(periods):
            winter = np.cos(2 * np.pi * (period.month - 1) / 12)  # 1 in January, -1 in July
            value = typical + offset + 0.08 * i + d.season * winter / 2 + rng.normal(0, noise, len(districts))
            value = np.clip(value, 0, 100)
            rows += [{"period": period, "district": name, "code": d.code, "value": float(v)}
                     for name, v in zip(districts, value)]
            rows.append({"period": period, "district": None, "code": d.code, "value": float(value @ weights)})
    return pl.DataFrame(rows, schema={"period": pl.Date, "district": pl.String, "code": pl.String, "value": pl.Float64})


def score(values: pl.DataFrame) -> pl.DataFrame:
    meta = definitions_frame().select("code", "dimension", "aim", "name", "measure_unit", "target",
                                      "higher_is_better", "responsible_unit")
    ratio = pl.when(pl.col("higher_is_better")).then(pl.col("value") / pl.col("target")) \
        .otherwise(pl.when(pl.col("value") > 0).then(pl.col("target") / pl.col("value")).otherwise(1.0))
    return values.join(meta, on="code").with_columns(
        (100 * ratio).clip(0, 100).alias("score"))
