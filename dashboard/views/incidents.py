"""城市运行: incidents open now, their life-cycle times by type, unit and district, over time, and the list."""

import altair as alt
import polars as pl
import streamlit as st

from dashboard import charts, emergency, filters, freshness, number_formats, tiles
from dashboard.columns import incident_columns
from dashboard.escaping import plain
from dashboard.exports import heading
from dashboard.guard import guarded
from dashboard.i18n import labeller, t, translated
from dashboard.store import now, panel
from queries.settings import EMERGENCY_SEVERE_OPEN, LIST_ROWS

clock = now()
flt = filters.current(clock)
st.title(t("incidents_page"))
st.caption(freshness.line(clock))


def severity_labels(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.with_columns(severity_label=pl.col("severity").map_elements(
        lambda s: t(f"severity_{s}"), return_dtype=pl.String))


with guarded("open now"):
    counts = emergency.incidents_now(flt, clock)
    left, right = st.columns([3, 2], vertical_alignment="center")
    with left:
        columns = st.columns(3)
        tiles.count(columns[0], t("open_incidents"), counts["open"])
        tiles.count(columns[1], t("severe_open"), counts["severe_open"])
        tiles.count(columns[2], t("late_incidents"), counts["late"], help_text=t("late_help"))
    with right:
        emergency.switch(t("emergency_switch"))
        st.caption(t("emergency_help", n=EMERGENCY_SEVERE_OPEN))
    by_type = severity_labels(translated(panel("open_incidents_by", flt, clock), "type"))
    heading(t("open_by_type"), by_type, "open-incidents-by-type")
    charts.show(charts.by_severity(by_type, "type", "open", t("open_incidents")), height=260)

with guarded("life cycle"):
    st.subheader(t("lifecycle"))
    level = st.segmented_control(t("rank_by"), ["type", "severity", "unit", "district"], default="type",
                                 key="lifecycle_level", format_func=labeller(["type", "severity", "unit", "district"])) or "type"
    cycle = panel("incident_lifecycle", flt, clock, level=level)
    if level == "severity":
        cycle = cycle.with_columns(name=pl.col("name").map_elements(lambda s: t(f"severity_{s}"),
                                                                    return_dtype=pl.String))
    cycle = translated(cycle, "name")
    heading(t(level), cycle, f"incident-lifecycle-{level}")
    left, right = st.columns(2)
    with left:
        charts.show(charts.ranked(cycle.head(20), "name", "onsite_minutes_p90", t("onsite_p90"), extra=[
            alt.Tooltip("onsite_minutes_mean:Q", title=t("onsite_mean"), format=".0f"),
            alt.Tooltip("incidents:Q", title=t("incidents"), format=",.0f")]), height=22 * min(cycle.height, 20) + 40)
    with right:
        charts.show(charts.ranked(cycle.head(20), "name", "close_hours_p90", t("close_p90"), colour=charts.WARM, extra=[
            alt.Tooltip("close_hours_mean:Q", title=t("close_mean"), format=".1f"),
            alt.Tooltip("incidents:Q", title=t("incidents"), format=",.0f")]), height=22 * min(cycle.height, 20) + 40)
    st.dataframe(cycle, hide_index=True, width="stretch", height=260, column_config={
        "name": t(level), "incidents": st.column_config.NumberColumn(t("incidents"), format="localized"),
        "open": st.column_config.NumberColumn(t("open_incidents"), format="localized"),
        "onsite_minutes_mean": st.column_config.NumberColumn(t("onsite_mean"), format="%.0f"),
        "onsite_minutes_p90": st.column_config.NumberColumn(t("onsite_p90"), format="%.0f"),
        "close_hours_mean": st.column_config.NumberColumn(t("close_mean"), format="%.1f"),
        "close_hours_p90": st.column_config.NumberColumn(t("close_p90"), format="%.1f")})

with guarded("over time"):
    st.subheader(t("incidents_over_time"))
    bucket = "day" if (flt.end - flt.start).days <= 92 else "week"
    over_time = severity_labels(panel("incidents_trend", flt, clock, bucket=bucket))
    heading(t("incidents"), over_time, "incidents-over-time")
    charts.show(charts.by_severity(over_time, "bucket", "incidents", t("incidents"), time=True), height=240)

with guarded("incident list"):
    st.subheader(t("incident_list"))
    incidents = translated(panel("incident_list", flt, clock, limit=LIST_ROWS),
                           "type", "stage", "district", "street", "unit", "source")
    heading(t("incident_export"), incidents, "incidents")
    picked = st.dataframe(incidents.select("incident_id", "detected_at", "severity", "type", "stage", "district",
                                           "street", "unit", "source"),
                          hide_index=True, width="stretch", height=340, column_config=incident_columns(),
                          on_select="rerun", selection_mode="single-row", key="incident_pick")
    st.caption(t("list_limit", n=f"{LIST_ROWS:,}"))
    if picked.selection.rows:
        incident = incidents.row(picked.selection.rows[0], named=True)
        st.markdown(f"#### {plain(incident['incident_id'])} · {plain(incident['type'])} · "
                    f"{t('severity_' + str(incident['severity']))} · {plain(incident['stage'])}")
        stages = pl.DataFrame({
            "stage": [t(f"stage_{s}") for s in ("detected", "acknowledged", "dispatched", "onsite", "closed")],
            "at": [incident[f"{s}_at"] for s in ("detected", "acknowledged", "dispatched", "onsite", "closed")],
        }).drop_nulls("at")
        charts.show(charts.timeline(stages), height=90)
        onsite = number_formats.duration_minutes(incident["onsite_minutes"])
        st.markdown(f"**{t('district')}** {plain(incident['district'])} · {plain(incident['street'])} · "
                    f"**{t('unit')}** {plain(incident['unit'])} · **{t('onsite_mean')}** {onsite}")
