"""python -m data.ingest --watch DIR: import every file dropped into a folder, once.

A file is imported once its size and modification time have stayed the same for a moment, so one still
being copied in is never read half-way (a writer that pauses longer should write `name.part` and rename
it when done: names ending .part or .tmp, and hidden ones, are left alone). Then it goes to DIR/done/, or
to DIR/failed/ with `<name>.reason.txt` beside it. Only DIR itself is looked at: what is in done/ is never
read again, and a file left in DIR by a stopped watcher is picked up by the next (imports are idempotent,
so one imported just before a crash and imported again changes nothing).

The folder is polled, not watched with inotify (the `watchdog` package): a poll is needed anyway at start
for the files left from before, the size-and-time test is needed anyway because a creation event says
nothing about when the writer is done, inotify sees nothing on network shares (where exports often land),
and a second's delay is nothing beside an import's.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from itertools import count
from pathlib import Path

from data.ingest import ingest, mapping
from queries import settings

log = logging.getLogger("cityops")
PARTIAL = (".part", ".tmp")  # still being written, by the convention of downloaders and copy tools


def arrivals(directory: Path) -> list[Path]:
    """The files waiting in directory, oldest name first."""
    return sorted(path for path in directory.iterdir()
                  if path.is_file() and not path.name.startswith(".") and not path.name.endswith(PARTIAL))


class Settling:
    """Which files have stopped changing: the same size and modification time for settle seconds."""

    def __init__(self, settle: float) -> None:
        self.settle = settle
        self.seen: dict[Path, tuple[tuple[int, int], float]] = {}  # path -> (size, mtime), since when

    def ready(self, paths: list[Path], now: float) -> list[Path]:
        seen = {}
        for path in paths:
            try:
                stat = path.stat()
            except FileNotFoundError:  # moved away between the listing and now
                continue
            signature = (stat.st_size, stat.st_mtime_ns)
            before, since = self.seen.get(path, (None, now))
            seen[path] = (signature, since if before == signature else now)
        self.seen = seen
        return [path for path, (_, since) in seen.items() if now - since >= self.settle]


def moved(path: Path, folder: Path) -> Path:
    """path moved into folder, under a new name if one there already has its name (the same file sent again)."""
    place = folder / path.name
    for number in count(1):
        if not place.exists():
            break
        place = folder / f"{path.stem}.{datetime.now():%Y%m%d-%H%M%S}-{number}{path.suffix}"
    return path.replace(place)


def handle(path: Path, target: Path, fmt: str, chosen: mapping.Mapping | None, source: str | None,
           kind: str | None) -> bool:
    """Import one file and put it in done/ or failed/; True when it was imported."""
    try:
        summary = ingest([path], target, fmt, chosen, source, kind=kind)
    except Exception as failure:  # noqa: BLE001 - what one file does wrong is that file's, not the watcher's
        reason = (str(failure).splitlines() or [type(failure).__name__])[0]
        place = moved(path, path.parent / "failed")
        place.with_name(f"{place.name}.reason.txt").write_text(reason + "\n", encoding="utf-8")
        log.info("watch: %s failed: %s", path.name, reason)
        return False
    moved(path, path.parent / "done")
    log.info("watch: %s %s", path.name, summary.line())
    return True


def watch(directory: Path, target: Path, fmt: str = "auto", chosen: mapping.Mapping | None = None,
          source: str | None = None, kind: str | None = None, every: float | None = None,
          settle: float | None = None, cycles: int | None = None) -> int:
    """Look in directory every `every` seconds (CITYOPS_WATCH_SECONDS), cycles times or for ever, and import
    each file that has settled; return how many were imported."""
    every = settings.value("CITYOPS_WATCH_SECONDS") if every is None else every
    if not directory.is_dir():
        raise ValueError(f"{directory}: no such folder to watch")
    if target.resolve().parent == directory.resolve():  # the database and its lock would arrive as files
        raise ValueError(f"{directory}: the database {target.name} is in the watched folder; watch another")
    for folder in ("done", "failed"):
        (directory / folder).mkdir(exist_ok=True)
    settling, imported = Settling(every if settle is None else settle), 0
    stuck: set[Path] = set()  # imported or failed but not movable (permissions): not imported again and again
    log.info("watch: watching %s, every %g s", directory, every)
    for cycle in count():
        if cycles is not None and cycle >= cycles:
            break
        if cycle:
            time.sleep(every)
        for path in settling.ready(arrivals(directory), time.monotonic()):
            if path in stuck or not path.exists():
                continue
            try:
                imported += handle(path, target, fmt, chosen, source, kind)
            except OSError as failure:
                stuck.add(path)
                log.info("watch: %s cannot be moved out of the folder, left alone: %s", path.name, failure)
    return imported
