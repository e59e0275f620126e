"""The indicators of the routine comprehensive evaluation (常态化综合评价), each defined once.

4 dimensions × 12 aims; each indicator has a target, a direction, the unit that reports it and, when
requests or incidents can tell it, the SQL that computes it over a month's rows (with the metric
macros of queries/metrics.sql, so the scorecard's 响应率 is the dashboard's). data/indicators.py computes
them; the import of reported indicators (data/ingest/indicators.py) checks against them.

score = 100 when the target is met; otherwise 100·value/target when higher is better and
100·target/value when lower is better, clipped to 0..100; no value, no score.

Targets are set against the default demo city (data/demo/generate.py) so that some districts miss
some of them in some months and the 整改清单 is never empty nor everything. The one volume-dependent
indicator, D3.3 万人诉求量, assumes the default volume of about 150,000 requests a month.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from queries.metrics import METRICS, Metric


@dataclass(frozen=True)
class Reported:
    """How a unit-reported indicator behaves in the demo."""

    typical: float       # the city's level in the latest month
    spread: float        # how far districts sit apart (standard deviation)
    noise: float         # month-to-month wobble (standard deviation)
    trend: float = 0.15  # improvement per month, so earlier months were worse
    season: float = 0.0  # January minus July
    limits: tuple[float, float] = (0.0, 100.0)


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
    source: str = ""               # computed: 'requests' or 'incidents'
    expression: str = ""           # computed: SQL aggregate over one month's rows of source ($names bound)
    per_10k: bool = False          # computed: a count, divided by the area's population in 10,000s
    reported: Reported | None = None

    @property
    def computed(self) -> bool:
        return bool(self.source)


AIMS = {  # aim: (dimension, dimension_en, aim_en)
    "安全": ("城市运行", "City operation", "Safe"),
    "韧性": ("城市运行", "City operation", "Resilient"),
    "健康": ("城市运行", "City operation", "Healthy"),
    "干净": ("城市管理", "City management", "Clean"),
    "整洁": ("城市管理", "City management", "Tidy"),
    "有序": ("城市管理", "City management", "Orderly"),
    "高效": ("公众服务", "Public service", "Efficient"),
    "精准": ("公众服务", "Public service", "Precise"),
    "满意": ("公众服务", "Public service", "Satisfying"),
    "机制": ("工作效能", "Work effectiveness", "Mechanism"),
    "技术": ("工作效能", "Work effectiveness", "Technology"),
    "效果": ("工作效能", "Work effectiveness", "Results"),
}

# 100 when the target is met, else the value's share of it (or the target's of the value), clipped; shared with
# the import of reported indicators (data/ingest/indicators.py).
SCORE = """case when value is null then null
            when (higher_is_better and value >= target) or (not higher_is_better and value <= target) then 100
            when higher_is_better then greatest(0, 100 * value / target)
            else 100 * target / value
       end"""

# Every value an expression needs, bound by DuckDB. Patterns are regular expressions on readable names, so an
# imported city whose vocabulary has no match gets 0, not an error.
PARAMETERS: dict[str, object] = {
    "sanitation": "垃圾|保洁|清扫|厕所|环境卫生",
    "disorder": "违法建设|群租|堆物|小广告|乱贴|传单",
    "street_order": "占道经营|违章停车|乱停",
    "nuisance": "噪声|油烟|扬尘|异味|食品安全",
    "waterlogging": "积水|内涝",
    "lifeline": "燃气|供水|排水|电力|塌陷|管线",
    "gas_fire": "燃气|火",
    "rubbish": "垃圾",
    "illegal_building": "违法建设",
    "parking_vending": "违章停车|占道",
    "machine_sources": ["sensor", "video", "drone"],
    "grid_channel": "grid",
    "slack": 2,  # an incident is late after twice its type's expected time (incident_types)
}

MUNICIPAL = "市城市管理委员会"
SERVICE_BUREAU = "市政务服务和数据管理局"
EMERGENCY = "市应急管理局"
TRAFFIC_POLICE = "市公安局公安交通管理局"


def share(condition: str) -> str:
    """Percentage of the month's rows meeting condition."""
    return f"100 * rate(count(*) filter (where {condition}), count(*))"


def callbacks(measure: str) -> str:
    """Percentage of the called-back requests for which measure holds (解决率, 满意率 and kin)."""
    return f"100 * rate(count(*) filter (where {measure}), count(*) filter (where called_back(callback_at, $t)))"


