"""Interface words in Chinese (default) and English, one entry per label, and place/topic names per language.

A metric's name and definition are not here but in queries/metrics.py: t(key) reads them from there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import polars as pl
import streamlit as st

from queries.metrics import METRICS

LANGUAGES = ("zh", "en")

LABELS: dict[str, tuple[str, str]] = {
    "app_title": ("城市运行一网统管", "City Operations Centre"),
    "language": ("语言", "Language"),
    "generating": ("首次启动：正在生成演示城市数据…", "First start: generating the demo city…"),
    # pages
    "overview": ("总览", "Overview"),
    "requests_page": ("接诉即办", "Requests"),
    "incidents_page": ("城市运行", "Incidents"),
    "evaluation_page": ("综合评价", "Evaluation"),
    "warnings_page": ("预警", "Early warnings"),
    "topics_page": ("每月一题", "Topic of the month"),
    # the filter bar
    "period": ("时间范围", "Period"),
    "period_today": ("今日", "Today"),
    "period_7d": ("近7天", "Last 7 days"),
    "period_30d": ("近30天", "Last 30 days"),
    "period_90d": ("近90天", "Last 90 days"),
    "period_365d": ("近一年", "Last 12 months"),
    "period_custom": ("自定义", "Custom"),
    "date_range": ("起止日期", "From – to"),
    "filter_districts": ("区", "Districts"),
    "filter_streets": ("街道/乡镇", "Streets"),
    "filter_categories": ("诉求大类", "Categories"),
    "filter_subcategories": ("诉求小类", "Subcategories"),
    "filter_channels": ("受理渠道", "Channels"),
    "filter_units": ("承办单位", "Units"),
    "all": ("全部", "All"),
    "clear_filters": ("清除筛选", "Clear filters"),
    # numbers and tiles
    "today": ("今日", "Today"),
    "received_today": ("今日受理", "Received today"),
    "target": ("目标", "Target"),
    "delta_vs_previous": ("较上期", "vs prior period"),
    "open_incidents": ("在办事件", "Open incidents"),
    "severe_open": ("重大及以上事件", "Severe incidents open"),
    "as_of": ("数据截至", "Data as of"),
    "no_data": ("暂无数据", "No data"),
    "requests": ("诉求量", "Requests"),
    "this_period": ("本期", "This period"),
    "year_ago": ("去年同期", "A year earlier"),
    "previous_period": ("上期", "Previous period"),
    "change": ("环比", "Change"),
    "date": ("日期", "Date"),
    "district": ("区", "District"),
    "street": ("街道", "Street"),
    "unit": ("承办单位", "Unit"),
    "category": ("大类", "Category"),
    "subcategory": ("小类", "Subcategory"),
    "channel": ("渠道", "Channel"),
    "kind": ("诉求类型", "Kind"),
    # overview
    "alert_overdue": ("超期未办结 {n} 件", "{n} requests overdue"),
    "alert_late_incidents": ("超 {h} 小时未处置事件 {n} 起", "{n} incidents open over {h} h"),
    "alert_warnings": ("预警 {n} 条：{strongest}", "{n} warnings: {strongest}"),
    "alert_none": ("暂无需要提醒的事项", "Nothing needs attention"),
    "map": ("城市运行一张图", "The city on one map"),
    # warnings (未诉先办)
    "warnings_title": ("预警 · 未诉先办", "Early warnings · act before the calls come"),
    "warnings_judged": ("预警计算至 {day}（每日随数据更新）", "Warnings computed to {day} (with every data update)"),
    "warnings_active": ("生效预警", "Active warnings"),
    "warnings_unacknowledged": ("待确认", "Unacknowledged"),
    "warning_surge": ("突增", "Surge"),
    "warning_rising": ("持续上升", "Rising"),
    "warning_street": ("街道", "Street"),
    "warning_district": ("区", "District"),
    "warning_status_new": ("新", "New"),
    "warning_status_acknowledged": ("已确认", "Acknowledged"),
    "warning_status_closed": ("已关闭", "Closed"),
    "warnings_only_active": ("只看近 {n} 天仍在触发的", "Only those firing in the last {n} days"),
    "warnings_list": ("预警清单（按状态、最近触发和强度排序）", "Warnings (by status, last fired and strength)"),
    "analytics_missing": ("这个数据库还没有预警、预测和每月一题：运行 python -m queries.analytics --db 数据库文件 即可计算",
                          "This database has no warnings, forecast or topics yet: run python -m queries.analytics "
                          "--db FILE to compute them"),
    "warnings_none": ("当前没有预警", "No warnings now"),
    "warnings_pick": ("在清单中选择一条预警，查看其走势并处理", "Pick a warning in the list to see its chart and act on it"),
    "warning_kind": ("类型", "Kind"),
    "warning_level": ("层级", "Level"),
    "first_seen": ("首次发现", "First seen"),
    "last_seen": ("最近触发", "Last fired"),
    "observed": ("实际", "Observed"),
    "expected": ("预期", "Expected"),
    "ratio": ("倍数", "Ratio"),
    "warning_score": ("强度", "Strength"),
    "status": ("状态", "Status"),
    "score_help": ("统计显著性：-log10(尾概率)，7 即千万分之一",
                   "Significance: -log10 of the tail probability; 7 = one in ten million"),
    "warning_surge_help": ("近3天诉求量远超预期（泊松尾概率 < 10⁻⁷ 且至少为预期的1.5倍）",
                           "The last 3 days far above expected (Poisson tail < 10⁻⁷ and at least 1.5× expected)"),
    "warning_rising_help": ("近4周持续攀升：至少两周明显高于预期、后两周多于前两周、不集中于个别几天",
                            "A climb over 4 weeks: two or more weeks clearly above expected, the second fortnight "
                            "above the first, not concentrated in a few days"),
    "warning_band": ("预期区间（95%）", "Expected band (95 %)"),
    "acknowledge": ("确认", "Acknowledge"),
    "close_warning": ("关闭", "Close"),
    "reopen_warning": ("重新打开", "Reopen"),
    "forecast_title": ("未来7天诉求量预测", "Requests, the next 7 days"),
    "forecast_help": ("Holt-Winters 季节性模型；区间为回测误差的10%–90%分位（80%区间）",
                      "Holt-Winters with a weekly season; the band is the 10th–90th percentile of back-test errors"),
    "forecast_actual": ("实际", "Actual"),
    "forecast": ("预测", "Forecast"),
    "forecast_tomorrow": ("明日预测", "Tomorrow, forecast"),
    "forecast_by_district": ("各区未来7天预测", "The next 7 days by district"),
    "warnings_map": ("预警分布", "Where the warnings are"),
    "layer_warnings": ("预警", "Warnings"),
    # closed is not fixed (办结不等于解决)
    "quality_title": ("办结质量 · 办结不等于解决", "Closed is not fixed"),
    "quality_help": ("期内受理且已办结的诉求：被退回重办、30天内同网格同类问题再次出现、回访称解决但不满意、回访未解决",
                     "Requests of the period handled by now: sent back, the same problem back in the same grid within "
                     "30 days, called solved but unsatisfied, not solved at the callback"),
    "quality_table": ("办结质量（点击列名排序）", "Handling quality (click a column to sort)"),
    "handled": ("已办结", "Handled"),
    "called_back": ("已回访", "Called back"),
    "repeated_30d": ("30天内复发", "Back within 30 days"),
    "quality": ("质量分", "Quality"),
    "quality_score_help": ("100 ×（1 − 四项比例的平均）：没有复发、没有不满意即为100",
                           "100 × (1 − the mean of the four shares): 100 when nothing came back and nobody "
                           "was unhappy"),
    "quality_rank": ("质量排名", "Quality rank"),
    # topics (每月一题)
    "topics_title": ("每月一题 · 候选问题", "Topic of the month: the candidates"),
    "topics_caption": ("从诉求文本中聚类出的具体问题，按“量 × 增长 × (1+重复率) × (1+不满意率)”排序；增长已扣除季节和全市变化",
                       "Problems clustered from the request texts, ranked by volume × growth × (1 + repeat rate) × "
                       "(1 + unsatisfied rate); growth is net of the season and the city-wide change"),
    "topics_none": ("该月还没有计算候选问题（导入或生成数据后自动计算）",
                    "No topics computed for this month yet (they are computed after every import or generation)"),
    "topics_list": ("{month} 候选问题", "Candidates, {month}"),
    "keywords": ("关键词", "Keywords"),
    "topic_month": ("月份", "Month"),
    "growth": ("增长", "Growth"),
    "growth_help": ("（本月量 − 预期）/（预期 + 1）；预期取上月该街道同类问题按全市季节变化折算，与本街道应占份额中的较大者",
                    "(volume − expected) / (expected + 1); expected is the larger of last month's volume there scaled "
                    "by the season city-wide, and the street's fair share of this month's city-wide volume"),
    "repeat_rate": ("重复率", "Repeat rate"),
    "unsatisfied_rate": ("不满意率", "Unsatisfied"),
    "topic_score_help": ("量 × 增长 × (1+重复率) × (1+不满意率)", "volume × growth × (1 + repeat rate) × (1 + unsatisfied)"),
    "topic_samples": ("诉求原文（已脱敏）", "Requests as written (personal data masked)"),
    "trend_30d": ("近30天诉求趋势", "Requests, last 30 days"),
    "top_week": ("本周高频问题", "Top problems this week"),
    "district_ranking": ("各区排名", "Districts ranked"),
    "incidents_by_severity": ("在办事件（按等级）", "Open incidents by severity"),
    "emergency_on": ("平急转换：应急状态", "Emergency mode is on"),
    "emergency_auto": ("在办重大及以上事件达 {n} 起，已自动切换至应急状态",
                       "{n} severe incidents open: emergency mode switched on by itself"),
    "emergency_surge": ("区域性诉求突增（{strongest}），已自动切换至应急状态",
                        "A district-wide surge ({strongest}): emergency mode switched on by itself"),
    "rotating": ("轮播中", "Rotating pages"),
    "most_severe_open": ("最紧急的在办事件", "Most severe open incidents"),
    # the map
    "map_layers": ("图层", "Layers"),
    "layer_hexagons": ("诉求热力", "Request density"),
    "layer_areas": ("分区着色", "Areas by measure"),
    "layer_incidents": ("在办事件", "Open incidents"),
    "layer_whistles": ("吹哨与事件", "Whistles and events"),
    "map_event": ("演示事件", "demo event"),
    "map_measure": ("着色指标", "Colour areas by"),
    "map_extrude": ("立体", "3D"),
    "map_reset": ("复位", "Reset view"),
    "map_density": ("诉求密度", "Requests"),
    "map_no_boundaries": ("该数据没有区划边界，分区着色不可用；热力与事件照常显示",
                          "No boundaries came with this data: areas cannot be coloured; density and incidents still show"),
    "per_10k": ("万人诉求量", "Per 10,000 residents"),
    "low": ("低", "low"),
    "high": ("高", "high"),
    # tables
    "repeats": ("重复诉求", "Repeat requests"),
    "request_id": ("工单号", "Ticket"),
    "received_at": ("受理时间", "Received"),
    "deadline_at": ("办结时限", "Deadline"),
    "hours_overdue": ("超期（小时）", "Hours overdue"),
    "text": ("诉求内容", "Request"),
    "stage": ("状态", "Stage"),
    "incident_id": ("事件编号", "Incident"),
    "severity": ("等级", "Severity"),
    "detected_at": ("发现时间", "Detected"),
    "age_minutes": ("已持续（分钟）", "Open for (min)"),
    "type": ("事件类型", "Type"),
    "source": ("发现方式", "Source"),
    # the requests page
    "trend": ("诉求趋势", "Requests over time"),
    "bucket": ("统计粒度", "Counted by"),
    "bucket_day": ("按日", "Daily"),
    "bucket_week": ("按周", "Weekly"),
    "bucket_month": ("按月", "Monthly"),
    "channels_and_kinds": ("受理渠道与诉求类型", "Channels and kinds"),
    "top_category": ("诉求大类排名", "Categories ranked"),
    "top_subcategory": ("诉求小类排名", "Subcategories ranked"),
    "rates_ranked": ("三率排名", "The rates, ranked"),
    "rank_by": ("排名维度", "Rank by"),
    "overdue_requests": ("超期未办结工单", "Overdue requests"),
    "repeat_requests": ("重复诉求集中的街道与问题", "Where problems come back"),
    "whistles": ("吹哨报到", "Whistles (吹哨报到)"),
    "whistles_help": ("已报到 / 吹哨次数；吹哨到部门报到的平均与P90用时",
                      "Departments arrived / whistles blown; hours from whistle to arrival, mean and p90"),
    "arrival_hours": ("报到用时 均值 {mean} 小时 · P90 {p90} 小时", "arrival {mean} h mean · {p90} h p90"),
    "tickets": ("工单列表", "Tickets"),
    "list_limit": ("显示最近 {n} 条；选中一行查看办理过程", "The latest {n} shown; pick a row to see its life cycle"),
    "callback": ("回访", "Callback"),
    "resolved_yes": ("已解决", "solved"),
    "resolved_no": ("未解决", "not solved"),
    "satisfied_yes": ("满意", "satisfied"),
    "satisfied_no": ("不满意", "not satisfied"),
    # the incidents page
    "late_incidents": ("超时未处置", "Open too long"),
    "late_help": ("在办且已持续超过设定时长（CITYOPS_INCIDENT_LATE_HOURS）的事件",
                  "Open incidents older than CITYOPS_INCIDENT_LATE_HOURS"),
    "emergency_switch": ("平急转换（应急状态）", "Emergency mode (平急转换)"),
    "emergency_help": ("开启后总览与大屏以事件为先；在办重大及以上事件达 {n} 起、或出现未确认的区域性突增预警时自动开启",
                       "Puts incidents first on the overview and wall screen; turns on by itself at {n} severe open "
                       "or when a district-wide surge warning is unacknowledged"),
    "lifecycle": ("处置时效", "Life-cycle times"),
    "onsite_mean": ("到场用时（分钟，均值）", "To site, mean (min)"),
    "onsite_p90": ("到场用时（分钟，P90）", "To site, p90 (min)"),
    "close_mean": ("办结用时（小时，均值）", "To close, mean (h)"),
    "close_p90": ("办结用时（小时，P90）", "To close, p90 (h)"),
    "incidents": ("事件数", "Incidents"),
    "incidents_over_time": ("事件趋势（按等级）", "Incidents over time by severity"),
    "incident_list": ("事件列表", "Incident list"),
    "export_help": ("按当前筛选条件导出（个人信息已脱敏）", "Export with the current filters (personal data masked)"),
    "whistles_by_level": ("按哨级", "By level"),
    "ticket_export": ("最近工单（含办理过程）", "Latest tickets with their life cycle"),
    "open_by_type": ("在办事件（按类型）", "Open incidents by type"),
    "incident_export": ("最近事件（含处置过程）", "Latest incidents with their life cycle"),
    "rectification_export": ("未达标指标及责任单位", "Indicators below target and who answers for them"),
    # bulletins
    "lang_code": ("zh", "en"),
    "bulletins": ("通报", "Bulletins"),
    "bulletin_kind": ("通报类型", "Kind"),
    "bulletin_kind_day": ("日通报", "Daily"),
    "bulletin_kind_week": ("周汇总", "Weekly"),
    "bulletin_kind_month": ("月分析", "Monthly"),
    "bulletin_date": ("通报日期（所在日/周/月）", "A day in the period"),
    "bulletin_scope": ("范围：{scope}（在筛选栏选择一个区即生成该区通报）",
                       "For: {scope} (pick one district in the filter bar for its own bulletin)"),
    "bulletin_day": ("12345市民服务热线诉求办理情况日通报", "12345 hotline: daily notice"),
    "bulletin_week": ("12345市民服务热线诉求办理情况周汇总", "12345 hotline: weekly summary"),
    "bulletin_month": ("12345市民服务热线诉求办理情况月度分析", "12345 hotline: monthly analysis"),
    "bulletin_rates": ("一、受理量与三率", "1. Volume and the rates"),
    "bulletin_places_districts": ("二、各区排名（按三率均值）", "2. Districts ranked by the mean of the three rates"),
    "bulletin_places_streets": ("二、街道（乡镇）排名（按三率均值）", "2. Streets ranked by the mean of the three rates"),
    "bulletin_streets_last": ("全市排名后三位的街道（乡镇）", "The three lowest-ranked streets city-wide"),
    "bulletin_backlog": ("在办、超期与重复诉求", "Open, overdue and repeat requests"),
    "bulletin_incidents": ("城市运行事件", "City incidents"),
    "bulletin_nothing_below": ("本月无未达标指标", "No indicator fell below target this month"),
    "bulletin_footer": ("本通报由 cityops 根据工单与事件数据自动生成，口径见指标说明。",
                        "Written by cityops from the request and incident data; see the metric definitions."),
    "three_rates": ("三率均值", "Mean of the three rates"),
    # the import page
    "admin_page": ("数据导入", "Import data"),
    "admin_password": ("管理员口令", "Admin password"),
    "admin_wrong": ("口令不对", "That is not the password"),
    "admin_files": ("导出文件（CSV、Excel、Parquet、Open311 JSON）", "Export files (CSV, Excel, Parquet, Open311 JSON)"),
    "admin_mapping": ("字段映射文件（可选，TOML）", "Mapping file (optional, TOML)"),
    "admin_hint": ("纽约311与Open311导出自动识别；其他格式请附字段映射文件（见 data/mappings/example.toml）",
                   "NYC 311 and Open311 exports are recognised; others need a mapping file (see data/mappings/example.toml)"),
    "admin_mapped": ("字段对应", "columns"),
    "admin_import": ("导入", "Import"),
    "admin_refused": ("下载被拒绝的行", "Download the refused rows"),
    "admin_kind": ("数据类型（上传映射文件时以其为准）", "What the files hold (a mapping file says it itself)"),
    "admin_kind_requests": ("诉求工单", "Requests"),
    "admin_kind_incidents": ("城市运行事件", "Incidents"),
    "admin_kind_indicators": ("评价指标", "Indicators"),
    # the evaluation page
    "no_indicators": ("尚无评价指标数据", "No evaluation indicators yet"),
    "month": ("评价月份", "Month"),
    "scorecard_for": ("评价对象", "Scorecard for"),
    "whole_city": ("全市", "Whole city"),
    "scorecard": ("指标得分卡", "Scorecard"),
    "indicators": ("指标数", "Indicators"),
    "below_target": ("未达标", "Below target"),
    "mean_score": ("平均得分", "Mean score"),
    "computed_share": ("自动计算占比", "Computed share"),
    "computed_help": ("由工单与事件数据自动计算的指标占比，其余为单位填报",
                      "Indicators computed from requests and incidents; the rest are reported by units"),
    "dimension": ("维度", "Dimension"),
    "aim": ("目标方向", "Aim"),
    "code": ("编号", "Code"),
    "indicator": ("指标", "Indicator"),
    "value": ("值", "Value"),
    "measure_unit": ("单位", "Unit"),
    "score": ("得分", "Score"),
    "rank": ("排名", "Rank"),
    "ranked_among": ("参评区数", "Of"),
    "trend_vs_last_month": ("较上月", "vs last month"),
    "definition": ("口径", "Definition"),
    "district_dimension": ("各区分维度得分", "Districts × dimensions"),
    "rectification": ("整改清单", "Rectification list"),
    "gap": ("差距", "Gap"),
    # severities, stages, channels, kinds, whistles
    "severity_1": ("一般", "Minor"),
    "severity_2": ("较大", "Major"),
    "severity_3": ("重大", "Serious"),
    "severity_4": ("特别重大", "Critical"),
    "stage_received": ("已受理", "Received"),
    "stage_dispatched": ("已派单", "Dispatched"),
    "stage_responded": ("已响应", "Responded"),
    "stage_overdue": ("已超期", "Overdue"),
    "stage_handled": ("已办结", "Handled"),
    "stage_closed": ("已回访", "Called back"),
    "stage_detected": ("已发现", "Detected"),
    "stage_acknowledged": ("已确认", "Acknowledged"),
    "stage_onsite": ("已到场", "On site"),
    "channel_hotline": ("12345热线", "12345 hotline"),
    "channel_app": ("APP", "App"),
    "channel_miniprogram": ("小程序", "Mini program"),
    "channel_web": ("网站", "Website"),
    "channel_grid": ("网格员上报", "Grid worker"),
    "kind_consult": ("咨询", "Consultation"),
    "kind_help": ("求助", "Request for help"),
    "kind_complaint": ("投诉", "Complaint"),
    "kind_report": ("举报", "Report"),
    "kind_suggest": ("建议", "Suggestion"),
    "source_sensor": ("物联感知", "Sensor"),
    "source_video": ("视频识别", "Video"),
    "source_patrol": ("巡查上报", "Patrol"),
    "source_drone": ("无人机", "Drone"),
    "source_hotline": ("热线转办", "Hotline"),
    "unit_分": ("分", "pts"),
    "unit_分钟": ("分钟", "min"),
    "unit_小时": ("小时", "h"),
    "unit_件/万人": ("件/万人", "per 10k"),
    "whistle_routine": ("日常哨", "Routine whistle"),
    "whistle_tough": ("攻坚哨", "Tough-case whistle"),
    "whistle_emergency": ("应急哨", "Emergency whistle"),
    "running_bucket": ("进行中，尚未完整（浅色虚线）", "Still running, not yet whole (faint, dotted)"),
    "whole_bucket": ("完整", "Whole"),
    "running_state": ("统计区间", "Counted"),
    "previous_same_stretch": ("上期同期", "Same stretch of previous period"),
    "period_running": ("本期尚未结束，与上期同期比较", "Period still running: compared with the same stretch before"),
}
CODED = ("channel", "kind", "whistle", "stage", "source")  # columns holding codes whose labels live above


_chosen: ContextVar[str | None] = ContextVar("language", default=None)
_names: ContextVar[dict[str, str] | None] = ContextVar("english names", default=None)


def lang() -> str:
    """The interface language: the session's, or the one a bulletin is being written in."""
    return _chosen.get() or st.session_state.get("lang") or "zh"


