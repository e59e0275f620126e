"""Column headings and number formats for the tables, in the interface language; a metric's from its registry."""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import definition, t
from queries.metrics import METRICS, RATES

TIME = "YYYY-MM-DD HH:mm"


def _text(*keys: str) -> dict:
    return {key: st.column_config.TextColumn(t(key)) for key in keys}


def metric(key: str, bar: bool = True):
    """A metric's column: its name and definition, a count, or a percent drawn as a bar (or not)."""
    if METRICS[key].number == "count":
        return st.column_config.NumberColumn(t(key), help=definition(key), format="localized")
    if bar:
        return st.column_config.ProgressColumn(t(key), help=definition(key), format="percent", min_value=0.0,
                                               max_value=1.0)
    return st.column_config.NumberColumn(t(key), help=definition(key), format="percent")


def rate_columns(level: str) -> dict:
    return {
        "name": st.column_config.TextColumn(t(level)),
        "received": metric("received"),
        **{key: metric(key) for key in RATES},
        "repeats": st.column_config.NumberColumn(t("repeats"), format="localized"),
    }


def ticket_columns() -> dict:
    return {
        "request_id": st.column_config.TextColumn(t("request_id")),
        "received_at": st.column_config.DatetimeColumn(t("received_at"), format=TIME),
        "deadline_at": st.column_config.DatetimeColumn(t("deadline_at"), format=TIME),
        "hours_overdue": st.column_config.NumberColumn(t("hours_overdue"), format="%.1f"),
        "text": st.column_config.TextColumn(t("text"), width="large"),
        **_text("stage", "district", "street", "unit", "category", "subcategory", "channel", "kind"),
    }


def incident_columns() -> dict:
    return {
        "incident_id": st.column_config.TextColumn(t("incident_id")),
        "severity": st.column_config.NumberColumn(t("severity"), format="%d"),
        "detected_at": st.column_config.DatetimeColumn(t("detected_at"), format=TIME),
        "age_minutes": st.column_config.NumberColumn(t("age_minutes"), format="localized"),
        **_text("type", "stage", "district", "street", "unit", "source"),
    }