def incidents_in_time(stage: str, allowed: str, types: str) -> str:
    """Percentage of incidents of the types that reached stage within allowed after detection.

    The request on-time macros apply unchanged with a deadline of detection + allowed; incidents of a type
    without an expected time are left out rather than counted on time.
    """
    deadline = f"detected_at + {allowed}"
    chosen = f"regexp_matches(type, ${types}) and {deadline} is not null"
    return (f"100 * rate(count(*) filter (where {chosen} and handled_on_time({stage}, {deadline}, $t)), "
            f"count(*) filter (where {chosen} and due_for_handling({stage}, {deadline}, $t)))")


def indicator(code: str, aim: str, name: str, name_en: str, measure_unit: str, target: float,
              higher_is_better: bool, definition: str, definition_en: str, responsible_unit: str,
              **how: object) -> Definition:
    dimension, dimension_en, aim_en = AIMS[aim]
    return Definition(code, dimension, dimension_en, aim, aim_en, name, name_en, measure_unit, float(target),
                      higher_is_better, definition, definition_en, responsible_unit, **how)


def rate_indicator(code: str, aim: str, metric: Metric, target: float) -> Definition:
    """A headline rate scored as an indicator: its name, definition and formula from queries/metrics.py."""
    return indicator(code, aim, metric.name, metric.name_en, "%", target, metric.higher_is_better,
                     metric.definition, metric.definition_en, SERVICE_BUREAU, source="requests",
                     expression=metric.expression)


ON_SITE = "to_minutes($slack * onsite_minutes)"
CLOSED = "to_hours($slack * close_hours)"

