"""The one filter bar: kept in st.session_state and mirrored into the URL, so a link opens the same view.

Widgets are keyed f_<name>; the map sets f_districts and f_streets from its click callback.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import streamlit as st

from dashboard.i18n import labeller, name, t
from dashboard.store import choices
from queries import Filter

PERIODS = {"today": 1, "7d": 7, "30d": 30, "90d": 90, "365d": 365, "custom": None}
DEFAULT_PERIOD = "30d"
# filter field -> (URL parameter, dimension in queries/filter_choices.sql, parent field)
LISTS = {
    "districts": ("district", "district", None),
    "streets": ("street", "street", "districts"),
    "categories": ("category", "category", None),
    "subcategories": ("subcategory", "subcategory", "categories"),
    "channels": ("channel", "channel", None),
    "units": ("unit", "unit", None),
}


def options(field: str) -> list[str]:
    """The values a list offers: a street only under the chosen districts, a subcategory under the chosen categories."""
    _, dimension, parent = LISTS[field]
    rows = choices().filter(dimension=dimension)
    chosen_parents = st.session_state.get(f"f_{parent}") if parent else None
    if chosen_parents:
        rows = rows.filter(rows["parent"].is_in(chosen_parents))
    return rows["value"].to_list()


def restore() -> None:
    """Fill the filter state from the URL once per session (a shared link opens the same view)."""
    if "f_period" in st.session_state:
        return
    params = st.query_params
    period = params.get("period", DEFAULT_PERIOD)
    st.session_state.f_period = period if period in PERIODS else DEFAULT_PERIOD
    try:
        st.session_state.f_range = (date.fromisoformat(params["from"]), date.fromisoformat(params["to"]))
    except (KeyError, ValueError):
        st.session_state.pop("f_range", None)
        if st.session_state.f_period == "custom":
            st.session_state.f_period = DEFAULT_PERIOD
    for field, (param, _, _) in LISTS.items():  # parents first, so children are checked against them
        wanted = [value for value in params.get(param, "").split(",") if value]
        st.session_state[f"f_{field}"] = [value for value in wanted if value in set(options(field))]


def publish() -> None:
    """Write the filter state into the URL, leaving out what is at its default."""
    params = st.query_params
    period = st.session_state.get("f_period", DEFAULT_PERIOD)
    params["period"] = period
    for key in ("from", "to"):
        params.pop(key, None)
    if period == "custom" and len(st.session_state.get("f_range") or ()) == 2:
        params["from"], params["to"] = (day.isoformat() for day in st.session_state.f_range)
    for field, (param, _, _) in LISTS.items():
        values = st.session_state.get(f"f_{field}") or []
        if values:
            params[param] = ",".join(values)
        else:
            params.pop(param, None)


def prune(child: str) -> None:
    """A parent changed: keep only the children under the parents still chosen (none when none are)."""
    parent = LISTS[child][2]
    allowed = set(options(child)) if st.session_state.get(f"f_{parent}") else set()
    st.session_state[f"f_{child}"] = [value for value in st.session_state.get(f"f_{child}", []) if value in allowed]


def choose(field: str, values: list[str]) -> None:
    """A click on a chart or the map narrows the filter to what was clicked (from a widget callback)."""
    st.session_state[f"f_{field}"] = list(values)
    _, dimension, parent = LISTS[field]
    if parent and st.session_state.get(f"f_{parent}"):  # keep the clicked values among the offered ones
        rows = choices().filter(dimension=dimension)
        parents = rows.filter(rows["value"].is_in(values))["parent"].to_list()
        st.session_state[f"f_{parent}"] = list(dict.fromkeys([*st.session_state[f"f_{parent}"], *parents]))
    for child, (_, _, up) in LISTS.items():
        if up == field:
            prune(child)


def bar(today: date) -> None:
    """The filter widgets, in the sidebar."""
    with st.sidebar:
        st.selectbox(t("period"), list(PERIODS), key="f_period",
                     format_func=labeller(PERIODS, lambda p: t(f"period_{p}")))
        if st.session_state.f_period == "custom":
            st.session_state.setdefault("f_range", (today - timedelta(days=29), today))
            st.date_input(t("date_range"), key="f_range", max_value=today)
        for field in LISTS:
            children = [child for child, (_, _, up) in LISTS.items() if up == field]
            offered = options(field)
            st.multiselect(t(f"filter_{field}"), offered, key=f"f_{field}", format_func=labeller(offered, name),
                           placeholder=t("all"), on_change=prune if children else None,
                           args=(children[0],) if children else None)
        st.button(t("clear_filters"), on_click=clear, width="stretch")


def clear() -> None:
    st.session_state.f_period = DEFAULT_PERIOD
    for field in LISTS:
        st.session_state[f"f_{field}"] = []


def period(today: date) -> tuple[date, date]:
    """The chosen period as [start, end) days; the presets end with today."""
    chosen = st.session_state.get("f_period", DEFAULT_PERIOD)
    picked = st.session_state.get("f_range") or ()
    if chosen == "custom" and len(picked) == 2:
        return picked[0], picked[1] + timedelta(days=1)
    days = PERIODS.get(chosen) or PERIODS[DEFAULT_PERIOD]
    return today + timedelta(days=1 - days), today + timedelta(days=1)


def current(clock: datetime) -> Filter:
    """The filter every panel on the page reads."""
    start, end = period(clock.date())
    lists = {field: tuple(st.session_state.get(f"f_{field}") or ()) for field in LISTS}
    return Filter(start, end, **lists)
