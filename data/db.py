"""Where the database lives and how every tool opens it."""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import logging
import os
import time
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


def literal(path: str | Path) -> str:
    """A path as an SQL string, for the statements that take no parameters (attach)."""
    return "'" + str(path).replace("'", "''") + "'"


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

    Writers take turns through it; readers (busy()) see it held and let go of the file.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_of(target), "a+b") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("waiting for another writer of %s", target)
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def lock_of(target: Path) -> Path:
    return target.with_name(f"{target.name}.lock")


def busy(target: Path) -> bool:
    """Whether a writer holds or waits for target: a reader then closes the file so that it can open it."""
    try:
        with open(lock_of(Path(target)), "rb") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(lock, fcntl.LOCK_UN)
    except FileNotFoundError:
        pass
    return False


HELD = ("Conflicting lock", "different configuration")


def opened_when_free(target: Path, read_only: bool = False, config: dict | None = None,
                     wait: float | None = None) -> duckdb.DuckDBPyConnection:
    """target opened once no other process holds it, trying for wait seconds (CITYOPS_WRITER_WAIT).

    DuckDB lets one process write a file, and while it does no other may even read it: the
    dashboards let go when they see busy() and open it again after.
    """
    deadline = time.monotonic() + (settings.WRITER_WAIT if wait is None else wait)
    while True:
        try:
            return duckdb.connect(str(target), read_only=read_only, config=config or {})
        except (duckdb.IOException, duckdb.ConnectionException) as failure:
            # another process holds it ("Conflicting lock"), or this one reads it ("different configuration")
            if not any(word in str(failure) for word in HELD) or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextmanager
def updating(target: str | Path, memory: str = "1500MB") -> Iterator[duckdb.DuckDBPyConnection]:
    """The database itself, written in place in one transaction, by one writer at a time.

    Nothing is copied: a batch costs what it changes. A failure or a killed process rolls the whole
    transaction back, so no partial batch is ever visible and the previous data stays as it was.
    A database the block created is removed again when it fails.
    """
    target = Path(target)
    with writing(target):
        new = not target.exists()
        con = opened_when_free(target, config={"memory_limit": memory})
        try:
            con.execute("set enable_progress_bar = false")
            con.execute("begin")
            yield con
            con.execute("commit")
            con.execute("checkpoint")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.execute("rollback")
            con.close()
            if new:  # a failed first import leaves no empty database behind
                target.unlink(missing_ok=True)
                Path(f"{target}.wal").unlink(missing_ok=True)
            raise
        finally:
            con.close()


@contextmanager
def replacing(target: Path, purpose: str) -> Iterator[Path]:
    """A new file to build, put in target's place only when the block ends (a whole new city).

    A crash leaves target as it was, and the next replacement sweeps away the work files of
    processes that are gone.
    """
    target = Path(target)
    with writing(target):
        sweep(target)
        work = target.with_name(f"{target.name}.{purpose}-{os.getpid()}-{uuid.uuid4().hex[:12]}")
        try:
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
