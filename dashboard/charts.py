"""Every chart's look in one place: dark on the wall screen, light otherwise, CJK-safe fonts, readable numbers."""

from __future__ import annotations

import altair as alt
import polars as pl
import streamlit as st

from dashboard.i18n import lang, t
from dashboard.number_formats import D3

FONT = "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
SEVERITY_COLOURS = ["#8fa3bf", "#f5c542", "#ff8a3d", "#ff3b3b"]  # 一般, 较大, 重大, 特别重大
ACCENT = "#2f9bff"
WARM = "#ff8a3d"


def dark() -> bool:
    return bool(st.session_state.get("wall"))


def count_axis() -> alt.Axis:
    """Counts on an axis: 1.2万 in Chinese, 12k in English."""
    if lang() == "zh":
        return alt.Axis(labelExpr="datum.value >= 10000 ? format(datum.value / 10000, '.1~f') + '万' "
                                  ": format(datum.value, ',')")
    return alt.Axis(format="~s")


def picker(field: str) -> alt.Parameter:
    """A click on a mark picks its row's value of field (the page turns it into a filter)."""
    return alt.selection_point(name="pick", fields=[field], on="click", clear="dblclick")


def styled(chart: alt.TopLevelMixin, height: int = 260) -> alt.TopLevelMixin:
    """The house style, applied per chart (Altair's global theme would leak between sessions)."""
    ink, grid = ("#dce6f2", "#22344f") if dark() else ("#1d2b3a", "#e3e8ef")
    scale = 1.2 if dark() else 1.0
    return (chart.properties(height=height, background="transparent")
            .configure(font=FONT)
            .configure_view(stroke=None)
            .configure_axis(labelColor=ink, titleColor=ink, gridColor=grid, domainColor=grid, tickColor=grid,
                            labelFontSize=11 * scale, titleFontSize=12 * scale, labelLimit=160 * scale)
            .configure_legend(labelColor=ink, titleColor=ink, labelFontSize=11 * scale, titleFontSize=12 * scale,
                              orient="top")
            .configure_title(color=ink, fontSize=14 * scale, anchor="start"))


def show(chart: alt.TopLevelMixin, height: int = 260, on_pick=None, key: str | None = None) -> None:
    """Draw a chart; on_pick(values) runs when a click picks marks of a chart made with pick=."""
    if on_pick is None:
        st.altair_chart(styled(chart, height), theme=None, width="stretch")
        return

    def picked() -> None:
        rows = st.session_state[key].selection.get("pick") or []
        values = [value for row in rows for value in row.values()]
        if values:
            on_pick(values)

    st.altair_chart(styled(chart, height), theme=None, width="stretch", key=key, on_select=picked,
                    selection_mode="pick")


def completeness(rows: pl.DataFrame) -> pl.DataFrame:
    """A bucket's state in words, for the tooltip: whole, or still running at the clock."""
    return rows.with_columns(state=pl.when("complete").then(pl.lit(t("whole_bucket")))
                             .otherwise(pl.lit(t("running_bucket"))))


def trend(rows: pl.DataFrame, bucket: str) -> alt.Chart | alt.LayerChart:
    """Requests per bucket, the period's line solid and the same weeks a year earlier dashed.

    A bucket still running is joined to the last whole one by a faint dotted line, so a week counted
    for two days does not read as a fall (its year-ago twin is cut at the same point, queries/periods.py).
    """
    this, before = t("this_period"), t("year_ago")
    long = completeness(rows.select("bucket", "complete", pl.col("received").alias(this),
                                    pl.col("received_year_ago").alias(before))
                        .unpivot(index=["bucket", "complete"], variable_name="series", value_name="received"))
    time_format = "%m-%d" if bucket == "day" else ("%Y-%m-%d" if bucket == "week" else "%Y-%m")
    encoding = dict(
        x=alt.X("bucket:T", title=None, axis=alt.Axis(format=time_format, tickMinStep=86_400_000)),
        y=alt.Y("received:Q", title=t("requests"), axis=count_axis()),
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=[this, before], range=[ACCENT, "#8fa3bf"])),
        tooltip=[alt.Tooltip("bucket:T", title=t("date"), format="%Y-%m-%d"), alt.Tooltip("series:N", title=""),
                 alt.Tooltip("received:Q", title=t("requests"), format=D3["count"]),
                 alt.Tooltip("state:N", title=t("running_state"))],
    )
    whole = alt.Chart(long.filter("complete")).mark_line(point=bucket != "day", strokeWidth=2.5).encode(
        strokeDash=alt.StrokeDash("series:N", scale=alt.Scale(domain=[this, before], range=[[1, 0], [5, 4]]),
                                  legend=None), **encoding)
    if long["complete"].all():
        return whole
    last_whole = long.filter("complete")["bucket"].max()
    tail = long.filter(pl.col("bucket") >= last_whole) if last_whole is not None else long
    running = alt.Chart(tail).mark_line(point=alt.OverlayMarkDef(filled=False, size=60), strokeWidth=2,
                                        strokeDash=[2, 3], opacity=0.5).encode(**encoding)
    return alt.layer(whole, running)


