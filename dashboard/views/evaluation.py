"""综合评价: the month's scorecard (4 dimensions × 12 aims), the district × dimension heatmap, the 整改清单."""

import polars as pl
import streamlit as st

from dashboard import charts, filters, freshness, number_formats
from dashboard.exports import heading
from dashboard.guard import guarded
from dashboard.i18n import labeller, lang, name, t, translated
from dashboard.labels import LABELS
from dashboard.store import now, panel

clock = now()
flt = filters.current(clock)
st.title(t("evaluation_page"))
st.caption(freshness.line(clock))
months = panel("evaluation_months", flt, clock)["month"].to_list()
if not months:
    st.info(t("no_indicators"))
    st.stop()
left, right = st.columns(2)
complete = [m for m in months if m < clock.date().replace(day=1)]  # the running month is not scored yet
month = left.selectbox(t("month"), months, index=months.index(complete[0]) if complete else 0,
                       format_func=lambda m: f"{m:%Y-%m}", key="eval_month")
places = [None, *panel("dimension_scores", flt, clock, month=month)["district"].unique(maintain_order=True)]
district = right.selectbox(t("scorecard_for"), places, key="eval_district",
                           format_func=labeller(places, lambda d: t("whole_city") if d is None else name(d)))
english = lang() == "en"


def units() -> dict[str, str]:
    """Measure units in the interface language (the definitions carry them in Chinese)."""
    return {key[5:]: t(key) for key in LABELS if key.startswith("unit_")}


with guarded("scorecard"):
    card = panel("indicator_scorecard", flt, clock, month=month, district=district)
    summary = panel("indicator_summary", flt, clock, month=month, district=district).row(0, named=True)
    st.subheader(t("scorecard"))
    columns = st.columns(4)
    columns[0].metric(t("indicators"), summary["indicators"], border=True)
    columns[1].metric(t("below_target"), summary["below_target"], border=True)
    columns[2].metric(t("mean_score"), "—" if summary["mean_score"] is None else f"{summary['mean_score']:.1f}",
                      border=True)
    columns[3].metric(t("computed_share"), number_formats.percent(summary["computed_share"], 0), border=True,
                      help=t("computed_help"))
    shown = card.select(
        pl.col("dimension_en" if english else "dimension").alias("dimension"),
        pl.col("aim_en" if english else "aim").alias("aim"), "code",
        pl.col("name_en" if english else "name").alias("name"),
        "value", "target", pl.col("measure_unit").replace(units()), "score", "rank", "ranked_among",
        "trend",
        pl.col("definition_en" if english else "definition").alias("definition"))
    heading(t("indicators"), shown, f"scorecard-{month:%Y-%m}")
    st.dataframe(shown, hide_index=True, width="stretch", height=520, column_config={
        "dimension": t("dimension"), "aim": t("aim"), "code": t("code"), "name": t("indicator"),
        "value": st.column_config.NumberColumn(t("value"), format="%.2f"),
        "target": st.column_config.NumberColumn(t("target"), format="%.2f"),
        "measure_unit": t("measure_unit"),
        "score": st.column_config.ProgressColumn(t("score"), format="%.1f", min_value=0, max_value=100),
        "rank": st.column_config.NumberColumn(t("rank"), format="%d") if district else None,
        "ranked_among": st.column_config.NumberColumn(t("ranked_among"), format="%d") if district else None,
        "trend": st.column_config.NumberColumn(t("trend_vs_last_month"), format="%+.2f"),
        "definition": st.column_config.TextColumn(t("definition"), width="large")})

with guarded("heatmap"):
    st.subheader(t("district_dimension"))
    scores = translated(panel("dimension_scores", flt, clock, month=month), "district")
    heading(t("score"), scores, f"district-dimensions-{month:%Y-%m}")
    if english:
        names = dict(zip(card["dimension"], card["dimension_en"]))
        scores = scores.with_columns(pl.col("dimension").replace(names))
    charts.show(charts.heatmap(scores, "dimension", "district", "score", t("score")), height=26 * 16)

with guarded("rectification"):
    st.subheader(t("rectification"))
    fixes = panel("rectification_list", flt, clock, month=month)
    if english:
        fixes = fixes.with_columns(pl.col("name_en").alias("name"))
    fixes = translated(fixes.drop("name_en"), "district").with_columns(pl.col("measure_unit").replace(units()))
    heading(t("rectification_export"), fixes, f"rectification-{month:%Y-%m}")
    st.dataframe(fixes, hide_index=True, width="stretch", height=400, column_config={
        "district": t("district"), "dimension": t("dimension"), "aim": t("aim"), "code": t("code"),
        "name": t("indicator"), "value": st.column_config.NumberColumn(t("value"), format="%.2f"),
        "measure_unit": t("measure_unit"), "target": st.column_config.NumberColumn(t("target"), format="%.2f"),
        "higher_is_better": None, "score": st.column_config.NumberColumn(t("score"), format="%.1f"),
        "gap": st.column_config.NumberColumn(t("gap"), format="%+.2f"), "responsible_unit": t("unit")})