DEFINITIONS: tuple[Definition, ...] = (
    # 城市运行 · 安全
    indicator("A1.1", "安全", "重大及以上事件占比", "Share of major incidents", "%", 4, False,
              "当月发现的城市运行事件中重大、特别重大（3级及以上）事件的比例",
              "Share of the month's incidents of severity 重大 or 特别重大 (3 and above)",
              EMERGENCY, source="incidents", expression=share("severe(severity)")),
    indicator("A1.2", "安全", "燃气安全隐患整改率", "Gas hazards rectified", "%", 95, True,
              "排查发现的燃气安全隐患中按期整改完成的比例（单位报送）",
              "Share of gas hazards found in inspections that were fixed on time (reported by the unit)",
              MUNICIPAL, reported=Reported(97.0, 1.5, 1.0)),
    indicator("A1.3", "安全", "燃气火情事件到场及时率", "Gas leaks and fires reached in time", "%", 60, True,
              "燃气泄漏、火情事件在该类事件预计到场时长的2倍内到场的比例（已到场或已超时的事件）",
              "Gas leaks and fires with a unit on site within twice the type's expected time, out of those on "
              "site or past that time", EMERGENCY, source="incidents",
              expression=incidents_in_time("onsite_at", ON_SITE, "gas_fire")),
    # 城市运行 · 韧性
    indicator("A2.1", "韧性", "积水事件平均处置时长", "Waterlogging time to clear", "小时", 30, False,
              "道路积水、内涝事件从发现到处置完毕的平均时长",
              "Mean time from detection to closure of waterlogging incidents",
              "市水务局", source="incidents",
              expression="avg(epoch(closed_at - detected_at) / 3600) "
                         "filter (where regexp_matches(type, $waterlogging) and closed_at <= $t)"),
    indicator("A2.2", "韧性", "应急物资储备达标率", "Emergency supplies up to standard", "%", 95, True,
              "街乡应急物资储备达到标准的比例（单位报送）",
              "Share of streets whose emergency stock meets the standard (reported by the unit)",
              EMERGENCY, reported=Reported(96.8, 2.0, 0.8)),
    indicator("A2.3", "韧性", "城市生命线事件按时处置率", "Lifeline incidents closed in time", "%", 75, True,
              "燃气、供排水、电力、路面塌陷等生命线事件在预计处置时长的2倍内处置完毕的比例",
              "Gas, water, power and road-collapse incidents closed within twice the type's expected time, "
              "out of those closed or past that time", MUNICIPAL, source="incidents",
              expression=incidents_in_time("closed_at", CLOSED, "lifeline")),
    # 城市运行 · 健康
    indicator("A3.1", "健康", "空气质量优良天数比例", "Days with good air", "%", 75, True,
              "空气质量指数（AQI）不超过100的天数占当月天数的比例（生态环境部门监测）",
              "Share of the month's days with an AQI of 100 or less (environmental monitoring)",
              "市生态环境局", reported=Reported(80.0, 3.0, 6.0, season=-20.0)),
    indicator("A3.2", "健康", "PM2.5月均浓度", "PM2.5 monthly mean", "μg/m³", 35, False,
              "细颗粒物（PM2.5）当月平均浓度（生态环境部门监测）",
              "Mean fine-particle (PM2.5) concentration over the month (environmental monitoring)",
              "市生态环境局", reported=Reported(30.0, 2.5, 4.0, season=18.0, limits=(5.0, 300.0))),
    indicator("A3.3", "健康", "噪声油烟和食品安全诉求占比", "Noise, fumes and food-safety requests", "%", 14,
              False, "当月诉求中噪声、油烟、扬尘、异味、食品安全类诉求所占比例",
              "Share of the month's requests about noise, cooking fumes, dust, odours or food safety",
              "市生态环境局", source="requests", expression=share("regexp_matches(subcategory, $nuisance)")),
    # 城市管理 · 干净
    indicator("B1.1", "干净", "环境卫生类诉求占比", "Sanitation requests", "%", 10, False,
              "当月诉求中生活垃圾、道路清扫保洁、公共厕所等环境卫生类诉求所占比例",
              "Share of the month's requests about rubbish, street cleaning or public toilets",
              MUNICIPAL, source="requests", expression=share("regexp_matches(subcategory, $sanitation)")),
    indicator("B1.2", "干净", "生活垃圾分类准确率", "Waste sorted correctly", "%", 90, True,
              "抽查中生活垃圾分类投放正确的比例（单位报送）",
              "Share of sampled bins sorted correctly (reported by the unit)",
              MUNICIPAL, reported=Reported(92.0, 2.5, 1.2)),
    indicator("B1.3", "干净", "暴露垃圾按时处置率", "Exposed rubbish cleared in time", "%", 68, True,
              "暴露垃圾事件在预计处置时长的2倍内处置完毕的比例",
              "Exposed-rubbish incidents closed within twice the type's expected time, out of those closed "
              "or past that time", MUNICIPAL, source="incidents",
              expression=incidents_in_time("closed_at", CLOSED, "rubbish")),
    # 城市管理 · 整洁
    indicator("B2.1", "整洁", "违建和乱堆乱贴诉求占比", "Illegal building and clutter requests", "%", 5, False,
              "当月诉求中违法建设、群租房、楼道堆物、小广告等诉求所占比例",
              "Share of the month's requests about illegal building, overcrowded rentals, clutter or flyers",
              MUNICIPAL, source="requests", expression=share("regexp_matches(subcategory, $disorder)")),
    indicator("B2.2", "整洁", "背街小巷环境整治达标率", "Back streets up to standard", "%", 90, True,
              "背街小巷环境精细化整治检查达标的比例（单位报送）",
              "Share of inspected back streets meeting the environment standard (reported by the unit)",
              MUNICIPAL, reported=Reported(92.5, 3.0, 1.0)),
    indicator("B2.3", "整洁", "违法建设事件按时查处率", "Illegal building handled in time", "%", 70, True,
              "违法建设事件在预计处置时长的2倍内查处完毕的比例",
              "Illegal-building incidents closed within twice the type's expected time, out of those closed "
              "or past that time", "市规划和自然资源委员会", source="incidents",
              expression=incidents_in_time("closed_at", CLOSED, "illegal_building")),
    # 城市管理 · 有序
    indicator("B3.1", "有序", "违停和占道经营按时处置率", "Illegal parking and vending cleared in time", "%",
              62, True, "违章停车、占道经营事件在预计处置时长的2倍内处置完毕的比例",
              "Illegal-parking and street-vending incidents closed within twice the type's expected time, out "
              "of those closed or past that time", TRAFFIC_POLICE, source="incidents",
              expression=incidents_in_time("closed_at", CLOSED, "parking_vending")),
    indicator("B3.2", "有序", "街面秩序类诉求占比", "Street-order requests", "%", 6.5, False,
              "当月诉求中占道经营、违章停车、车辆乱停放类诉求所占比例",
              "Share of the month's requests about street vending, illegal or careless parking",
              TRAFFIC_POLICE, source="requests", expression=share("regexp_matches(subcategory, $street_order)")),
    # 公众服务 · 高效
    rate_indicator("C1.1", "高效", METRICS["response_rate"], 98.5),
    rate_indicator("C1.2", "高效", METRICS["on_time_rate"], 89),
    # 公众服务 · 精准
    rate_indicator("C2.1", "精准", METRICS["resolution_rate"], 87),
    indicator("C2.2", "精准", "重复诉求率", "Repeat requests", "%", 6, False,
              "就已反映过的同一问题再次来电的工单占全部工单的比例",
              "Requests about a problem already reported, out of all requests",
              SERVICE_BUREAU, source="requests", expression=share("repeat_of is not null")),
    # 公众服务 · 满意
    rate_indicator("C3.1", "满意", METRICS["satisfaction_rate"], 88.5),
    indicator("C3.2", "满意", "市民满意度评分", "Citizen satisfaction score", "分", 85, True,
              "已回访工单回访评分（1–5分）的平均值折算为百分制（×20）",
              "Mean callback score (1–5) of the called-back requests on a 100-point scale (×20)",
              SERVICE_BUREAU, source="requests",
              expression="20 * avg(satisfaction_score) filter (where called_back(callback_at, $t))"),
    # 工作效能 · 机制
    indicator("D1.1", "机制", "吹哨报到平均到场时长", "Whistle to arrival", "小时", 14, False,
              "街乡吹哨后被召集部门到场报到的平均时长（已报到的）",
              "Mean time from a street's whistle to the summoned departments reporting on site",
              SERVICE_BUREAU, source="requests",
              expression="avg(epoch(arrived_at - whistle_at) / 3600) filter (where arrived_at <= $t)"),
    indicator("D1.2", "机制", "重新派单率", "Reopened requests", "%", 5.5, False,
              "已回访工单中因未解决而重新派单的比例",
              "Called-back requests sent back to the unit after a failed callback",
              SERVICE_BUREAU, source="requests", expression=callbacks("reopened and called_back(callback_at, $t)")),
    indicator("D1.3", "机制", "网格主动发现率", "Found by grid patrols", "%", 9.5, True,
              "网格员巡查主动发现上报的工单占全部工单的比例",
              "Share of the month's requests reported by grid workers on patrol rather than by citizens",
              MUNICIPAL, source="requests", expression=share("channel = $grid_channel")),
    # 工作效能 · 技术
    indicator("D2.1", "技术", "感知设备在线率", "Sensors online", "%", 95, True,
              "物联感知设备平均在线比例（平台监测）",
              "Mean share of IoT sensors online (platform monitoring)",
              SERVICE_BUREAU, reported=Reported(96.8, 1.5, 0.8)),
    indicator("D2.2", "技术", "数据共享率", "Data sharing rate", "%", 90, True,
              "按共享目录应共享的数据中实际共享的比例（单位报送）",
              "Share of catalogued data actually shared (reported by the unit)",
              SERVICE_BUREAU, reported=Reported(91.5, 3.5, 1.0)),
    indicator("D2.3", "技术", "事件智能发现率", "Incidents found by machines", "%", 68, True,
              "城市运行事件中由物联传感、视频智能分析和无人机发现的比例",
              "Share of the month's incidents detected by sensors, video analytics or drones",
              SERVICE_BUREAU, source="incidents", expression=share("list_contains($machine_sources, source)")),
    # 工作效能 · 效果
    indicator("D3.1", "效果", "事件平均到场时长", "Incident time to site", "分钟", 65, False,
              "城市运行事件从发现到处置人员到场的平均时长（已到场的）",
              "Mean time from detection to a unit on site, over incidents reached",
              EMERGENCY, source="incidents",
              expression="avg(epoch(onsite_at - detected_at) / 60) filter (where onsite_at <= $t)"),
    indicator("D3.2", "效果", "城市体检问题整改率", "City check-up issues fixed", "%", 85, True,
              "城市体检发现问题中已完成整改的比例（单位报送）",
              "Share of city check-up findings fixed (reported by the unit)",
              "市住房和城乡建设委员会", reported=Reported(88.0, 4.0, 1.5)),
    indicator("D3.3", "效果", "万人诉求量", "Requests per 10,000 residents", "件/万人", 75, False,
              "当月受理诉求量除以常住人口（万人）",
              "Requests received in the month per 10,000 residents",
              SERVICE_BUREAU, source="requests", expression="count(*)", per_10k=True),
)


def definitions_frame() -> pl.DataFrame:
    return pl.DataFrame([{
        "code": d.code, "dimension": d.dimension, "dimension_en": d.dimension_en, "aim": d.aim, "aim_en": d.aim_en,
        "name": d.name, "name_en": d.name_en, "measure_unit": d.measure_unit, "target": d.target,
        "higher_is_better": d.higher_is_better, "computed": d.computed, "definition": d.definition,
        "definition_en": d.definition_en, "responsible_unit": d.responsible_unit, "per_10k": d.per_10k,
    } for d in DEFINITIONS])
