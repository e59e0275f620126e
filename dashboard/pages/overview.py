"""总览: the headline rates for today and the last 30 days, and requests by district."""

from datetime import timedelta

import altair as alt
import streamlit as st

from dashboard.i18n import t
from dashboard.store import now, panel
from queries import Filter

clock = now()
today = clock.date()
st.title(t("app_title"))
st.caption(f"{t('as_of')} {clock:%Y-%m-%d %H:%M}")

open_now = panel("open_now", Filter(today, today + timedelta(days=1)), clock).row(0, named=True)
for label, start in ((t("today"), today), (t("last_30_days"), today - timedelta(days=29))):
    rates = panel("headline_rates", Filter(start, today + timedelta(days=1)), clock).row(0, named=True)
    st.subheader(label)
    columns = st.columns(6)
    columns[0].metric(t("received"), f"{rates['received']:,}")
    for column, key in zip(columns[1:5], ("response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate")):
        value = rates[key]
        column.metric(t(key), "—" if value is None else f"{value:.1%}")
    columns[5].metric(t("open_now"), f"{open_now['open']:,}")

by_district = panel("rates_by", Filter(today - timedelta(days=29), today + timedelta(days=1)), clock, level="district")
st.subheader(t("by_district"))
st.altair_chart(
    alt.Chart(by_district.to_pandas()).mark_bar().encode(
        x=alt.X("received:Q", title=t("requests")),
        y=alt.Y("name:N", sort="-x", title=t("district")),
        tooltip=["name", "received"],
    ),
    width="stretch",
)
