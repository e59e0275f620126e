"""A panel that fails shows a quiet "no data" note and logs why; it never takes the page down."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from dashboard.i18n import t

log = logging.getLogger("cityops")


@contextmanager
def guarded(name: str) -> Iterator[None]:
    """Draw a panel; on any error (not Streamlit's own reruns), log it and show "no data" instead."""
    try:
        yield
    except Exception:
        log.exception("panel %s failed", name)
        st.caption(f"· {t('no_data')}")
