"""python -m data.bench_ingest --rows N: import N rows of NYC-311-shaped CSV, beside the pandas way.

--batch N --db CITY: import a batch of N requests into a copy of CITY while a dashboard's reader holds it
open, then two such batches at once; prints the seconds and peak RSS of each, how soon the dashboard saw
the first, and how many rows landed.

Writes the CSV (Socrata's columns and timestamp format, 1 % bad rows), imports it into a fresh
database with data.ingest in a child process, then reads and checks it the pandas way
(pandas.read_csv, parse the timestamps, refuse the unreadable) in another; prints the seconds
and the peak RSS of each. --boundaries gives the database district polygons first, so every point
is also checked against them (NYC exports come without boundaries, so the plain run skips that).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import shapely
import shapely.affinity

from data import db
from queries import settings

AGENCIES = ["NYPD", "DSNY", "HPD", "DOT", "DEP", "DOB"]
COMPLAINTS = ["Noise - Residential", "Illegal Parking", "HEAT/HOT WATER", "Street Condition", "Blocked Driveway",
              "UNSANITARY CONDITION", "Noise - Street/Sidewalk", "Water System"]
BOROUGHS = ["MANHATTAN", "BROOKLYN", "QUEENS", "BRONX", "STATEN ISLAND"]
STATUSES = ["Closed", "Closed", "Closed", "Open", "In Progress"]


def write(path: Path, rows: int, seed: int = 1) -> None:
    """A Socrata-style NYC 311 CSV of rows requests, about 1 % of them unreadable."""
    rng = np.random.default_rng(seed)
    created = (np.datetime64("2025-11-01") + rng.integers(0, 365 * 24 * 3600, rows).astype("timedelta64[s]")).astype("datetime64[ms]")
    closed = created + rng.integers(600, 30 * 24 * 3600, rows).astype("timedelta64[s]")
    status = np.array(STATUSES)[rng.integers(0, len(STATUSES), rows)]
    frame = pl.DataFrame({
        "Unique Key": np.arange(60_000_000, 60_000_000 + rows).astype(str),
        "Created Date": pl.Series(created).dt.strftime("%m/%d/%Y %I:%M:%S %p"),
        "Closed Date": pl.Series(closed).dt.strftime("%m/%d/%Y %I:%M:%S %p"),
        "Agency": np.array(AGENCIES)[rng.integers(0, len(AGENCIES), rows)],
        "Complaint Type": np.array(COMPLAINTS)[rng.integers(0, len(COMPLAINTS), rows)],
        "Descriptor": "Loud Music/Party",
        "Status": status,
        "Resolution Description": "The Police Department responded to the complaint and took action.",
        "Community Board": np.char.add(np.char.zfill(rng.integers(1, 13, rows).astype(str), 2), " BROOKLYN"),
        "Borough": np.array(BOROUGHS)[rng.integers(0, len(BOROUGHS), rows)],
        "Open Data Channel Type": np.array(["PHONE", "ONLINE", "MOBILE"])[rng.integers(0, 3, rows)],
        "Latitude": np.round(40.5 + rng.random(rows) * 0.4, 6).astype(str),
        "Longitude": np.round(-74.2 + rng.random(rows) * 0.45, 6).astype(str),
    }).with_columns(pl.when(pl.col("Status") == "Closed").then(pl.col("Closed Date")).otherwise(None)
                    .alias("Closed Date"))
    bad = rng.random(rows) < 0.01
    frame = frame.with_columns(pl.when(pl.Series(bad)).then(pl.lit("not a date")).otherwise(pl.col("Created Date"))
                               .alias("Created Date"))
    frame.write_csv(path)


def seed_boundaries(path: Path) -> None:
    """Five districts over the NYC box, strips of a 1,025-vertex ellipse: about a fifth of the points fall outside."""
    city = shapely.affinity.scale(shapely.Point(-73.975, 40.7).buffer(1.0, quad_segs=256), 0.25, 0.22)
    edges = np.linspace(-74.25, -73.7, len(BOROUGHS) + 1)
    with duckdb.connect(str(path)) as con:
        db.create_schema(con)
        for name, west, east in zip(BOROUGHS, edges, edges[1:]):
            part = shapely.box(west, 40.4, east, 41.0).intersection(city)
            con.execute("insert into districts (district, geometry) values (?, ?)", [name, shapely.to_geojson(part)])


PANDAS = """
import sys, pandas as pd
frame = pd.read_csv(sys.argv[1], dtype=str)
when = "%m/%d/%Y %I:%M:%S %p"
frame["received_at"] = pd.to_datetime(frame["Created Date"], format=when, errors="coerce")
frame["handled_at"] = pd.to_datetime(frame["Closed Date"], format=when, errors="coerce")
bad = frame["received_at"].isna() | frame["Unique Key"].isna() | frame["Complaint Type"].isna()
good = frame[~bad].drop_duplicates("Unique Key", keep="last")
print(len(frame), len(good), int(bad.sum()))
"""


def high_water_mb(pid: int) -> float:
    """The process's peak RSS so far (VmHWM, which, unlike ru_maxrss, does not carry the parent's over exec)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    return next((int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM")), 0.0)


def timed(command: list[str]) -> tuple[float, float, str]:
    """Seconds, the child's own peak RSS in MB, and the last line it printed."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as output:
        child = subprocess.Popen(command, stdout=output, text=True)
        peak = 0.0
        while child.poll() is None:
            peak = max(peak, high_water_mb(child.pid))
            time.sleep(0.05)
        if child.returncode:
            raise RuntimeError(f"{command[:3]} failed ({child.returncode})")
        output.seek(0)
        return time.perf_counter() - started, peak, output.read().strip().splitlines()[-1]


# The batch, as a live feed brings it: rows of the last 30 days under new ids, moved 0-3 days on (some past the
# data's end, so the cutoff moves);
# the open ones in a file of their own without the closed time, as an export of open tickets has none.
BATCH = """
create temp table batch as
select $tag || row_number() over () as request_id, channel, kind, category, subcategory, district, street, unit,
       lat, lon, columns(c -> ends_with(c, '_at') and c not in ('whistle_at', 'arrived_at'))
                 + to_days((hash(request_id) % 4)::int),
       resolved, satisfied
from (select * exclude (text) from requests where received_at >= (select max(received_at) - interval 30 day
      from requests) order by hash(request_id, 16) limit $rows)
"""

# A dashboard process as the wall runs it: its reader (dashboard/store.py) asks for the data version every
# half second and prints the moment it sees a new one.
READER = """
import logging, sys, time
logging.disable(logging.WARNING)
from dashboard import store
seen = store.data_version()
print("ready", flush=True)
while True:
    version = store.data_version()
    if version != seen:
        print(f"seen {time.time():.3f} {version}", flush=True)
        seen = version
    time.sleep(0.5)
"""


def batch(city: Path, folder: Path, rows: int, tag: str) -> list[Path]:
    """The batch's files, written from the city's own rows under ids starting with tag."""
    files = [folder / f"{tag}handled.csv", folder / f"{tag}open.csv"]
    with duckdb.connect(str(city), read_only=True) as con:
        con.execute(BATCH, {"rows": rows, "tag": tag})
        con.execute(f"copy (from batch where handled_at is not null) to {db.literal(files[0])}")
        con.execute(f"copy (select * exclude (handled_at, callback_at) from batch where handled_at is null) "
                    f"to {db.literal(files[1])}")
    return files


def incremental(city: Path, rows: int) -> None:
    """One batch, then two at once, into a copy of city that a dashboard's reader holds open meanwhile."""
    with tempfile.TemporaryDirectory(dir=city.parent) as folder:
        copy = Path(folder) / "city.duckdb"
        shutil.copyfile(city, copy)
        batches = [batch(copy, Path(folder), rows, tag) for tag in ("B1-", "B2-", "B3-")]
        reader = subprocess.Popen([sys.executable, "-c", READER], stdout=subprocess.PIPE, text=True,
                                  env=settings.environment(CITYOPS_DB=copy), cwd=Path(__file__).resolve().parent.parent)
        try:
            reader.stdout.readline()  # ready
            command = [sys.executable, "-m", "data.ingest", "--db", str(copy), "--source", "bench"]
            started = time.time()
            one = timed([*command, *map(str, batches[0])])
            visible = float(reader.stdout.readline().split()[1]) - started
            print(f"one batch   {one[0]:7.1f} s  {one[1]:7.0f} MB  on the dashboard after {visible:.1f} s  {one[2]}")
            started = time.time()
            with ThreadPoolExecutor(2) as pool:
                both = list(pool.map(timed, [[*command, *map(str, files)] for files in batches[1:]]))
            together = time.time() - started
            for number, (seconds, peak, line) in enumerate(both, 1):
                print(f"at once #{number}  {seconds:7.1f} s  {peak:7.0f} MB  {line}")
        finally:
            reader.kill()
        with duckdb.connect(str(copy), read_only=True) as con:
            landed = con.execute("select count(*) from requests where source = 'bench'").fetchone()[0]
        print(f"bench_ingest: batch={rows} seconds={one[0]:.1f} rss_mb={one[1]:.0f} visible_seconds={visible:.1f} "
              f"two_at_once_seconds={together:.1f} two_at_once_rss_mb={max(b[1] for b in both):.0f} "
              f"landed={landed} of={3 * rows}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m data.bench_ingest", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--boundaries", action="store_true", help="give the database district polygons first")
    parser.add_argument("--batch", type=int, help="instead: batches of this many requests into a copy of --db")
    parser.add_argument("--db", type=Path, default=db.db_path(), help="the city --batch imports into")
    args = parser.parse_args(argv)
    if args.batch:
        incremental(args.db, args.batch)
        return
    with tempfile.TemporaryDirectory() as folder:
        csv_path, db_path = Path(folder) / "311.csv", Path(folder) / "city.duckdb"
        started = time.perf_counter()
        write(csv_path, args.rows)
        print(f"wrote {args.rows:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s")
        if args.boundaries:
            seed_boundaries(db_path)
        # the import alone, as issue 7 sets its target; the analytics after it are timed on their own
        ours = timed([sys.executable, "-m", "data.ingest", str(csv_path), "--db", str(db_path)])
        print(f"cityops  {ours[0]:7.1f} s  {ours[1]:7.0f} MB  {ours[2]}")
        after = timed([sys.executable, "-m", "queries.analytics", "--db", str(db_path)])
        print(f"analytics {after[0]:6.1f} s  {after[1]:7.0f} MB  {after[2]}")
        theirs = timed([sys.executable, "-c", PANDAS, str(csv_path)])
        print(f"pandas   {theirs[0]:7.1f} s  {theirs[1]:7.0f} MB  read, kept, refused: {theirs[2]}  "
              "(no database, no rollups)")
        print(f"bench_ingest: rows={args.rows} seconds={ours[0]:.1f} rss_mb={ours[1]:.0f} "
              f"pandas_seconds={theirs[0]:.1f} pandas_rss_mb={theirs[1]:.0f}")


if __name__ == "__main__":
    main()
