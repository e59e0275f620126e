"""python -m data.generate: build a demo city into a DuckDB file.

Rows are drawn with numpy in time-ordered chunks (so the table is sorted by
received_at and DuckDB's zone maps prune time filters); Polars gathers the
names and composes the texts, which is several times faster than joining
lookup tables in SQL. The file is written beside the target and
moved into place at the end: a failed run leaves the old city untouched.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
from tqdm import tqdm

from data import db
from data.demo import events, geography, simulate, taxonomy, texts
from data.demo.reported import reported_values
from data.demo.simulate import HOUR, World
from data.demo.timeline import period
from data.refresh import refresh
from queries.settings import SEVERE

CHUNK = 1_000_000
DAY = 24 * HOUR
STORM_STRAIN = 1.8
Progress = Callable[[float, str], None]

@dataclass
class Names:
    """Everything a row's integer codes stand for, as Polars columns to gather from."""

    grid: pl.DataFrame          # grid_id, community, street, district per grid index
    point: pl.DataFrame         # lat, lon per point index
    subcategory: pl.DataFrame   # category, subcategory per subcategory index
    unit: pl.Series
    channel: pl.Series
    kind: pl.Series
    whistle: pl.Series
    opener: pl.Series
    place: pl.Series
    detail: pl.Series           # ordinary details, then REPEAT_DETAILS
    demand: pl.Series
    problem: pl.Series          # phrasings of every subcategory, then the rising and storm sets
    problem_offset: np.ndarray  # first phrasing of each problem set (the last two: rising, storm)
    problem_count: np.ndarray
    incident_type: pl.Series


REPEAT_DETAILS = ("，此前已反映过，问题仍未解决", "，这是第二次来电反映", "，上次回复已处理但实际没有解决")
STORM_SET = -1
RISING_SET = -2


def names_of(city: geography.City, units: pl.DataFrame) -> Names:
    sets = [texts.PROBLEMS[s.code] for s in taxonomy.SUBCATEGORIES] + [texts.RISING_PROBLEM, texts.STORM_PROBLEMS]
    count = np.array([len(phrasings) for phrasings in sets])
    return Names(
        grid=city.grids.select("grid_id", "community", "street", "district"),
        point=city.points.select("lat", "lon"),
        subcategory=taxonomy.categories_frame().select("category", "subcategory"),
        unit=units["unit"],
        channel=pl.Series([c[0] for c in taxonomy.CHANNELS]),
        kind=pl.Series([k[0] for k in taxonomy.KINDS]),
        whistle=pl.Series([w[0] for w in taxonomy.WHISTLES]),
        opener=pl.Series(texts.OPENERS), place=pl.Series(texts.PLACE_SUFFIXES),
        detail=pl.Series(texts.DETAILS + REPEAT_DETAILS), demand=pl.Series(texts.DEMANDS),
        problem=pl.Series([text for phrasings in sets for text in phrasings]),
        problem_offset=np.concatenate([[0], np.cumsum(count)[:-1]]), problem_count=count,
        incident_type=pl.Series([t.name for t in taxonomy.INCIDENT_TYPES]),
    )


def write_dimensions(con: duckdb.DuckDBPyConnection, city: geography.City, units: pl.DataFrame) -> None:
    for table, frame in (("districts", city.districts), ("streets", city.streets),
                         ("communities", city.communities), ("grids", city.grids),
                         ("units", units), ("categories", taxonomy.categories_frame()),
                         ("incident_types", incident_types_frame())):
        con.register("frame", frame)
        columns = [c for c, in con.execute(
            "select column_name from information_schema.columns where table_name = ? order by ordinal_position",
            [table]).fetchall()]
        con.execute(f"insert into {table} by name select {', '.join(columns)} from frame")
        con.unregister("frame")


def incident_types_frame() -> pl.DataFrame:
    return pl.DataFrame({
        "type": [t.name for t in taxonomy.INCIDENT_TYPES],
        "type_en": [t.name_en for t in taxonomy.INCIDENT_TYPES],
        "code": [t.code for t in taxonomy.INCIDENT_TYPES],
        "onsite_minutes": [t.onsite_minutes for t in taxonomy.INCIDENT_TYPES],
        "close_hours": [t.close_hours for t in taxonomy.INCIDENT_TYPES],
    })


