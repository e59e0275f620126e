"""Interface words in Chinese (default) and English, one entry per label."""

from __future__ import annotations

import streamlit as st

LANGUAGES = ("zh", "en")

LABELS: dict[str, tuple[str, str]] = {
    "app_title": ("城市运行一网统管", "City Operations Centre"),
    "overview": ("总览", "Overview"),
    "language": ("语言", "Language"),
    "generating": ("首次启动：正在生成演示城市数据…", "First start: generating the demo city…"),
    "today": ("今日", "Today"),
    "last_30_days": ("近30天", "Last 30 days"),
    "response_rate": ("响应率", "Response rate"),
    "resolution_rate": ("解决率", "Resolution rate"),
    "satisfaction_rate": ("满意率", "Satisfaction rate"),
    "on_time_rate": ("按时办结率", "On-time rate"),
    "received": ("受理诉求", "Requests received"),
    "open_now": ("在办工单", "Open now"),
    "by_district": ("各区诉求量（近30天）", "Requests by district (last 30 days)"),
    "district": ("区", "District"),
    "requests": ("诉求量", "Requests"),
    "as_of": ("数据截至", "Data as of"),
    "no_data": ("暂无数据", "No data"),
}


def lang() -> str:
    return st.session_state.get("lang", "zh")


def t(key: str) -> str:
    zh, en = LABELS[key]
    return en if lang() == "en" else zh
