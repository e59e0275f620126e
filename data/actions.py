"""What people did with warnings (acknowledged, closed), kept beside the database file.

The dashboard reads the city database through a read-only connection, and
imports replace that file whole, so an acknowledgment cannot be written into
it. It goes to a small DuckDB file next to it instead, ``<db>.actions.duckdb``,
which survives restarts, re-imports and regenerations; the latest action on a
warning wins, and the analytics copy it into ``warnings.status`` when they run.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from pathlib import Path

import duckdb

STATUSES = ("new", "acknowledged", "closed")
LOCK = threading.Lock()
WAIT_SECONDS = 10.0  # an action waits this long for another process to let go of the file, then says it failed
READ_SECONDS = 2.0  # a page waits this long to read the statuses, then shows those it read last
SCHEMA = """create table if not exists warning_actions (
    warning_id varchar not null, -- warnings.warning_id
    status     varchar not null, -- new / acknowledged / closed
    acted_at   timestamp not null, -- when it was done
    note       varchar           -- who or why, as typed
)"""
log = logging.getLogger("cityops")
_read: dict[Path, dict[str, str]] = {}  # each file's statuses as last read, for while another process holds it


class Busy(RuntimeError):
    """Another process held the actions file longer than we waited: nothing was written or read."""


def path_for(database: str | Path) -> Path:
    database = Path(database)
    return database.with_name(f"{database.stem}.actions.duckdb")


def _connect(database: str | Path, seconds: float) -> duckdb.DuckDBPyConnection:
    """Another process may hold the file (DuckDB lets one process write it): wait for it, up to seconds."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            con = duckdb.connect(str(path_for(database)))
            con.execute(SCHEMA)
            return con
        except duckdb.IOException as held:
            if time.monotonic() >= deadline:
                raise Busy(f"{path_for(database).name}: held by another process for over {seconds:g} s") from held
            time.sleep(0.1)


def record(database: str | Path, warning_id: str, status: str, note: str | None = None) -> None:
    """Write an action, waiting up to WAIT_SECONDS for the file; Busy when it could not be written."""
    if status not in STATUSES:
        raise ValueError(f"warning status {status!r}: expected one of {', '.join(STATUSES)}")
    try:
        with LOCK, _connect(database, WAIT_SECONDS) as con:
            con.execute("insert into warning_actions values (?, ?, ?, ?)",
                        [warning_id, status, datetime.now(), note])
    except Busy:
        log.warning("warning %s was not set %s", warning_id, status, exc_info=True)
        raise


def latest(database: str | Path) -> dict[str, str]:
    """Each warning's latest status; empty when nobody has acted yet; as last read while the file is held."""
    path = path_for(database)
    if not path.exists():
        return {}
    try:
        with LOCK, _connect(database, READ_SECONDS) as con:
            done = dict(con.execute("select warning_id, arg_max(status, acted_at) from warning_actions group by all")
                        .fetchall())
    except Busy:
        log.warning("warning statuses as last read: %s", path.name, exc_info=True)
        return _read.get(path, {})
    _read[path] = done
    return done
