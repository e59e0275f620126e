"""平急转换: emergency mode reorders the wall screen around incidents, by hand or when severe incidents pile up."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from dashboard import settings
from dashboard.store import panel
from queries import Filter


def incidents_now(flt: Filter, clock: datetime) -> dict:
    """Open, severe open and late incidents at the clock in the chosen places."""
    return panel("incident_alerts", flt, clock, late_hours=int(settings.INCIDENT_LATE_HOURS)).row(0, named=True)


def chosen() -> bool:
    """The duty officer's switch, kept apart from its widget so it survives page changes (and ?emergency=1)."""
    if "emergency" not in st.session_state:
        st.session_state.emergency = st.query_params.get("emergency") == "1"
    return st.session_state.emergency


def automatic(counts: dict) -> bool:
    return counts["severe_open"] >= settings.EMERGENCY_SEVERE_OPEN


def switch(label: str) -> None:
    """The toggle, on the incidents page."""
    def flip() -> None:
        st.session_state.emergency = st.session_state.emergency_toggle
        if st.session_state.emergency:
            st.query_params["emergency"] = "1"
        else:
            st.query_params.pop("emergency", None)

    st.toggle(label, value=chosen(), key="emergency_toggle", on_change=flip)