def ticket_ids(prefix: str, moments: pl.Series, ids: np.ndarray, width: int) -> pl.Series:
    """GD2026112400001234: prefix, day received, sequence number."""
    return pl.select(pl.concat_str([pl.lit(prefix), moments.dt.strftime("%Y%m%d"),
                                    pl.Series(ids).cast(pl.String).str.zfill(width)])).to_series()


def request_rows(rng: np.random.Generator, world: World, names: Names, received: np.ndarray, subcategory: np.ndarray,
                 grid: np.ndarray, first_id: int, storm_window: tuple[int, int],
                 problem_set: np.ndarray | None = None, repeats: bool = True) -> pl.DataFrame:
    """Everything about a batch of requests once their time, topic and place are known."""
    n = len(received)
    rows = {"received": received.astype(np.float64), "subcategory": subcategory, "grid": grid,
            "point": simulate.points_in(rng, world, grid),
            "problem_set": subcategory if problem_set is None else problem_set,
            "parent": np.full(n, -1)}
    rows.update(cycle_of(rng, world, rows, storm_window))
    if repeats:
        add_repeats(rng, world, rows, storm_window)
    order = np.argsort(rows["received"], kind="stable")
    rows = {key: value[order] for key, value in rows.items()}
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    is_repeat = rows["parent"] >= 0
    parent = np.where(is_repeat, position[np.maximum(rows["parent"], 0)], 0)
    kind = simulate.draw_rows(rng, world.kind_cdf, rows["subcategory"])
    whistle = simulate.whistles(rng, world, rows["received"], rows["subcategory"], rows["unit"], kind, storm_window)
    answered = rows["callback"] <= world.as_of
    unknown = pl.Series(~answered)
    ts = lambda seconds: simulate.as_timestamps(seconds, world.as_of)  # noqa: E731
    received_at = ts(rows["received"])
    place = names.grid[rows["grid"]]
    point = names.point[rows["point"]]
    topic = names.subcategory[rows["subcategory"]]
    problem_set = rows["problem_set"]
    problem = names.problem_offset[problem_set] + rng.integers(0, 1 << 30, n) % names.problem_count[problem_set]
    detail = np.where(is_repeat, len(texts.DETAILS) + rng.integers(0, len(REPEAT_DETAILS), n),
                      rng.integers(0, len(texts.DETAILS), n))
    text = pl.select(pl.concat_str([
        names.opener[rng.integers(0, len(names.opener), n)], place["community"],
        names.place[rng.integers(0, len(names.place), n)], pl.lit("，"), names.problem[problem],
        names.detail[detail], names.demand[rng.integers(0, len(names.demand), n)]])).to_series()
    parent_received = ts(np.where(is_repeat, rows["received"][parent], np.inf))
    return pl.DataFrame({
        "request_id": ticket_ids("GD", received_at, first_id + np.arange(n), 8),
        "source": pl.repeat("demo", n, eager=True),
        "channel": names.channel[simulate.draw(rng, world.channel_cdf, n)],
        "kind": names.kind[kind],
        "category": topic["category"], "subcategory": topic["subcategory"], "text": text,
        "district": place["district"], "street": place["street"], "community": place["community"],
        "grid": place["grid_id"], "lat": point["lat"], "lon": point["lon"],
        "unit": names.unit[rows["unit"]],
        "received_at": received_at, "dispatched_at": ts(rows["dispatched"]), "responded_at": ts(rows["responded"]),
        "handled_at": ts(rows["handled"]), "callback_at": ts(rows["callback"]), "deadline_at": ts(rows["deadline"]),
        "resolved": pl.Series(rows["resolved"]).set(unknown, None),
        "satisfied": pl.Series(rows["satisfied"]).set(unknown, None),
        "satisfaction_score": pl.Series(rows["score"].astype(np.int8)).set(unknown, None),
        "repeat_of": ticket_ids("GD", parent_received, first_id + parent, 8).set(pl.Series(~is_repeat), None),
        "reopened": rows["reopened"] & answered,
        "whistle": names.whistle[whistle["whistle"]],
        "whistle_at": ts(whistle["whistle_at"]), "arrived_at": ts(whistle["arrived_at"]),
    })


