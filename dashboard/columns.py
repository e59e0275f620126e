"""Column headings and number formats for the tables, in the interface language."""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import t

TIME = "YYYY-MM-DD HH:mm"


def _text(*keys: str) -> dict:
    return {key: st.column_config.TextColumn(t(key)) for key in keys}


def rate_columns(level: str) -> dict:
    return {
        "name": st.column_config.TextColumn(t(level)),
        "received": st.column_config.NumberColumn(t("requests"), format="localized"),
        **{key: st.column_config.ProgressColumn(t(key), format="percent", min_value=0.0, max_value=1.0)
           for key in ("response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate")},
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
