"""总览 / wall screen: the rates against target, what is open now, the map, the trend, the top problems, the ranking."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import altair as alt
import polars as pl
import streamlit as st

from dashboard import charts, citymap, emergency, filters, freshness, number_formats, tiles, wall
from dashboard.columns import incident_columns
from dashboard.escaping import plain
from dashboard.exports import heading
from dashboard.guard import guarded
from dashboard.i18n import definition, t, translated
from dashboard.i18n import name as in_language
from dashboard.store import now, panel
from queries import Filter, settings


@dataclass(frozen=True)
class Scope:
    """What every block on the page counts: the clock, the filter, and this week and month within it."""

    clock: datetime
    flt: Filter
    last_7: Filter
    last_30: Filter

    @classmethod
    def now(cls) -> Scope:
        clock = now()
        today = clock.date()
        flt = filters.current(clock)
        return cls(clock, flt, replace(flt, start=today - timedelta(days=6), end=today + timedelta(days=1)),
                   replace(flt, start=today - timedelta(days=30), end=today))  # whole days: today is still filling


def title(scope: Scope) -> None:
    subtitle = freshness.line(scope.clock, t("period_" + st.session_state.get("f_period", "30d")))
    if wall.on():
        wall.header(t("app_title"), subtitle)
    else:
        st.title(t("app_title"))
        st.caption(subtitle)


def alert_strip(open_now: dict, incidents: dict, warned: dict) -> None:
    """Overdue requests, incidents open too long, active early warnings: one line of badges."""
    badges = []
    if open_now["overdue"]:
        badges.append(f":red-badge[:material/schedule: {t('alert_overdue', n=number_formats.count(open_now['overdue']))}]")
    if incidents["late"]:
        late = t("alert_late_incidents", n=number_formats.count(incidents["late"]), h=f"{settings.INCIDENT_LATE_HOURS:g}")
        badges.append(f":orange-badge[:material/emergency: {late}]")
    if warned["active"]:
        warning = t("alert_warnings", n=warned["active"], strongest=strongest(warned))
        badges.append(f":violet-badge[:material/trending_up: {warning}]")
    st.markdown(" ".join(badges) if badges else f":green-badge[:material/check: {t('alert_none')}]")


def strongest(warned: dict) -> str:
    """The strongest active warning's place and topic, in the interface language, as markdown-safe text."""
    return " · ".join(plain(in_language(part)) for part in (warned["strongest"] or "").split(" · "))


def counts_and_rates(scope: Scope, open_now: dict, incidents: dict) -> None:
    """The rates against target, then what is open now: one row of nine on the wall, two rows otherwise."""
    rates = panel("headline_rates", scope.flt, scope.clock)
    if wall.on():
        columns = st.columns(9)
        tiles.headline(rates, columns[:5])
        counts = columns[5:]
    else:
        tiles.headline(rates)
        counts = st.columns(4)
    tiles.count(counts[0], t("received_today"), open_now["received_today"])
    tiles.count(counts[1], t("open"), open_now["open"], help_text=definition("open"))
    tiles.count(counts[2], t("overdue"), open_now["overdue"], help_text=definition("overdue"))
    tiles.count(counts[3], t("open_incidents"), incidents["open"])


def city_map(scope: Scope) -> None:
    st.markdown(f"**{t('map')}**")
    citymap.show(scope.flt, scope.clock, height=600 if wall.on() else 520)


def district_ranking(scope: Scope) -> None:
    ranking = translated(panel("rates_by", scope.flt, scope.clock, level="district").with_columns(
        value=pl.col("name")), "name")
    heading(t("district_ranking"), ranking.drop("value"), "districts")
    chart = charts.ranked(ranking, "name", "received", t("requests"), pick="value", extra=[
        alt.Tooltip("response_rate:Q", title=t("response_rate"), format=".1%"),
        alt.Tooltip("satisfaction_rate:Q", title=t("satisfaction_rate"), format=".1%")])
    charts.show(chart, height=320 if wall.on() else 300, key="pick_district",
                on_pick=lambda values: filters.choose("districts", values))


