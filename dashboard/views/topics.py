"""每月一题: the month's candidate problems from the request texts, each with its requests and its history."""

import polars as pl
import streamlit as st

from dashboard import charts, filters, freshness
from dashboard.escaping import plain
from dashboard.exports import heading
from dashboard.guard import guarded
from dashboard.i18n import t, translated
from dashboard.store import has, now, panel

TOP = 10

clock = now()
flt = filters.current(clock)
st.title(t("topics_title"))
st.caption(freshness.line(clock, t("topics_caption"), freshness.analysed()))
if not has("topics"):
    st.info(t("analytics_missing"), icon=":material/info:")
    st.stop()

with guarded("topics"):
    months = panel("topic_months_available", flt, clock)["month"].to_list()
    month = (st.selectbox(t("topic_month"), months, format_func=lambda m: f"{m:%Y-%m}", key="topic_month")
             if months else None)
    rows = panel("topic_list", flt, clock, month=month, limit=TOP) if month else pl.DataFrame()
    if rows.is_empty():
        st.info(t("topics_none"), icon=":material/info:")
    else:
        shown = translated(rows, "district", "street", "subcategory")
        heading(t("topics_list", month=f"{month:%Y-%m}"), shown.drop("topic_id"), "topics")
        picked = st.dataframe(
            shown.drop("topic_id"), hide_index=True, width="stretch", on_select="rerun",
            selection_mode="single-row", key="topic_table", column_config={
                "rank": st.column_config.NumberColumn("#", width="small"),
                "keywords": t("keywords"), "district": t("district"), "street": t("street"),
                "subcategory": t("subcategory"),
                "volume": st.column_config.NumberColumn(t("requests"), format="%d"),
                "expected": st.column_config.NumberColumn(t("expected"), format="%.0f"),
                "growth": st.column_config.NumberColumn(t("growth"), help=t("growth_help"), format="percent"),
                "repeat_rate": st.column_config.NumberColumn(t("repeat_rate"), format="percent"),
                "unsatisfied_rate": st.column_config.NumberColumn(t("unsatisfied_rate"), format="percent"),
                "score": st.column_config.ProgressColumn(t("score"), help=t("topic_score_help"), format="%.0f",
                                                         min_value=0, max_value=float(rows["score"].max()))})
        chosen = picked.selection.rows if picked else []
        topic = shown.row(chosen[0] if chosen else 0, named=True)
        st.subheader(f"{plain(topic['keywords'])} · {plain(topic['street'])}")
        left, right = st.columns([3, 2])
        with left:
            history = panel("topic_history", flt, clock, month=month, topic_id=topic["topic_id"])
            charts.show(charts.volume_and_rates(history, {"response_rate": t("response_rate"),
                                                          "resolution_rate": t("resolution_rate"),
                                                          "satisfaction_rate": t("satisfaction_rate")}), height=280)
        with right:
            samples = panel("topic_samples", flt, clock, month=month, topic_id=topic["topic_id"])
            heading(t("topic_samples"), samples, "topic-samples")
            for sample in samples.iter_rows(named=True):
                with st.container(border=True):
                    st.caption(f"{plain(sample['request_id'])} · {sample['received_at']:%Y-%m-%d %H:%M}")
                    st.markdown(plain(sample["text"]))
