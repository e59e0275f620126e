"""接诉即办: volume and its make-up, the top problems, the rates ranked, overdue and repeat requests, whistles, tickets."""

import streamlit as st

from dashboard import charts, filters, freshness, ticket, tiles
from dashboard.columns import metric, rate_columns, ticket_columns
from dashboard.exports import heading
from dashboard.guard import guarded
from dashboard.i18n import labeller, t, translated
from dashboard.store import now, panel
from queries.settings import LIST_ROWS

clock = now()
flt = filters.current(clock)
st.title(t("requests_page"))
st.caption(freshness.line(clock, f"{flt.start} – {flt.end.fromordinal(flt.end.toordinal() - 1)}"))

if st.query_params.get("ticket"):  # a pasted link: that ticket first, whatever the filters
    with guarded("linked ticket"):
        ticket.linked(st.query_params["ticket"], clock)

with guarded("headline"):
    tiles.headline(panel("headline_rates", flt, clock))

left, right = st.columns([3, 2])
with left, guarded("trend"):
    bucket = st.segmented_control(t("bucket"), ["day", "week", "month"], default="week", key="trend_bucket",
                                  format_func=labeller(["day", "week", "month"], lambda b: t(f"bucket_{b}"))) or "week"
    rows = panel("requests_trend", flt, clock, bucket=bucket)
    heading(t("trend"), rows, "trend")
    charts.show(charts.trend(rows, bucket))
with right, guarded("channels"):
    mix = translated(panel("channels_and_kinds", flt, clock), "channel", "kind")
    heading(t("channels_and_kinds"), mix, "channels-and-kinds")
    charts.show(charts.stacked(mix, "channel", "kind", "received", t("requests")), height=290)

left, right = st.columns(2)
for column, level, limit in ((left, "category", 15), (right, "subcategory", 20)):
    with column, guarded(f"top {level}"):
        topics = translated(panel("top_topics", flt, clock, level=level, limit=limit), "name")
        heading(t("top_" + level), topics, f"top-{level}")
        charts.show(charts.changes(topics, "name", t("requests")), height=22 * max(topics.height, 5))

with guarded("rates by"):
    st.subheader(t("rates_ranked"))
    level = st.segmented_control(t("rank_by"), ["district", "street", "unit"], default="district",
                                 key="rank_level", format_func=labeller(["district", "street", "unit"])) or "district"
    st.caption(tiles.targets(panel("headline_rates", flt, clock).row(0, named=True)))
    ranking = translated(panel("rates_by", flt, clock, level=level), "name")
    heading(t(level), ranking, f"rates-by-{level}")
    st.dataframe(ranking, hide_index=True, width="stretch", height=380, column_config=rate_columns(level))

left, right = st.columns(2)
with left, guarded("overdue"):
    overdue = translated(panel("overdue_requests", flt, clock, limit=LIST_ROWS),
                         "district", "street", "unit", "category", "subcategory", "channel")
    heading(t("overdue_requests"), overdue, "overdue-requests")
    st.dataframe(overdue.select("request_id", "hours_overdue", "district", "street", "unit", "subcategory", "text"),
                 hide_index=True, width="stretch", height=330, column_config=ticket_columns())
with right, guarded("repeats"):
    repeats = translated(panel("repeat_requests", flt, clock, limit=50), "district", "street", "subcategory")
    heading(t("repeat_requests"), repeats, "repeat-requests")
    st.dataframe(repeats, hide_index=True, width="stretch", height=330, column_config={
        **rate_columns("street"), "district": t("district"), "street": t("street"), "subcategory": t("subcategory"),
        "received": metric("received"), "repeat_share": metric("repeat_share")})

with guarded("quality"):
    st.subheader(t("quality_title"), help=t("quality_help"))
    level = st.segmented_control(t("rank_by"), ["unit", "street", "district"], default="unit", key="quality_level",
                                 format_func=labeller(["unit", "street", "district"])) or "unit"
    quality = translated(panel("unit_quality", flt, clock, level=level), "name")
    heading(t("quality_table"), quality, f"quality-by-{level}")
    shares = ("reopen_rate", "repeat_30d_rate", "resolved_unsatisfied_rate", "closed_not_resolved_rate")
    st.dataframe(quality, hide_index=True, width="stretch", height=380, column_config={
        "name": t(level), "received": metric("received"),
        "handled": st.column_config.NumberColumn(t("handled"), format="localized"),
        "repeated_30d": st.column_config.NumberColumn(t("repeated_30d"), format="localized"),
        **{key: metric(key, bar=False) for key in shares},
        **{key: metric(key) for key in ("resolution_rate", "satisfaction_rate")},
        "quality_score": st.column_config.ProgressColumn(t("quality"), help=t("quality_score_help"), format="%.0f",
                                                         min_value=0, max_value=100),
        "quality_rank": st.column_config.NumberColumn(t("quality_rank"))})

with guarded("whistles"):
    st.subheader(t("whistles"))
    whistles = translated(panel("whistles", flt, clock), "whistle")
    heading(t("whistles_by_level"), whistles, "whistles")
    columns = st.columns(max(whistles.height, 1))
    for column, row in zip(columns, whistles.iter_rows(named=True)):
        column.metric(row["whistle"], f"{row['arrived']:,} / {row['whistles']:,}", border=True,
                      delta=t("arrival_hours", mean=f"{row['mean_hours'] or 0:.1f}", p90=f"{row['p90_hours'] or 0:.1f}"),
                      delta_color="off", delta_arrow="off", help=t("whistles_help"))
    if whistles.is_empty():
        st.caption(t("no_data"))

with guarded("tickets"):
    st.subheader(t("tickets"))
    listed = panel("ticket_list", flt, clock, limit=LIST_ROWS)
    tickets = translated(listed, "stage", "district", "street", "unit", "category", "subcategory", "channel", "kind")
    shown = tickets.select("request_id", "received_at", "stage", "district", "street", "subcategory", "unit", "text")
    heading(t("ticket_export"), tickets, "tickets")
    picked = st.dataframe(shown.with_columns(link=ticket.links(shown["request_id"])), hide_index=True,
                          width="stretch", height=360, on_select="rerun", selection_mode="single-row",
                          key="ticket_pick", column_config={
                              **ticket_columns(),
                              "link": st.column_config.LinkColumn(t("ticket_link"), display_text=t("ticket_open"))})
    st.caption(t("list_limit", n=f"{LIST_ROWS:,}"))
    if picked.selection.rows:
        ticket.show(listed.row(picked.selection.rows[0], named=True))