def ranked(rows: pl.DataFrame, label: str, value: str, title: str, *, percent: bool = False,
           colour: str = ACCENT, target: float | None = None, extra: list[alt.Tooltip] | None = None,
           pick: str | None = None, zero: bool = True) -> alt.Chart:
    """Horizontal bars, largest first; a rate can carry its target as a rule; pick names the field a click picks."""
    value_format = D3["percent"] if percent else D3["count"]
    bars = alt.Chart(rows).mark_bar(color=colour, cornerRadiusEnd=3, cursor="pointer" if pick else "default").encode(
        x=alt.X(f"{value}:Q", title=title, axis=alt.Axis(format=D3["whole_percent"]) if percent else count_axis(),
                scale=alt.Scale(zero=zero)),
        y=alt.Y(f"{label}:N", sort="-x", title=None),
        tooltip=[alt.Tooltip(f"{label}:N", title=""), alt.Tooltip(f"{value}:Q", title=title, format=value_format),
                 *(extra or [])],
    )
    if pick:
        bars = bars.add_params(picker(pick))
    if target is None:
        return bars
    rule = alt.Chart(pl.DataFrame({"target": [target]})).mark_rule(color=WARM, strokeDash=[4, 3], size=2).encode(
        x="target:Q", tooltip=[alt.Tooltip("target:Q", title=t("target"), format=D3["percent"])])
    return bars + rule


def changes(rows: pl.DataFrame, label: str, title: str, pick: str | None = None) -> alt.Chart:
    """Top problems: volume bars with the change against the period before as a coloured label."""
    base = alt.Chart(rows).encode(y=alt.Y(f"{label}:N", sort="-x", title=None))
    bars = base.mark_bar(color=ACCENT, cornerRadiusEnd=3, cursor="pointer" if pick else "default").encode(
        x=alt.X("received:Q", title=title, axis=count_axis()),
        tooltip=[alt.Tooltip(f"{label}:N", title=""), alt.Tooltip("received:Q", title=title, format=D3["count"]),
                 alt.Tooltip("received_before:Q", title=t("previous_period"), format=D3["count"]),
                 alt.Tooltip("change:Q", title=t("change"), format=D3["change"])])
    if pick:
        bars = bars.add_params(picker(pick))
    text = base.mark_text(align="left", dx=4, fontSize=15 if dark() else 11).encode(
        x="received:Q", text=alt.Text("change:Q", format=D3["whole_change"]),
        color=alt.condition("datum.change > 0", alt.value(WARM), alt.value("#3ccf8e")))
    return bars + text


def stacked(rows: pl.DataFrame, label: str, part: str, value: str, title: str) -> alt.Chart:
    return alt.Chart(rows).mark_bar().encode(
        x=alt.X(f"{value}:Q", title=title, stack="normalize", axis=alt.Axis(format=D3["whole_percent"])),
        y=alt.Y(f"{label}:N", sort="-x", title=None),
        color=alt.Color(f"{part}:N", title=None, scale=alt.Scale(scheme="tableau10")),
        tooltip=[alt.Tooltip(f"{label}:N", title=""), alt.Tooltip(f"{part}:N", title=""),
                 alt.Tooltip(f"{value}:Q", title=title, format=D3["count"])],
    )


def by_severity(rows: pl.DataFrame, x: str, value: str, title: str, time: bool = False) -> alt.Chart:
    """Stacked bars by severity; over time, a bucket still running is drawn faint and says so."""
    domain = [t(f"severity_{level}") for level in (1, 2, 3, 4)]
    on_severity = x == "severity_label"
    running = time and "complete" in rows.columns
    rows = completeness(rows) if running else rows
    state = [alt.Tooltip("state:N", title=t("running_state"))] if running else []
    return alt.Chart(rows).mark_bar().encode(
        x=alt.X(f"{x}:{'T' if time else 'N'}", title=None, sort=domain if on_severity else "-y",
                axis=alt.Axis(format="%m-%d") if time else alt.Axis(labelAngle=0 if on_severity else -35)),
        y=alt.Y(f"{value}:Q", title=title, stack=True),
        color=alt.Color("severity_label:N", title=None, scale=alt.Scale(domain=domain, range=SEVERITY_COLOURS),
                        legend=None if on_severity else alt.Legend()),
        opacity=alt.condition("datum.complete", alt.value(1), alt.value(0.4)) if running else alt.value(1),
        tooltip=[alt.Tooltip(f"{x}:{'T' if time else 'N'}", title=""), alt.Tooltip("severity_label:N", title=""),
                 alt.Tooltip(f"{value}:Q", title=title, format=D3["count"]), *state],
    )


