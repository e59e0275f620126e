"""One ticket's detail and life cycle, picked in the ticket list or opened by a link /requests?ticket=<request_id>.

Every value from the data is shown as text (st.text, table cells), never as markdown.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

import altair as alt
import polars as pl
import streamlit as st

from dashboard import charts
from dashboard.columns import TIME
from dashboard.escaping import plain
from dashboard.i18n import lang, name, t
from dashboard.store import ticket

STAGES = {"received": "received_at", "dispatched": "dispatched_at", "responded": "responded_at",
          "handled": "handled_at", "closed": "callback_at"}  # 受理 → 派单 → 响应 → 办结 → 回访
def links(ids: pl.Series) -> pl.Series:
    """Each ticket's link to itself, in the interface language, for the list's link column."""
    return ids.map_elements(lambda i: "requests?" + urlencode({"ticket": i, "lang": lang()}), return_dtype=pl.String)


def lifecycle(row: dict) -> pl.DataFrame:
    """The stages the ticket has reached, with their times, in order."""
    return pl.DataFrame({"stage": [t(f"stage_{stage}") for stage in STAGES], "at": [row[c] for c in STAGES.values()]},
                        schema={"stage": pl.String, "at": pl.Datetime("us")}).drop_nulls("at")


def callback(row: dict) -> str:
    if row["resolved"] is None:
        return "—"
    return (f"{t('resolved_yes') if row['resolved'] else t('resolved_no')} · "
            f"{t('satisfied_yes') if row['satisfied'] else t('satisfied_no')}")


def show(row: dict) -> None:
    """The ticket's id, topic and stage, its (masked) text, its life cycle against the deadline, and where it sits."""
    st.text(f"{row['request_id']} · {name(row['subcategory'])} · {t('stage_' + row['stage'])}")
    st.text(row["text"])
    stages = lifecycle(row)
    deadline = pl.DataFrame({"at": [row["deadline_at"]]})
    charts.show(charts.timeline(stages) + alt.Chart(deadline).mark_rule(color=charts.WARM, strokeDash=[4, 3])
                .encode(x="at:T", tooltip=[alt.Tooltip("at:T", title=t("deadline_at"), format="%Y-%m-%d %H:%M")]),
                height=90)
    left, right = st.columns(2)
    left.dataframe(stages, hide_index=True, width="stretch", key=f"lifecycle_{row['request_id']}", column_config={
        "stage": st.column_config.TextColumn(t("ticket_lifecycle")),
        "at": st.column_config.DatetimeColumn(t("at_time"), format=TIME + ":ss")})
    facts = {"district": f"{name(row['district'])} · {name(row['street'] or '—')}", "unit": name(row["unit"]),
             "category": f"{name(row['category'])} · {name(row['subcategory'])}",
             "channel": f"{name(row['channel'])} · {name(row['kind'])}", "callback": callback(row)}
    right.dataframe(pl.DataFrame({"field": [t(key) for key in facts], "value": list(facts.values())}),
                    hide_index=True, width="stretch", column_config={
                        "field": st.column_config.TextColumn(t("field")),
                        "value": st.column_config.TextColumn(t("value"))})


def linked(request_id: str, clock: datetime) -> None:
    """The ticket a link names, whatever the filters; an unknown one in a quiet line."""
    row = ticket(request_id, clock)
    st.subheader(t("ticket_detail"))
    if row is None:
        st.caption(t("ticket_unknown", id=plain(request_id)))
        return
    show(row)
