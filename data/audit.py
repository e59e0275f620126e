"""Who did what and when (留痕): an append-only log beside the database, one JSON line per event.

``<db>.audit.jsonl`` is only ever appended to (O_APPEND, under an flock, so lines from the dashboard's
sessions and the command line never interleave); nothing in cityops rewrites or trims it. A line holds the
time, the user, their role, the action and its details: login, login_failed, logout, warning (acknowledged,
closed, reopened), emergency, import (files and counts), export, bulletin, account and wall-key changes.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from datetime import datetime
from pathlib import Path

import polars as pl

ACTIONS = ("login", "login_failed", "logout", "warning", "emergency", "import", "export", "bulletin", "account",
           "wall_key")
COLUMNS = {"time": pl.String, "user": pl.String, "role": pl.String, "action": pl.String, "details": pl.String}
log = logging.getLogger("cityops")


def path_for(database: str | Path) -> Path:
    database = Path(database)
    return database.with_name(f"{database.stem}.audit.jsonl")


def record(database: str | Path, user: str, role: str, action: str, **details: object) -> None:
    """Append one event; the time is the server's, to the second."""
    if action not in ACTIONS:
        raise ValueError(f"audit action {action!r}: expected one of {', '.join(ACTIONS)}")
    line = json.dumps({"time": datetime.now().isoformat(timespec="seconds"), "user": user, "role": role,
                       "action": action, "details": details}, ensure_ascii=False, default=str) + "\n"
    descriptor = os.open(path_for(database), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        os.write(descriptor, line.encode("utf-8"))
    finally:
        os.close(descriptor)


def read(database: str | Path) -> pl.DataFrame:
    """Every event, newest first, details as their JSON text; a line that does not parse is logged and skipped."""
    path, rows = path_for(database), []
    if path.exists():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            try:
                event = json.loads(line)
                rows.append({**{key: str(event[key]) for key in ("time", "user", "role", "action")},
                             "details": json.dumps(event.get("details", {}), ensure_ascii=False)})
            except (ValueError, KeyError, TypeError):
                log.warning("%s line %d is not an audit event", path.name, number)
    return pl.DataFrame(rows, schema=COLUMNS).reverse()
