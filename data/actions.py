"""What people did with warnings (acknowledged, closed), kept beside the database file.

The dashboard reads the city database through a read-only connection, and
imports replace that file whole, so an acknowledgment cannot be written into
it. It goes to a small DuckDB file next to it instead, ``<db>.actions.duckdb``,
which survives restarts, re-imports and regenerations; the latest action on a
warning wins, and the analytics copy it into ``warnings.status`` when they run.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from pathlib import Path

import duckdb

STATUSES = ("new", "acknowledged", "closed")
LOCK = threading.Lock()
SCHEMA = """create table if not exists warning_actions (
    warning_id varchar not null, -- warnings.warning_id
    status     varchar not null, -- new / acknowledged / closed
    acted_at   timestamp not null, -- when it was done
    note       varchar           -- who or why, as typed
)"""


def path_for(database: str | Path) -> Path:
    database = Path(database)
    return database.with_name(f"{database.stem}.actions.duckdb")


def _connect(database: str | Path, attempts: int = 20) -> duckdb.DuckDBPyConnection:
    """Another process may hold the file for a moment: wait for it rather than fail."""
    for attempt in range(attempts):
        try:
            con = duckdb.connect(str(path_for(database)))
            con.execute(SCHEMA)
            return con
        except duckdb.IOException:
            if attempt == attempts - 1:
                raise
            time.sleep(0.1)
    raise AssertionError("unreachable")


def record(database: str | Path, warning_id: str, status: str, note: str | None = None) -> None:
    if status not in STATUSES:
        raise ValueError(f"warning status {status!r}: expected one of {', '.join(STATUSES)}")
    with LOCK, _connect(database) as con:
        con.execute("insert into warning_actions values (?, ?, ?, ?)", [warning_id, status, datetime.now(), note])


def latest(database: str | Path) -> dict[str, str]:
    """Each warning's latest status; empty when nobody has acted yet."""
    if not path_for(database).exists():
        return {}
    with LOCK, _connect(database) as con:
        return dict(con.execute("select warning_id, arg_max(status, acted_at) from warning_actions group by all")
                    .fetchall())
