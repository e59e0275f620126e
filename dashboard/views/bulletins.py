"""通报: the daily notice, weekly summary or monthly analysis for the chosen district, previewed and downloadable."""

from datetime import timedelta

import streamlit as st

from dashboard import auth, bulletin, freshness
from dashboard.guard import guarded
from dashboard.i18n import labeller, t
from dashboard.store import now, reading

clock = now()
st.title(t("bulletins"))
st.caption(freshness.line(clock))
left, middle, right = st.columns(3)
kind = left.segmented_control(t("bulletin_kind"), bulletin.KINDS, default="day", key="bulletin_kind",
                              format_func=labeller(bulletin.KINDS, lambda k: t(f"bulletin_kind_{k}"))) or "day"
day = middle.date_input(t("bulletin_date"), clock.date() - timedelta(days=1), max_value=clock.date(),
                        key="bulletin_date")
scope = auth.user().scope  # a manager's bulletin holds their districts only (queries.run applies the scope)
districts = st.session_state.get("f_districts") or []
# one district, or the city; a manager's is one of theirs, never titled as the city's
district = districts[0] if len(districts) == 1 else (scope[0] if scope else None)
right.caption(t("bulletin_scope", scope=district or t("whole_city")))

with guarded("bulletin"):
    with reading() as cursor:
        made = bulletin.made(cursor, kind, day, district, scope)
    html, markdown = bulletin.render(made)
    stem = bulletin.stem(made)
    buttons = st.columns(2)
    said = {"kind": kind, "day": day.isoformat(), "district": district, "scope": scope}
    buttons[0].download_button("HTML", auth.audited("bulletin", lambda: html, format="html", **said), f"{stem}.html",
                               "text/html", icon=":material/download:", width="stretch", on_click="ignore")
    buttons[1].download_button("Markdown", auth.audited("bulletin", lambda: markdown, format="md", **said),
                               f"{stem}.md", "text/markdown", icon=":material/download:", width="stretch",
                               on_click="ignore")
    st.iframe(html, height="content")
