"""The interface language: words (dashboard/labels.py), metric names (queries/metrics.py), place and topic names."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import polars as pl
import streamlit as st

from dashboard.labels import CODED, LABELS
from queries.metrics import METRICS

LANGUAGES = ("zh", "en")

_chosen: ContextVar[str | None] = ContextVar("language", default=None)
_names: ContextVar[dict[str, str] | None] = ContextVar("english names", default=None)


def lang() -> str:
    """The interface language: the session's, or the one a bulletin is being written in."""
    return _chosen.get() or st.session_state.get("lang") or "zh"


@contextmanager
def using(language: str, names: dict[str, str]) -> Iterator[None]:
    """Write in language, with these English names, outside a Streamlit session (the bulletins)."""
    tokens = _chosen.set(language), _names.set(names)
    try:
        yield
    finally:
        _chosen.reset(tokens[0])
        _names.reset(tokens[1])


def t(key: str, **values: object) -> str:
    """A label, or a metric's name, in the interface language."""
    zh, en = (METRICS[key].name, METRICS[key].name_en) if key in METRICS else LABELS[key]
    text = en if lang() == "en" else zh
    return text.format(**values) if values else text


def definition(key: str) -> str:
    """A metric's formula in words, in the interface language."""
    return METRICS[key].definition_en if lang() == "en" else METRICS[key].definition


def english_names() -> dict[str, str]:
    """Places, topics, units and types by their English names: a bulletin's, else those handed to the session."""
    names = _names.get()
    return st.session_state.get("english_names", {}) if names is None else names


def hand_names(names: dict[str, str]) -> None:
    """Give the session its English names (the app does, on every run): this module opens no data."""
    st.session_state.english_names = names


def names_of(choices: pl.DataFrame) -> dict[str, str]:
    rows = choices.filter(pl.col("name_en").is_not_null())
    return dict(zip(rows["value"], rows["name_en"]))


def name(value: str) -> str:
    """A place, topic, unit or code in the interface language (an unknown code, e.g. from an import, as is)."""
    for prefix in CODED:
        if f"{prefix}_{value}" in LABELS:
            return t(f"{prefix}_{value}")
    return english_names().get(value, value) if lang() == "en" else value


def translated(rows: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """The frame with its name columns in the interface language: codes by their column, names by English names."""
    names = english_names() if lang() == "en" else {}

    def mapping(column: str) -> dict[str, str]:
        if column not in CODED:
            return names
        return {key[len(column) + 1:]: t(key) for key in LABELS if key.startswith(column + "_")}

    return rows.with_columns(pl.col(c).cast(pl.String).replace(mapping(c)) for c in columns if c in rows.columns)


def labeller(values, label=t):
    """A widget's format_func with its labels fixed now, in the current language (widgets call it later)."""
    labels = {value: label(value) for value in values}
    return labels.__getitem__
