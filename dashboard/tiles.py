"""KPI tiles: the three rates and the on-time rate against target and the period before, and plain counts."""

from __future__ import annotations

import streamlit as st

from dashboard import number_formats
from dashboard.i18n import definition, t
from queries.metrics import METRICS, RATES
from queries.periods import change

DELTA_COLOUR = {True: "normal", False: "inverse", None: "off"}  # by the metric's direction: is higher better?


def rate(column, key: str, current: dict, previous: dict | None, compared: str = "delta_vs_previous") -> None:
    """One rate: its value, the change against the period before, and whether it meets its target."""
    metric = METRICS[key]
    value, target = current.get(key), current.get(metric.target)
    before = (previous or {}).get(key)
    met = None if number_formats.missing(value) or number_formats.missing(target) else value >= target
    mark = "" if met is None else (" :green[✔]" if met else " :red[✘]")
    with column.container(border=True):  # the caption inside the border, where a metric label would truncate
        st.metric(f"{t(key)}{mark}", number_formats.metric(key, value),
                  delta=number_formats.points(change(value, before, rate=True)),
                  delta_color=DELTA_COLOUR[metric.higher_is_better],
                  help=f"{definition(key)}\n\n{t('target')} {number_formats.metric(key, target)}")
        st.caption(f"{t('target')} {number_formats.metric(key, target)} · {t(compared)}")


def headline(rows, columns: list | None = None) -> None:
    """Requests received and the four rates, from the headline_rates panel (the current row and the previous).

    A period still running is compared with the same stretch of the one before, and says so.
    """
    current = next((r for r in rows.iter_rows(named=True) if r["current"]), {})
    previous = next((r for r in rows.iter_rows(named=True) if not r["current"]), None)
    compared = "delta_vs_same_stretch" if current.get("running") else "delta_vs_previous"
    columns = columns or st.columns(5)
    before = (previous or {}).get("received")
    received = current.get("received")
    with columns[0].container(border=True):
        st.metric(t("received"), number_formats.metric("received", received),
                  delta=number_formats.change(change(received, before)),
                  delta_color=DELTA_COLOUR[METRICS["received"].higher_is_better], help=definition("received"))
        st.caption(t(compared))
    for column, key in zip(columns[1:], RATES):
        rate(column, key, current, previous, compared)


def targets(row: dict) -> str:
    """The four rates' targets in one line, from a headline_rates row."""
    return " · ".join(f"{t(key)} {t('target')} {number_formats.metric(key, row[METRICS[key].target])}" for key in RATES)


def count(column, label: str, value: float | None, help_text: str | None = None) -> None:
    with column.container(border=True):  # boxed like the rate tiles
        st.metric(label, number_formats.count(value), help=help_text)
