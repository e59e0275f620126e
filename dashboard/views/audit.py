"""操作留痕: who did what and when, newest first, filterable by action, downloadable whole (admins only)."""

import streamlit as st

from dashboard import auth
from dashboard.exports import csv
from dashboard.i18n import t
from data import audit, db

st.title(t("audit_page"))
if not auth.user().can("audit"):  # the navigation offers the page to admins only; a stale link stops here
    st.stop()
events = audit.read(db.db_path())
chosen = st.multiselect(t("audit_action"), audit.ACTIONS, key="audit_actions")
shown = events.filter(events["action"].is_in(chosen)) if chosen else events
st.dataframe(shown, hide_index=True, width="stretch", column_config={
    "time": t("audit_time"), "user": t("audit_user"), "role": t("audit_role"), "action": t("audit_action"),
    "details": t("audit_details")})
left, right = st.columns(2)
left.download_button("CSV", auth.audited("export", lambda: csv(events), panel="audit", format="csv",
                                         rows=events.height), "cityops-audit.csv", "text/csv", icon=":material/csv:",
                     on_click="ignore", width="stretch")
right.download_button("JSON Lines", auth.audited("export", lambda: audit.path_for(db.db_path()).read_bytes(),
                                                 panel="audit", format="jsonl", rows=events.height),
                      "cityops-audit.jsonl", "application/jsonl", icon=":material/download:", on_click="ignore",
                      width="stretch")
