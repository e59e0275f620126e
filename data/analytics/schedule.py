"""The analytics' own schedule: recomputed when new data came, at most every CITYOPS_ANALYTICS_MINUTES.

They are never part of an import (a batch must land in seconds, they take a minute at 25 M requests).
A dashboard process starts the clock (start()); any number of them may, since a run takes the
analytics' lock and looks again whether it is due.
"""

from __future__ import annotations

import fcntl
import logging
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from data import db
from queries import settings

if TYPE_CHECKING:
    from data.analytics.run import Done

log = logging.getLogger("cityops")
LOOK_SECONDS = 60.0  # how often a dashboard process looks whether the analytics are due


def due(meta: dict[str, str], now: datetime) -> bool:
    """New rows since the analytics last ran (meta changed_at vs analytics_of), and the interval over."""
    if settings.ANALYTICS_MINUTES <= 0 or meta.get("changed_at") == meta.get("analytics_of"):
        return False
    last = meta.get("analytics_at")
    return not last or now - datetime.fromisoformat(last) >= timedelta(minutes=settings.ANALYTICS_MINUTES)


def meta_of(database: Path) -> dict[str, str]:
    with db.opened_when_free(database, read_only=True, wait=0) as con:
        return dict(con.execute("select key, value from meta").fetchall())


def run(database: Path, if_due: bool = False) -> Done | None:
    """The analytics, unless another process is running them (or, if_due, they are not due)."""
    with open(database.with_name(f"{database.name}.analytics.lock"), "a+b") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("the analytics of %s are running in another process", database)
            return None
        if if_due and not due(meta_of(database), datetime.now()):
            return None
        from data.analytics.run import beside  # scikit-learn and statsmodels: not for a dashboard that only looks

        return beside(database)


def start(database: Path) -> threading.Thread:
    """Look every minute, in a thread of this process, and run the due analytics in a process of their own."""
    def look() -> None:
        while True:
            time.sleep(LOOK_SECONDS)
            try:
                if database.is_file() and not db.busy(database) and due(meta_of(database), datetime.now()):
                    subprocess.run([sys.executable, "-m", "data.refresh", "--db", str(database), "--steps",
                                    "analytics", "--if-due"], check=False, capture_output=True, timeout=3600)
            except (duckdb.Error, OSError, subprocess.SubprocessError):
                log.exception("the analytics schedule of %s", database)

    thread = threading.Thread(target=look, name=f"analytics {database.name}", daemon=True)
    thread.start()
    return thread