def cycle_of(rng: np.random.Generator, world: World, rows: dict[str, np.ndarray],
             storm_window: tuple[int, int]) -> dict[str, np.ndarray]:
    unit = simulate.responsible_unit(world, rows["subcategory"], rows["grid"])
    received = rows["received"]
    strain = np.where((received >= storm_window[0]) & (received < storm_window[1]), STORM_STRAIN, 1.0)
    cycle = simulate.life_cycle(rng, world, received, rows["subcategory"], unit,
                                world.grid_street[rows["grid"]], strain)
    return {"unit": unit, **cycle}


def add_repeats(rng: np.random.Generator, world: World, rows: dict[str, np.ndarray],
                storm_window: tuple[int, int]) -> None:
    """Unsolved problems come back: some rows become repeats of an unresolved earlier request."""
    n = len(rows["received"])
    comeback = rows["handled"] + simulate.lognormal(rng, 3 * DAY, 0.8, n)
    candidates = np.flatnonzero(~rows["resolved"] & (comeback < rows["received"].max()))
    n_repeat = min(int(simulate.REPEAT_SHARE * n), len(candidates) // 2)
    if n_repeat == 0:
        return
    parents = rng.choice(candidates, n_repeat, replace=False)
    others = np.ones(n, dtype=bool)
    others[parents] = False
    children = rng.choice(np.flatnonzero(others), n_repeat, replace=False)
    child = {"received": comeback[parents]}
    for key in ("subcategory", "grid", "point", "problem_set"):
        child[key] = rows[key][parents]
    child.update(cycle_of(rng, world, child, storm_window))
    for key, value in child.items():
        rows[key][children] = value
    rows["parent"][children] = parents


def base_requests(world: World, n: int, seed: int) -> list[tuple[np.random.Generator, np.ndarray]]:
    """Split the period into time-ordered chunks of about CHUNK rows, each with its own generator."""
    rng = np.random.default_rng([seed, 2])
    per_hour = rng.multinomial(n, world.request_hour_cdf - np.concatenate([[0], world.request_hour_cdf[:-1]]))
    bounds = np.searchsorted(np.cumsum(per_hour), np.arange(CHUNK, n, CHUNK))
    plans = []
    for i, hours in enumerate(np.split(np.arange(len(per_hour)), bounds + 1)):
        counts = per_hour[hours]
        chunk_rng = np.random.default_rng([seed, 3, i])
        received = np.repeat(world.hour_starts[hours], counts) + chunk_rng.integers(0, HOUR, counts.sum())
        plans.append((chunk_rng, received))
    return plans


def chunk_rows(rng: np.random.Generator, world: World, names: Names, received: np.ndarray, first_id: int,
               storm_window: tuple[int, int]) -> pl.DataFrame:
    subcategory = sample_subcategories(rng, world, received)
    grid = simulate.draw(rng, world.grid_cdf, len(received))
    return request_rows(rng, world, names, received, subcategory, grid, first_id, storm_window)


def ahead(jobs: list[Callable[[], pl.DataFrame]]) -> Iterator[pl.DataFrame]:
    """Run each job one step ahead in a worker thread, so numpy draws the next chunk while DuckDB writes."""
    with ThreadPoolExecutor(1) as pool:
        pending = None
        for job in jobs:
            future = pool.submit(job)
            if pending is not None:
                yield pending.result()
            pending = future
        if pending is not None:
            yield pending.result()


def sample_subcategories(rng: np.random.Generator, world: World, received: np.ndarray) -> np.ndarray:
    month, night = simulate.month_and_night(received)
    out = np.empty(len(received), dtype=np.int64)
    for m in range(12):
        for is_night in (False, True):
            rows = np.flatnonzero((month == m) & (night == is_night))
            out[rows] = simulate.draw(rng, world.subcategory_cdf[m, int(is_night)], len(rows))
    return out


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: pl.DataFrame) -> None:
    con.register("chunk", rows.to_arrow(compat_level=pl.CompatLevel.oldest()))  # plain strings load fastest
    con.execute(f"insert into {table} by name select * from chunk")
    con.unregister("chunk")


