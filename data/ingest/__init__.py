"""python -m data.ingest FILE... --db PATH: import real exports into the tables the dashboard reads.

An import writes the database in place, in one transaction, taking its turn with the other writers
(db.updating): a failure or a kill leaves the previous data as it was, and the running dashboards,
which let go of the file while it is written, see the batch on their next rerun. Only the days and
months the batch touches are re-aggregated; the analytics run on their own schedule, not here.
Requests are kept by source + request_id, incidents by dataset + incident_id, indicators by
period + district + code: importing a file twice changes nothing, a newer export replaces the
older rows, and a ticket's older version never replaces a newer one (versions.py). A file in our own
column names (the requests or incidents table as written by `copy ... to 'x.csv'`) reads back whole.
Every refused row is kept in rejected_rows with its file, line, reason and raw text.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from data import db
from data.ingest import boundaries, files, incidents, indicators, limits, mapping, refusals, requests, versions
from data.refresh import Batch, refresh
from queries import PARAMETER

REFUSED_KEPT = 10_000  # refused rows handed back with the summary; all of them stay in rejected_rows
MEMORY = "1500MB"  # DuckDB's share: it spills to disk beyond it, so a file larger than memory still streams
KINDS = {"requests": requests, "incidents": incidents, "indicators": indicators}  # each: candidates, replace


@dataclass(frozen=True)
class Summary:
    import_id: str
    read: int
    loaded: int
    rejected: int
    seconds: float  # the import with its rollups and indicators
    refused: pl.DataFrame | None = None  # the first REFUSED_KEPT refused rows, for whoever ran the import to see

    def line(self) -> str:
        return f"ingest: read={self.read} loaded={self.loaded} rejected={self.rejected} seconds={self.seconds:.1f}"


def bound(sql: str, values: dict) -> dict:
    """The values a statement names, and only those (DuckDB refuses unused named parameters)."""
    return {key: values[key] for key in dict.fromkeys(PARAMETER.findall(sql)) if key in values}


def extent_of(con: duckdb.DuckDBPyConnection, chosen: mapping.Mapping) -> tuple[float, float, float, float] | None:
    """Where points may fall: the mapping's box, else a margin around the city's boundaries when it has them."""
    if chosen.extent:
        return chosen.extent
    db.load_extension(con, "spatial")
    box = con.execute("""select min(st_xmin(g)), min(st_ymin(g)), max(st_xmax(g)), max(st_ymax(g))
                         from (select st_geomfromgeojson(geometry) as g from districts where geometry is not null)
                      """).fetchone()
    return None if box[0] is None else (box[0] - 0.05, box[1] - 0.05, box[2] + 0.05, box[3] + 0.05)


def load_file(con: duckdb.DuckDBPyConnection, path: Path, fmt: str, chosen: mapping.Mapping | None,
              source: str | None, import_id: str, kind: str = "requests") -> tuple[int, int, int, str]:
    """Stage, check and upsert one file of kind; return read, loaded, rejected and the dataset it went to."""
    limits.check(path, fmt)
    fmt = files.detect(path) if fmt == "auto" else fmt
    headers = files.stage(con, path, fmt, chosen)
    chosen = chosen or mapping.recognise(headers, fmt, source or path.stem, kind, str(path))
    chosen.check(headers, str(path))
    source, rows = source or chosen.source, KINDS[chosen.kind]
    extent = extent_of(con, chosen) if chosen.kind != "indicators" else None
    values = {**requests.parameters(con, chosen, source, extent, rows.VOCABULARIES, rows.KNOWN),
              **rows.BOUND}
    if chosen.kind == "indicators":
        indicators.define_ours(con)
    sql = rows.candidates(chosen)
    con.execute(f"create or replace temp table candidates as {sql}", bound(sql, values))
    if chosen.kind != "indicators":
        boundaries.drop_outside(con)
        versions.refuse_older(con, rows, source)
    read, refused = con.execute("select count(*), count(reason) from candidates").fetchone()
    refusals.keep(con, import_id, path)
    rows.replace(con, source)
    if chosen.kind == "requests":
        con.execute("""insert into sources select ?, ?, ?, now()::timestamp
                       where ? not in (select source from sources)""",
                    [source, fmt, "responded_at" in chosen.columns, source])
        con.execute("update sources set imported_at = now()::timestamp, records_responses = ? where source = ?",
                    ["responded_at" in chosen.columns, source])
    return read, read - refused, refused, source


def derive_places(con: duckdb.DuckDBPyConnection) -> None:
    """Districts, streets, categories, incident types and units named by the rows but absent from their tables."""
    located = "select district, street, lat, lon, unit from requests union all " \
              "select district, street, lat, lon, unit from incidents"
    con.execute(f"""insert into districts (district, centroid_lat, centroid_lon)
                    select district, avg(lat), avg(lon) from ({located})
                    where district is not null and district not in (select district from districts) group by all""")
    con.execute(f"""insert into streets (street, district, centroid_lat, centroid_lon)
                    select street, any_value(district), avg(lat), avg(lon) from ({located})
                    where street is not null and district is not null and street not in (select street from streets)
                    group by street""")
    con.execute("""insert into categories (code, category_code, category, subcategory, deadline_hours)
                   select subcategory, any_value(category), any_value(category), subcategory, 0 from requests
                   where subcategory not in (select subcategory from categories) group by subcategory""")
    con.execute("""insert into incident_types (type)
                   select distinct type from incidents where type not in (select type from incident_types)""")
    con.execute(f"""insert into units (unit, unit_type)
                    select distinct unit, 'department' from ({located})
                    where unit is not null and unit not in (select unit from units)""")


def ingest(paths: list[Path], target: Path, fmt: str = "auto", chosen: mapping.Mapping | None = None,
           source: str | None = None, progress: Callable[[float, str], None] | None = None,
           kind: str | None = None) -> Summary:
    """Import the files (of kind, else the mapping's, else requests) into target atomically.

    The database is replaced only when all of it is in. The rollups are rebuilt when requests came, the
    computed indicators when requests or incidents did (an imported city's; the demo keeps its own).
    """
    if chosen and kind and chosen.kind != kind:
        raise ValueError(f"the mapping is for {chosen.kind}, not {kind}")
    kind = chosen.kind if chosen else kind or "requests"
    started, import_id = time.perf_counter(), uuid.uuid4().hex[:12]
    report = progress or (lambda fraction, message: None)
    with db.updating(target, MEMORY) as con:
        db.create_schema(con)
        totals, sources, batch = [0, 0, 0], set(), Batch(con, kind)
        for number, path in enumerate(paths):
            report(number / (len(paths) + 1), f"{path.name}")
            counts = load_file(con, Path(path), fmt, chosen, source, import_id, kind)
            batch.add(con, counts[3])
            totals = [a + b for a, b in zip(totals, counts[:3])]
            sources.add(counts[3])
        derive_places(con)
        fractions = {"rollups": len(paths) / (len(paths) + 1), "indicators": 0.9}
        refresh(con, target, steps_after(con, kind), version=f"import-{import_id}",
                progress=lambda step: report(fractions[step], step), touched=batch.days(con))
        seconds = time.perf_counter() - started
        con.execute("insert into imports values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [import_id, ",".join(sorted(sources)), ",".join(map(str, paths)), fmt,
                     datetime.now(), *totals, seconds])
        refused = con.execute("select file, line, reason, detail, field, raw from rejected_rows where import_id = ? "
                              "order by file, line limit ?", [import_id, REFUSED_KEPT]).pl()
    report(1.0, "done")
    return Summary(import_id, *totals, seconds, refused)


def steps_after(con: duckdb.DuckDBPyConnection, kind: str) -> list[str]:
    """What an import of kind must refresh: the rollups when requests came (or were never built), the
    computed indicators of an imported city (the demo keeps its own) unless indicators came."""
    built = con.execute("select count(*) from duckdb_tables() where table_name = 'requests_live'").fetchone()[0]
    demo = con.execute("select count(*) from sources where source = 'demo'").fetchone()[0]
    steps = ["rollups"] if kind == "requests" or not built else []
    if kind != "indicators" and not demo:
        steps.append("indicators")
    return steps


@dataclass(frozen=True)
class Preview:
    """How a file reads before it is imported: its format, which of its columns feed ours, its first rows;
    checked, also what would load and what would be refused, and why."""

    fmt: str
    columns: dict[str, str]  # our column -> theirs
    rows: pl.DataFrame
    counts: tuple[int, int, int] | None = None  # checked: read, would load, would be refused
    reasons: pl.DataFrame | None = None  # checked: reason, field (NULL: the row refused), rows

    def lines(self) -> list[str]:
        """The check in words, one line each."""
        read, loaded, refused = self.counts or (0, 0, 0)
        said = [f"columns: {', '.join(f'{theirs} → {ours}' for ours, theirs in self.columns.items())}",
                f"check: read={read} would_load={loaded} would_refuse={refused}"]
        return said + [f"  {n} rows: {reason}" + (f" (loaded without {field})" if field else " (refused)")
                       for reason, field, n in (self.reasons.iter_rows() if self.reasons is not None else [])]


def preview(path: Path, chosen: mapping.Mapping | None = None, kind: str = "requests", rows: int = 20,
            check: bool = False) -> Preview:
    """Read the file as an import of kind would, in a database of its own in memory: nothing is written.

    check: import it there too, to say what would load and what would be refused (against an empty city:
    without the stored versions and district boundaries of the real database).
    """
    with duckdb.connect() as con:
        fmt = files.detect(path)
        headers = files.stage(con, path, fmt, chosen)
        rules = chosen or mapping.recognise(headers, fmt, path.stem, kind, str(path))
        first = con.execute("select * exclude (_raw) from staged limit ?", [rows]).pl()
        columns = {ours: " + ".join(rules.theirs(ours)) for ours in rules.columns}
        if not check:
            return Preview(fmt, columns, first)
        db.create_schema(con)
        counts = load_file(con, path, fmt, chosen, None, "check", kind)[:3]
        reasons = con.execute("select reason, field, count(*) as rows from rejected_rows group by all "
                              "order by rows desc, reason").pl()
        return Preview(fmt, columns, first, counts, reasons)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data.ingest", description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--db", type=Path, default=db.db_path())
    parser.add_argument("--format", choices=files.FORMATS, default="auto")
    parser.add_argument("--mapping", type=Path, help="a TOML mapping file (see data/mappings/example.toml)")
    parser.add_argument("--kind", choices=mapping.KINDS,
                        help="what the files hold (default: the mapping's kind, else requests)")
    parser.add_argument("--source", help="the dataset name to keep the rows under (default: from the mapping)")
    parser.add_argument("--watch", type=Path, metavar="DIR",
                        help="import every file dropped into DIR, then move it to DIR/done/ or DIR/failed/")
    parser.add_argument("--pull", metavar="URL",
                        help="pull an Open311 GeoReport v2 requests.json endpoint or a Socrata resource")
    parser.add_argument("--api", choices=("open311", "socrata"), help="what --pull's URL is (default: told by it)")
    parser.add_argument("--every", type=float, metavar="SECONDS",
                        help="seconds between looks (default: CITYOPS_WATCH_SECONDS or CITYOPS_PULL_SECONDS)")
    parser.add_argument("--once", action="store_true", help="look once with --pull or --watch, then stop")
    parser.add_argument("--check", action="store_true",
                        help="say what would load and what would be refused, and why; write nothing")
    args = parser.parse_args(argv)
    if bool(args.files) + bool(args.watch) + bool(args.pull) != 1:
        parser.error("give the files to import, or --watch DIR, or --pull URL (one of them)")
    try:
        for path in args.files:
            if not path.is_file():
                raise ValueError(f"{path}: no such file")
        chosen = mapping.load(args.mapping, args.kind) if args.mapping else None
        if args.watch or args.pull:
            return connector(args, chosen)
        if args.check:
            for path in args.files:
                print(f"{path}:", *preview(path, chosen, args.kind or "requests", check=True).lines(), sep="\n")
            return 0
        summary = ingest(args.files, args.db, args.format, chosen, args.source, kind=args.kind)
    except (ValueError, OSError, duckdb.Error) as failure:
        print(f"ingest: failed: {str(failure).splitlines()[0]}", file=sys.stderr)
        return 1
    print(summary.line())
    return 0


def connector(args: argparse.Namespace, chosen: mapping.Mapping | None) -> int:
    """Run --watch or --pull until stopped (Ctrl-C) or, with --once, for one look (the watcher's takes two, a
    moment apart, to see which files have settled); a line is logged per file or pull. Analytics run apart.
    Non-zero only when the one pull of --once failed."""
    from data.ingest import pull, watch  # they import ingest() from this module

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout, force=True)
    try:
        if args.watch:
            watch.watch(args.watch, args.db, args.format, chosen, args.source, args.kind, args.every,
                        cycles=2 if args.once else None)
        else:
            if not pull.pull(args.pull, args.db, args.api, chosen, args.source, args.every, 1 if args.once else None):
                return 1
    except KeyboardInterrupt:
        logging.getLogger("cityops").info("stopped")
    return 0