def incidents_by_severity(scope: Scope) -> None:
    by_severity = panel("open_incidents_by_severity", scope.flt, scope.clock).with_columns(
        severity_label=pl.col("severity").map_elements(lambda s: t(f"severity_{s}"), return_dtype=pl.String))
    heading(t("incidents_by_severity"), by_severity, "incidents-by-severity")
    charts.show(charts.by_severity(by_severity, "severity_label", "open", t("open_incidents")), height=130)


def most_severe(scope: Scope) -> None:
    """In emergency mode: the open incidents that matter most, first."""
    rows = translated(panel("open_incidents", scope.flt, scope.clock, limit=12), "type", "district", "street", "stage")
    shown = rows.select("severity", "type", "district", "street", "stage", "age_minutes")
    heading(t("most_severe_open"), rows, "most-severe-incidents")
    if wall.on():  # the wall is dark: a plain table, not the light data grid
        st.table(shown.rename({c: t(c) for c in shown.columns}))
    else:
        st.dataframe(shown, hide_index=True, width="stretch", height=300, column_config=incident_columns())


def trend(scope: Scope) -> None:
    rows = panel("requests_trend", scope.last_30, scope.clock, bucket="day")
    heading(t("trend_30d"), rows, "trend-30-days")
    charts.show(charts.trend(rows, "day"), height=170 if wall.on() else 260)


def top_problems(scope: Scope) -> None:
    topics = translated(panel("top_topics", scope.last_7, scope.clock, level="subcategory", limit=10).with_columns(
        value=pl.col("name")), "name")
    heading(t("top_week"), topics.drop("value"), "top-problems-week")
    charts.show(charts.changes(topics, "name", t("requests"), pick="value"), height=300 if wall.on() else 260,
                key="pick_topic", on_pick=lambda values: filters.choose("subcategories", values))


def draw(scope: Scope, blocks: list[tuple[str, callable]]) -> None:
    for name, block in blocks:
        with guarded(name):
            block(scope)


def page() -> None:
    scope = Scope.now()
    title(scope)
    open_now = panel("open_now", scope.flt, scope.clock).row(0, named=True)
    incidents = emergency.incidents_now(scope.flt, scope.clock)
    warned = emergency.warnings_now(scope.flt, scope.clock)
    with guarded("alerts"):
        alert_strip(open_now, incidents, warned)
    cause = emergency.automatic(incidents, warned)
    emergency_mode = emergency.chosen() or cause is not None
    if emergency_mode:
        why = {"severe": t("emergency_auto", n=incidents["severe_open"]),
               "surge": t("emergency_surge", strongest=strongest(warned))}.get(cause, t("emergency_on"))
        colour = "red" if wall.on() else "red-background"  # pale red under light text is unreadable on the dark wall
        st.markdown(f"#### :{colour}[:material/crisis_alert: {why}]")  # a banner, not an error box
    with guarded("rates"):
        counts_and_rates(scope, open_now, incidents)
    beside_map = ([("severity", incidents_by_severity), ("most severe", most_severe)] if emergency_mode
                  else [("ranking", district_ranking), ("severity", incidents_by_severity)])
    if wall.on():
        left, middle, right = st.columns([2, 1, 1])
        with left:
            draw(scope, [("map", city_map)])
        with middle:
            draw(scope, beside_map)
        with right:
            draw(scope, [("trend", trend), ("top problems", top_problems)])
        return
    left, right = st.columns([2, 1])
    with left:
        draw(scope, [("map", city_map)])
    with right:
        draw(scope, beside_map)
    left, right = st.columns(2)
    with left:
        draw(scope, [("trend", trend)])
    with right:
        draw(scope, [("top problems", top_problems)])


if wall.on():  # the wall refreshes itself; a desk page reruns as its reader moves
    st.fragment(run_every=settings.REFRESH_SECONDS)(page)()
else:
    page()