def incident_rows(rng: np.random.Generator, world: World, names: Names, detected: np.ndarray,
                  type_index: np.ndarray, grid: np.ndarray, severe: np.ndarray) -> pl.DataFrame:
    n = len(detected)
    order = np.argsort(detected, kind="stable")
    detected, type_index, grid, severe = detected[order], type_index[order], grid[order], severe[order]
    unit = np.where(world.incident_unit[type_index] >= 0, world.incident_unit[type_index],
                    world.street_unit[world.grid_street[grid]])
    speed = world.unit_speed[unit] * np.where(severe, 1.5, 1.0)
    severity = simulate.draw_rows(rng, world.incident_severity_cdf, type_index) + 1
    severity = np.where(severe & (rng.random(n) < 0.45), np.maximum(severity, 2 + (rng.random(n) < 0.3)), severity)
    acknowledged = detected + rng.exponential(4 * 60, n) * np.where(severity >= SEVERE, 0.4, 1.0)
    dispatched = acknowledged + rng.exponential(6 * 60, n)
    onsite = dispatched + simulate.lognormal(rng, world.onsite_minutes[type_index] * 60 * speed
                                             * np.where(severity >= SEVERE, 0.6, 1.0), 0.6, n)
    closed = onsite + simulate.lognormal(rng, world.close_hours[type_index] * HOUR * speed, 0.8, n)
    ts = lambda seconds: simulate.as_timestamps(seconds, world.as_of)  # noqa: E731
    place = names.grid[grid]
    point = names.point[simulate.points_in(rng, world, grid)]
    stages = {"detected_at": ts(detected.astype(np.float64)), "acknowledged_at": ts(acknowledged),
              "dispatched_at": ts(dispatched), "onsite_at": ts(onsite), "closed_at": ts(closed)}
    status = pl.select(pl.coalesce(
        [pl.when(stages[f"{stage}_at"].is_not_null()).then(pl.lit(stage)) for stage in reversed(STAGES)])).to_series()
    return pl.DataFrame({
        "incident_id": ticket_ids("SJ", stages["detected_at"], np.arange(n), 7),
        "source": np.array(simulate.SOURCES)[simulate.draw_rows(rng, world.incident_source_cdf, type_index)],
        "type": names.incident_type[type_index], "severity": severity.astype(np.int8), **stages,
        "district": place["district"], "street": place["street"], "grid": place["grid_id"],
        "lat": point["lat"], "lon": point["lon"], "unit": names.unit[unit], "status": status,
    })


STAGES = ("detected", "acknowledged", "dispatched", "onsite", "closed")


