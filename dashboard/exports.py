"""Export what you see: every table and chart's rows as CSV or Excel, under the current filters, masked."""

from __future__ import annotations

import io
from datetime import datetime

import polars as pl
import streamlit as st

from dashboard import auth, wall
from dashboard.i18n import t
from dashboard.store import masked

FORMULA = r"^[=+\-@\t\r]"  # what a spreadsheet may run as a formula (=HYPERLINK(...), +cmd, @SUM, ...)


def inert(rows: pl.DataFrame) -> pl.DataFrame:
    """Masked rows whose text cannot run in a spreadsheet: a cell a formula could start with gets a leading '."""
    rows = masked(rows)
    return rows.with_columns(pl.when(pl.col(name).str.contains(FORMULA)).then("'" + pl.col(name))
                             .otherwise(pl.col(name)).alias(name)
                             for name, kind in rows.schema.items() if kind == pl.String)


def csv(rows: pl.DataFrame) -> bytes:
    return inert(rows).write_csv().encode("utf-8-sig")  # with a BOM, so Excel opens Chinese text right


def excel(rows: pl.DataFrame, sheet: str) -> bytes:
    buffer = io.BytesIO()
    inert(rows).write_excel(buffer, worksheet=sheet[:31], autofit=True)
    return buffer.getvalue()


def heading(title: str, rows: pl.DataFrame | None = None, name: str = "cityops") -> None:
    """A panel's title, with its rows one click away as CSV and Excel (not on the wall screen)."""
    if rows is None or wall.on():
        st.markdown(f"**{title}**")
        return
    left, right = st.columns([20, 1], vertical_alignment="center")
    left.markdown(f"**{title}**")
    stem = f"{name}-{datetime.now():%Y%m%d-%H%M}"
    with right.popover("", icon=":material/download:", help=t("export_help"), key=f"export_{name}"):
        st.download_button("CSV", auth.audited("export", lambda: csv(rows), panel=name, format="csv", rows=rows.height),
                           f"{stem}.csv", "text/csv", on_click="ignore",
                           icon=":material/csv:", key=f"csv_{name}", width="stretch")
        st.download_button("Excel", auth.audited("export", lambda: excel(rows, title), panel=name, format="xlsx",
                                                 rows=rows.height), f"{stem}.xlsx", on_click="ignore",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           icon=":material/table_view:", key=f"xlsx_{name}", width="stretch")
