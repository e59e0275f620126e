"""The dashboard's one read-only connection and its cached panel queries."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import streamlit as st

import queries
from data import db


@st.cache_resource
def connection():
    return db.connect(db.db_path(), read_only=True)


def data_version() -> str:
    return db.meta(queries.prepare(connection())).get("data_version", "")


@st.cache_data(max_entries=512, show_spinner=False)
def cached(name: str, params: tuple, version: str) -> pl.DataFrame:
    return queries.run(queries.prepare(connection()), name, dict(params))


def panel(name: str, **params: object) -> pl.DataFrame:
    """A panel's rows, cached per parameters and per data version."""
    return cached(name, tuple(sorted(params.items())), data_version())


def now() -> datetime:
    return queries.clock(queries.prepare(connection()))
