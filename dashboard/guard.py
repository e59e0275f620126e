"""Failures never reach a user as a traceback or a server path.

A panel that fails shows a quiet "no data" note and logs why; it never takes the page down. A step a
user asked for (reading an upload, an import) that fails says so in one line with an error id, and the
log holds the full error under that id.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from dashboard.escaping import plain
from dashboard.i18n import t

log = logging.getLogger("cityops")
# Errors of the program itself: their words mean nothing to the user. Any other error's first line says what
# was wrong with the file, the mapping or the database.
BUGS = (ArithmeticError, AssertionError, AttributeError, LookupError, NameError, TypeError)
PATH = re.compile(r"(?<![\w%.])(?:/[^/\s'\"]+)+/([^/\s'\"]+)")  # /tmp/cityops-upload-x/a.csv -> a.csv


@contextmanager
def guarded(name: str) -> Iterator[None]:
    """Draw a panel; on any error (not Streamlit's own reruns), log it and show "no data" instead."""
    try:
        yield
    except Exception:
        log.exception("panel %s failed", name)
        st.caption(f"· {t('no_data')}")


def reason(failure: Exception) -> str:
    """What went wrong, in one line without server paths; for a bug, only that there was one."""
    if isinstance(failure, BUGS):
        return t("error_unexpected")
    line = next((line.strip() for line in str(failure).splitlines() if line.strip()), type(failure).__name__)
    return PATH.sub(r"\1", line)[:300]


@contextmanager
def reported(label: str, **names: object) -> Iterator[None]:
    """Run a step a user asked for; on an error, log it under a short id, say it in one line and stop the page."""
    try:
        yield
    except Exception as failure:
        error_id = uuid.uuid4().hex[:8]
        log.exception("error %s: %s", error_id, label)
        said = t(label).format(reason=reason(failure), **names)
        st.error(plain(f"{said} ({t('error_id').format(id=error_id)})"), icon=":material/error:")
        st.stop()
