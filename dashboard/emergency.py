"""平急转换: emergency mode reorders the wall screen around incidents, by hand, or by itself when severe incidents
pile up or a district-wide surge warning fires."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from dashboard import auth
from dashboard.i18n import t
from dashboard.store import acted, has, panel
from queries import Filter, settings


def incidents_now(flt: Filter, clock: datetime) -> dict:
    """Open, severe open and late incidents at the clock in the chosen places."""
    return panel("incident_alerts", flt, clock).row(0, named=True)


def chosen() -> bool:
    """The duty officer's switch, kept apart from its widget so it survives page changes (and ?emergency=1)."""
    if "emergency" not in st.session_state:
        st.session_state.emergency = st.query_params.get("emergency") == "1"
    return st.session_state.emergency


def warnings_now(flt: Filter, clock: datetime) -> dict:
    """Active warnings in the chosen places: how many, how many nobody acknowledged, district-wide surges."""
    if not has("warnings"):  # a database made before the warnings existed
        return {"active": 0, "unacknowledged": 0, "district_surges": 0, "strongest": None}
    rows = panel("warning_alerts", flt, clock, active=True, **acted())
    return rows.row(0, named=True)


def automatic(counts: dict, warned: dict) -> str | None:
    """Why emergency mode turns on by itself, or None: severe incidents piling up, or a district-wide surge."""
    if counts["severe_open"] >= settings.EMERGENCY_SEVERE_OPEN:
        return "severe"
    return "surge" if warned["district_surges"] else None


def switch(label: str) -> None:
    """The toggle, on the incidents page, for the duty officer; anyone else sees which mode is on."""
    if not auth.user().can("act"):
        st.caption(f"{label} · {t('emergency_state_on') if chosen() else t('emergency_state_off')}")
        return

    def flip() -> None:
        st.session_state.emergency = st.session_state.emergency_toggle
        auth.record("emergency", on=st.session_state.emergency)
        if st.session_state.emergency:
            st.query_params["emergency"] = "1"
        else:
            st.query_params.pop("emergency", None)

    st.toggle(label, value=chosen(), key="emergency_toggle", on_change=flip)
