"""总览: the headline rates for today and the last 30 days, and requests by district."""

from datetime import datetime, timedelta

import altair as alt
import streamlit as st

from dashboard.i18n import t
from dashboard.store import now, panel

clock = now()
midnight = datetime.combine(clock.date(), datetime.min.time())
st.title(t("app_title"))
st.caption(f"{t('as_of')} {clock:%Y-%m-%d %H:%M}")

for label, start in ((t("today"), midnight), (t("last_30_days"), midnight - timedelta(days=29))):
    rates = panel("headline_rates", start=start, end=midnight + timedelta(days=1), t=clock).row(0, named=True)
    st.subheader(label)
    columns = st.columns(6)
    columns[0].metric(t("received"), f"{rates['received']:,}")
    for column, key in zip(columns[1:5], ("response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate")):
        value = rates[key]
        column.metric(t(key), "—" if value is None else f"{value:.1%}")
    columns[5].metric(t("open_now"), f"{rates['open_now']:,}")

by_district = panel("requests_by_district", start=midnight - timedelta(days=29), end=midnight + timedelta(days=1), t=clock)
st.subheader(t("by_district"))
st.altair_chart(
    alt.Chart(by_district.to_pandas()).mark_bar().encode(
        x=alt.X("requests:Q", title=t("requests")),
        y=alt.Y("district:N", sort="-x", title=t("district")),
        tooltip=["district", "requests"],
    ),
    use_container_width=True,
)
