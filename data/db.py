"""Where the database lives and how every tool opens it."""

from __future__ import annotations

import fcntl
import importlib
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from queries import settings

SCHEMA = Path(__file__).resolve().parent / "schema.sql"
log = logging.getLogger("cityops")


def db_path() -> Path:
    """The database named by CITYOPS_DB, else the embedded demo city."""
    return settings.value("CITYOPS_DB")


def connect(path: str | Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path or db_path()), read_only=read_only)


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Load a DuckDB extension shipped as a PyPI package (INSTALL cannot download here)."""
    package = importlib.import_module(f"duckdb_extension_{name}")
    root = Path(package.__path__[0])
    path = next(root.rglob(f"{name}.duckdb_extension"))
    con.load_extension(str(path))


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA.read_text(encoding="utf-8"))


def set_meta(con: duckdb.DuckDBPyConnection, values: dict[str, object]) -> None:
    for key, value in values.items():
        con.execute("delete from meta where key = ?", [key])
        con.execute("insert into meta values (?, ?)", [key, str(value)])


@contextmanager
def writing(target: Path) -> Iterator[None]:
    """Hold the database's one writer's lock (``<db>.lock``, released by the system if the process dies).

    Every rewrite takes it, so two imports started together run one after the other and the second
    copies what the first wrote: without it the last rename wins and the first's rows are lost.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_name(f"{target.name}.lock"), "a+b") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("waiting for another writer of %s", target)
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def rewriting(target: Path, purpose: str, copy: bool = True) -> Iterator[Path]:
    """A work file to write in (a copy of target, or empty), put in target's place only when the block ends.

    Writers take turns (writing()). A running dashboard keeps reading the old file (its connection
    holds the old inode) and picks up the new one by its changed mtime; a crash leaves target as it
    was, and the next rewrite sweeps away the work files of processes that are gone.
    """
    target = Path(target)
    with writing(target):
        sweep(target)
        work = target.with_name(f"{target.name}.{purpose}-{os.getpid()}-{uuid.uuid4().hex[:12]}")
        try:
            if copy and target.exists():
                shutil.copyfile(target, work)
            yield work
            os.replace(work, target)
        finally:
            work.unlink(missing_ok=True)
            Path(str(work) + ".wal").unlink(missing_ok=True)


def sweep(target: Path) -> None:
    """Remove the work files of rewrites whose process was killed; a running one's stays."""
    for stale in target.parent.glob(f"{target.name}.*-*-*"):
        try:
            os.kill(int(stale.name[len(target.name) + 1:].split("-")[1]), 0)
        except ProcessLookupError:
            stale.unlink(missing_ok=True)
        except (ValueError, IndexError, PermissionError):
            continue