def heatmap(rows: pl.DataFrame, x: str, y: str, value: str, title: str) -> alt.Chart:
    base = alt.Chart(rows).encode(x=alt.X(f"{x}:N", title=None, axis=alt.Axis(labelAngle=0)),
                                  y=alt.Y(f"{y}:N", title=None))
    cells = base.mark_rect().encode(
        color=alt.Color(f"{value}:Q", title=title, scale=alt.Scale(scheme="redyellowgreen", domain=[80, 100])),
        tooltip=[alt.Tooltip(f"{y}:N", title=""), alt.Tooltip(f"{x}:N", title=""),
                 alt.Tooltip(f"{value}:Q", title=title, format=D3["decimal"])])
    return cells + base.mark_text(fontSize=11, color="#1d2b3a").encode(text=alt.Text(f"{value}:Q", format=D3["count"]))


def timeline(stages: pl.DataFrame) -> alt.Chart:
    """A ticket's or incident's life cycle: each stage reached, in time order, on one line."""
    base = alt.Chart(stages).encode(x=alt.X("at:T", title=None, axis=alt.Axis(format="%m-%d %H:%M")))
    line = base.mark_line(color="#8fa3bf")
    dots = base.mark_circle(size=140, color=ACCENT).encode(
        tooltip=[alt.Tooltip("stage:N", title=""), alt.Tooltip("at:T", title="", format="%Y-%m-%d %H:%M")])
    labels = base.mark_text(dy=-14, fontSize=12).encode(text="stage:N")
    return (line + dots + labels).encode(y=alt.value(40))


def band(rows: pl.DataFrame, title: str) -> alt.Chart:
    """Requests per day as bars against the expected line and its band (a warning's chart, the forecast)."""
    base = alt.Chart(rows).encode(x=alt.X("day:T", title=None, axis=alt.Axis(format="%m-%d", tickCount=8)))
    area = base.mark_area(opacity=0.25, color="#8fa3bf").encode(
        y=alt.Y("low:Q", title=title, axis=count_axis()), y2="high:Q")
    line = base.mark_line(color="#8fa3bf", strokeDash=[4, 3], strokeWidth=2).encode(y="expected:Q")
    tips = [alt.Tooltip("day:T", title=t("date"), format="%Y-%m-%d"),
            alt.Tooltip("observed:Q", title=t("observed"), format=D3["count"]),
            alt.Tooltip("expected:Q", title=t("expected"), format=D3["decimal"])]
    bars = base.mark_bar(color=WARM, opacity=0.9).encode(y="observed:Q", tooltip=tips)
    return alt.layer(area, line, bars)


def volume_and_rates(rows: pl.DataFrame, rates: dict[str, str]) -> alt.LayerChart:
    """Requests per month as bars, with the rates (column → label) as lines on their own percent axis."""
    base = alt.Chart(rows).encode(x=alt.X("yearmonth(for_month):T", title=None, axis=alt.Axis(format="%Y-%m")))
    bars = base.mark_bar(color=ACCENT, opacity=0.55).encode(
        y=alt.Y("volume:Q", title=t("requests"), axis=count_axis()),
        tooltip=[alt.Tooltip("yearmonth(for_month):T", title=t("topic_month"), format="%Y-%m"),
                 alt.Tooltip("volume:Q", title=t("requests"), format=D3["count"])])
    long = rows.unpivot(index="for_month", on=list(rates), variable_name="rate", value_name="value").with_columns(
        pl.col("rate").replace(rates))
    lines = alt.Chart(long).mark_line(point=True, strokeWidth=2).encode(
        x="yearmonth(for_month):T",
        y=alt.Y("value:Q", title=None, axis=alt.Axis(format="%", orient="right"), scale=alt.Scale(zero=False)),
        color=alt.Color("rate:N", title=None),
        tooltip=[alt.Tooltip("rate:N", title=""), alt.Tooltip("value:Q", format=D3["percent"])])
    return alt.layer(bars, lines).resolve_scale(y="independent")