@contextmanager
def using(language: str, names: dict[str, str]) -> Iterator[None]:
    """Write in language, with these English names, outside a Streamlit session (the bulletins)."""
    tokens = _chosen.set(language), _names.set(names)
    try:
        yield
    finally:
        _chosen.reset(tokens[0])
        _names.reset(tokens[1])


def t(key: str, **values: object) -> str:
    """A label, or a metric's name, in the interface language."""
    zh, en = (METRICS[key].name, METRICS[key].name_en) if key in METRICS else LABELS[key]
    text = en if lang() == "en" else zh
    return text.format(**values) if values else text


def definition(key: str) -> str:
    """A metric's formula in words, in the interface language."""
    return METRICS[key].definition_en if lang() == "en" else METRICS[key].definition


def english_names() -> dict[str, str]:
    """Places, topics, units and types by their English names: a bulletin's, else those handed to the session."""
    names = _names.get()
    return st.session_state.get("english_names", {}) if names is None else names


def hand_names(names: dict[str, str]) -> None:
    """Give the session its English names (the app does, on every run): this module opens no data."""
    st.session_state.english_names = names


def names_of(choices: pl.DataFrame) -> dict[str, str]:
    rows = choices.filter(pl.col("name_en").is_not_null())
    return dict(zip(rows["value"], rows["name_en"]))


def name(value: str) -> str:
    """A place, topic, unit or code in the interface language (an unknown code, e.g. from an import, as is)."""
    for prefix in CODED:
        if f"{prefix}_{value}" in LABELS:
            return t(f"{prefix}_{value}")
    return english_names().get(value, value) if lang() == "en" else value


def translated(rows: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """The frame with its name columns in the interface language: codes by their column, names by English names."""
    names = english_names() if lang() == "en" else {}

    def mapping(column: str) -> dict[str, str]:
        if column not in CODED:
            return names
        return {key[len(column) + 1:]: t(key) for key in LABELS if key.startswith(column + "_")}

    return rows.with_columns(pl.col(c).cast(pl.String).replace(mapping(c)) for c in columns if c in rows.columns)


def labeller(values, label=t):
    """A widget's format_func with its labels fixed now, in the current language (widgets call it later)."""
    labels = {value: label(value) for value in values}
    return labels.__getitem__