def generate(path: str | Path, requests: int = 2_000_000, incidents: int = 150_000, months: int = 13,
             seed: int = 7, with_events: bool = True, today: date | None = None,
             progress: Progress | None = None) -> Path:
    """Build the demo city at path; returns the path. progress(fraction, message) reports along."""
    report = progress or (lambda fraction, message: None)
    path = Path(path)
    today = today or date.today()
    start, end = period(months, today)
    as_of = end
    report(0.0, "geography")
    city = geography.build_city(seed)
    units = taxonomy.units_frame(city.streets)
    world = simulate.build_world(start, end, as_of, city.grids, city.streets, units,
                                 city.points.height // city.grids.height, seed)
    names = names_of(city, units)
    with db.replacing(path, "generate") as work, duckdb.connect(str(work)) as con:
        con.execute("set disabled_compression_methods = 'dict_fsst'")  # measured: 15% faster, same size
        con.execute("set memory_limit = '1GB'")  # the brief's budget is 4 GB for the whole run
        db.create_schema(con)
        write_dimensions(con, city, units)
        rng = np.random.default_rng([seed, 4])
        planned = events.plan(rng, world, city.grids, city.streets, city.districts, requests, start, end) if with_events else []
        storm = next((e for e in planned if e.kind == "storm"), None)
        window = (simulate.epoch(storm.starts), simulate.epoch(storm.ends)) if storm else (0, 0)
        extra = sum(len(e.received) for e in planned)
        chunks = base_requests(world, max(requests - extra, 0), seed)
        starts = np.concatenate([[0], np.cumsum([len(received) for _, received in chunks])])
        jobs = [partial(chunk_rows, rng, world, names, received, int(first), window)
                for (rng, received), first in zip(chunks, starts)]
        con.execute("set threads = 1")  # measured: a second DuckDB thread only slows the numpy worker
        for i, rows in enumerate(ahead(jobs)):
            report(0.05 + 0.75 * i / len(chunks), f"requests {starts[i]:,}")
            insert(con, "requests", rows)
        next_id = int(starts[-1])
        for e in planned:
            n = len(e.received)
            problem_set = np.full(n, {"normal": e.subcategory, "storm": STORM_SET, "rising": RISING_SET}[e.problem_set])
            insert(con, "requests", request_rows(
                np.random.default_rng([seed, 5, e.subcategory]), world, names, e.received.astype(np.int64),
                np.full(n, e.subcategory), e.grids, next_id, window, problem_set, repeats=False))
            next_id += n
        report(0.82, "incidents")
        add_incidents(con, world, names, incidents, seed, storm)
        con.execute("reset threads")
        con.execute("insert into sources values ('demo', 'demo', true, now()::timestamp)")
        con.register("ev", events.frame(planned))
        con.execute("insert into demo_events select * from ev")
        con.execute("set memory_limit = '2500MB'")  # the load's numpy worker is done; big group-bys spill less
        steps = {"rollups": 0.86, "indicators": 0.92, "analytics": 0.95}
        refresh(con, path, as_of=as_of, reported=partial(reported_values, seed=seed), version=f"demo-{seed}-{requests}",
                progress=lambda step: report(steps[step], step))
        db.set_meta(con, {"as_of": as_of.isoformat(), "generated_at": datetime.now().isoformat(timespec="seconds"),
                          "seed": seed, "source": "demo"})
        con.execute("checkpoint")
    report(1.0, "done")
    return path


def add_incidents(con: duckdb.DuckDBPyConnection, world: World, names: Names, n: int, seed: int,
                  storm: events.Event | None) -> None:
    rng = np.random.default_rng([seed, 6])
    detected = simulate.times_in(rng, world, world.incident_hour_cdf, n)
    month, _ = simulate.month_and_night(detected)
    type_index = np.empty(n, dtype=np.int64)
    for m in range(12):
        rows = np.flatnonzero(month == m)
        type_index[rows] = simulate.draw(rng, world.incident_type_cdf[m], len(rows))
    grid = simulate.draw(rng, world.grid_cdf, n)
    severe = np.zeros(n, dtype=bool)
    if storm is not None:
        stormy = np.flatnonzero([t.storm for t in taxonomy.INCIDENT_TYPES])
        k = max(60, n // 300)
        storm_grids = np.unique(storm.grids)
        detected = np.concatenate([detected, events.peaked_times(rng, storm.starts, storm.peaks, storm.ends, k)])
        type_index = np.concatenate([type_index, rng.choice(stormy, k)])
        grid = np.concatenate([grid, rng.choice(storm_grids, k)])
        severe = np.concatenate([severe, np.ones(k, dtype=bool)])
    insert(con, "incidents", incident_rows(rng, world, names, detected, type_index, grid, severe))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m data.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=str(db.db_path()), help="DuckDB file to write (default: $CITYOPS_DB or data/city.duckdb)")
    parser.add_argument("--requests", type=int, default=2_000_000)
    parser.add_argument("--incidents", type=int, default=150_000)
    parser.add_argument("--months", type=int, default=13)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-events", action="store_true", help="leave out the injected storm, rising problem and outage")
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="last day of the demo (default: today)")
    args = parser.parse_args(argv)
    with tqdm(total=100, unit="%", bar_format="{l_bar}{bar}| {elapsed} {postfix}") as bar:
        def progress(fraction: float, message: str) -> None:
            bar.update(round(fraction * 100) - bar.n)
            bar.set_postfix_str(message)
        started = datetime.now()
        path = generate(args.db, args.requests, args.incidents, args.months, args.seed,
                        not args.no_events, args.today, progress)
    seconds = (datetime.now() - started).total_seconds()
    print(f"generate: requests={args.requests} incidents={args.incidents} seconds={seconds:.1f} "
          f"bytes={path.stat().st_size} db={path}")


if __name__ == "__main__":
    main()
