"""预警 · 未诉先办: the warnings ranked, each one's chart against its expected band, acting on them, the map,
and the next week's volume."""

from dataclasses import replace
from datetime import timedelta

import polars as pl
import streamlit as st

from dashboard import auth, charts, citymap, filters, freshness, number_formats, tiles, wall
from dashboard.exports import heading
from dashboard.guard import guarded
from dashboard.i18n import t, translated
from dashboard.store import act, acted, has, now, panel
from data import actions
from queries import settings

clock = now()
flt = filters.current(clock)
st.title(t("warnings_title"))
st.caption(freshness.line(clock, freshness.analysed()))
if not has("warnings"):
    st.info(t("analytics_missing"), icon=":material/info:")
    st.stop()


def labelled(rows: pl.DataFrame) -> pl.DataFrame:
    """The list as people read it: kinds, levels and statuses in words, places and topics in the interface language."""
    return translated(rows, "district", "street", "category", "subcategory").with_columns(
        pl.col("kind").replace({k: t(f"warning_{k}") for k in ("surge", "rising")}).alias("kind_label"),
        pl.col("level").replace({k: t(f"warning_{k}") for k in ("street", "district")}).alias("level_label"),
        pl.col("status").replace({k: t(f"warning_status_{k}") for k in ("new", "acknowledged", "closed")})
        .alias("status_label"),
        pl.coalesce("street", "district").alias("place"), pl.coalesce("subcategory", "category").alias("topic"))


with guarded("warning tiles"):
    only_active = wall.on() or st.toggle(t("warnings_only_active", n=settings.WARNING_ACTIVE_DAYS), value=True,
                                         key="warn_active")
    rows = panel("warning_list", flt, clock, active=only_active, limit=settings.LIST_ROWS, **acted())
    counts = panel("warning_alerts", flt, clock, active=only_active, **acted()).row(0, named=True)  # all of them
    columns = st.columns(5)
    tiles.count(columns[0], t("warnings_active"), counts["active"])
    tiles.count(columns[1], t("warnings_unacknowledged"), counts["unacknowledged"])
    tiles.count(columns[2], t("warning_surge"), counts["surges"], help_text=t("warning_surge_help"))
    tiles.count(columns[3], t("warning_rising"), counts["rising"], help_text=t("warning_rising_help"))
    coming = panel("forecast_ahead", flt, clock)
    if not coming.is_empty():
        tomorrow = coming.row(0, named=True)
        with columns[4].container(border=True):
            st.metric(t("forecast_tomorrow"), number_formats.count(tomorrow["expected"]), help=t("forecast_help"))
            st.caption(f"{number_formats.count(tomorrow['low'])} – {number_formats.count(tomorrow['high'])}")

with guarded("warning list"):
    shown = labelled(rows)
    table = shown.select("kind_label", "level_label", "district", "place", "topic", "first_seen", "last_seen",
                         "observed", "expected", "ratio", "score", "status_label")
    heading(t("warnings_list"), table, "warnings")
    if rows.is_empty():
        st.info(t("warnings_none"), icon=":material/check_circle:")
    row_px = 40 if wall.on() else 35  # the wall's type is larger
    # the bar's full length: a score computed before tails were taken as logs may be infinite, and JSON has no inf
    strongest = max(float(rows["score"].filter(rows["score"].is_finite()).max() or 0), 10)
    picked = st.dataframe(table, hide_index=True, width="stretch", height=min(420, row_px * (table.height + 1) + 3),
                          key="warning_table", on_select="rerun", selection_mode="single-row", column_config={
                              "kind_label": t("warning_kind"), "level_label": t("warning_level"),
                              "district": t("district"), "place": t("street"), "topic": t("subcategory"),
                              "first_seen": st.column_config.DateColumn(t("first_seen"), format="MM-DD"),
                              "last_seen": st.column_config.DateColumn(t("last_seen"), format="MM-DD"),
                              "observed": st.column_config.NumberColumn(t("observed"), format="%d"),
                              "expected": st.column_config.NumberColumn(t("expected"), format="%.1f"),
                              "ratio": st.column_config.NumberColumn(t("ratio"), format="%.1f×"),
                              "score": st.column_config.ProgressColumn(
                                  t("warning_score"), help=t("score_help"), format="%.0f", min_value=0,
                                  max_value=strongest),
                              "status_label": t("status")})
    chosen = picked.selection.rows if picked else []
    if not rows.is_empty():
        one = shown.row(chosen[0] if chosen else 0, named=True)
        left, right = st.columns([3, 2], vertical_alignment="center")
        with left:
            days = panel("warning_days", flt, clock, warning_id=one["warning_id"])
            charts.show(charts.band(days, t("requests")), height=260)
        with right:
            st.markdown(f"**{one['place']} · {one['topic']}** — {one['kind_label']} · {one['status_label']}")
            st.caption(t(f"warning_{one['kind']}_help"))
            if not wall.on() and auth.user().can("act"):  # the duty officer's; the wall is a screen to watch
                if not chosen:
                    st.caption(t("warnings_pick"))
                buttons = st.columns(3)
                for column, status, label in zip(buttons, ("acknowledged", "closed", "new"),
                                                 ("acknowledge", "close_warning", "reopen_warning")):
                    if column.button(t(label), key=f"warn_{status}", disabled=one["status"] == status,
                                     width="stretch"):
                        try:
                            act(one["warning_id"], status)
                        except actions.Busy:  # never lost in silence: the officer is told to try again
                            st.error(t("action_not_saved"), icon=":material/sync_problem:")
                        else:
                            auth.record("warning", warning_id=one["warning_id"], status=status,
                                        previous=one["status"], place=one["place"], topic=one["topic"])
                            st.rerun()

with guarded("warning map"):
    st.subheader(t("warnings_map"))
    citymap.show(flt, clock, key="warn_map", height=460, layers=("areas", "warnings"))

with guarded("forecast"):
    st.subheader(t("forecast_title"), help=t("forecast_help"))
    if not coming.is_empty():
        start = min(coming.item(0, "day"), clock.date())  # whole days only: today is still filling
        recent = replace(flt, start=start - timedelta(days=28), end=start)
        actual = panel("requests_trend", recent, clock, bucket="day").select(
            pl.col("bucket").cast(pl.Date).alias("day"), pl.col("received").alias("observed"))
        charts.show(charts.band(pl.concat([actual, coming], how="diagonal").sort("day"), t("requests")), height=260)
        days = [f"{day:%m-%d}" for day in coming["day"]]
        by_district = translated(panel("forecast_by_district", flt, clock), "name").with_columns(
            pl.col("expected").list.to_struct(fields=days)).unnest("expected")  # a column per day
        heading(t("forecast_by_district"), by_district, "forecast")
        st.dataframe(by_district, hide_index=True, width="stretch", column_config={"name": t("district")})
