"""python -m data.generate: build a demo city into a DuckDB file.

Rows are drawn with numpy in time-ordered chunks (so the table is sorted by
received_at and DuckDB's zone maps prune time filters), and DuckDB joins in
the names and composes the texts. The file is written beside the target and
moved into place at the end: a failed run leaves the old city untouched.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
from tqdm import tqdm

from data import db, events, geography, indicators, simulate, taxonomy, texts
from data.simulate import HOUR, World
from data.timeline import period

CHUNK = 1_000_000
DAY = 24 * HOUR
STORM_STRAIN = 1.8
Progress = Callable[[float, str], None]

REQUEST_INSERT = """
insert into requests
select
    'GD' || strftime(c.received, '%Y%m%d') || lpad(c.id::varchar, 8, '0'),
    'demo', ch.code, k.code, s.category, s.subcategory,
    o.text || g.community || ps.text || '，' || p.text || d.text || m.text,
    g.district, g.street, g.community, g.grid_id, pt.lat, pt.lon, u.unit,
    c.received, c.dispatched, c.responded, c.handled, c.callback, c.deadline,
    c.resolved, c.satisfied, c.score,
    case when c.parent >= 0 then 'GD' || strftime(c.parent_received, '%Y%m%d') || lpad(c.parent::varchar, 8, '0') end,
    c.reopened, w.code, c.whistle_at, c.arrived_at
from chunk c
join dim_grid g on g.idx = c.grid
join dim_point pt on pt.idx = c.point
join dim_subcategory s on s.idx = c.subcategory
join dim_unit u on u.idx = c.unit
join dim_channel ch on ch.idx = c.channel
join dim_kind k on k.idx = c.kind
join dim_whistle w on w.idx = c.whistle
join dim_opener o on o.idx = c.opener
join dim_place ps on ps.idx = c.place
join dim_problem p on p.problem_set = c.problem_set and p.idx = c.problem
join dim_detail d on d.idx = c.detail
join dim_demand m on m.idx = c.demand
order by c.received
"""

INCIDENT_INSERT = """
insert into incidents
select
    'SJ' || strftime(c.detected, '%Y%m%d') || lpad(c.id::varchar, 7, '0'),
    c.source, t.type, c.severity, c.detected, c.acknowledged, c.dispatched, c.onsite, c.closed,
    g.district, g.street, g.grid_id, pt.lat, pt.lon, u.unit,
    case when c.closed is not null then 'closed' when c.onsite is not null then 'onsite'
         when c.dispatched is not null then 'dispatched' when c.acknowledged is not null then 'acknowledged'
         else 'detected' end
from chunk c
join dim_grid g on g.idx = c.grid
join dim_point pt on pt.idx = c.point
join incident_types t on t.code = c.type_code
join dim_unit u on u.idx = c.unit
order by c.detected
"""


def lookup(con: duckdb.DuckDBPyConnection, name: str, values: list[str]) -> None:
    con.register(f"{name}_values", pl.DataFrame({"idx": range(len(values)), "text": values}))
    con.execute(f"create temp table {name} as select * from {name}_values")


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
    con.register("g", city.grids.with_row_index("idx"))
    con.execute("create temp table dim_grid as select idx, grid_id, community, street, district from g")
    con.register("p", city.points.with_row_index("idx"))
    con.execute("create temp table dim_point as select idx, lat, lon from p")
    con.register("u", units.with_row_index("idx"))
    con.execute("create temp table dim_unit as select idx, unit from u")
    con.register("s", taxonomy.categories_frame().with_row_index("idx"))
    con.execute("create temp table dim_subcategory as select idx, category, subcategory from s")
    lookup(con, "dim_channel", [c[0] for c in taxonomy.CHANNELS])
    lookup(con, "dim_kind", [k[0] for k in taxonomy.KINDS])
    lookup(con, "dim_whistle", [w[0] for w in taxonomy.WHISTLES])
    lookup(con, "dim_opener", list(texts.OPENERS))
    lookup(con, "dim_place", list(texts.PLACE_SUFFIXES))
    lookup(con, "dim_detail", list(texts.DETAILS) + list(REPEAT_DETAILS))
    lookup(con, "dim_demand", list(texts.DEMANDS))
    problems = [(i, j, text) for i, s in enumerate(taxonomy.SUBCATEGORIES) for j, text in enumerate(texts.PROBLEMS[s.code])]
    problems += [(STORM_SET, j, text) for j, text in enumerate(texts.STORM_PROBLEMS)]
    problems += [(RISING_SET, j, text) for j, text in enumerate(texts.RISING_PROBLEM)]
    con.register("pr", pl.DataFrame(problems, schema=["problem_set", "idx", "text"], orient="row"))
    con.execute("create temp table dim_problem as select * from pr")


REPEAT_DETAILS = ("，此前已反映过，问题仍未解决", "，这是第二次来电反映", "，上次回复已处理但实际没有解决")
STORM_SET = -1
RISING_SET = -2


def incident_types_frame() -> pl.DataFrame:
    return pl.DataFrame({
        "type": [t.name for t in taxonomy.INCIDENT_TYPES],
        "type_en": [t.name_en for t in taxonomy.INCIDENT_TYPES],
        "code": [t.code for t in taxonomy.INCIDENT_TYPES],
        "onsite_minutes": [t.onsite_minutes for t in taxonomy.INCIDENT_TYPES],
        "close_hours": [t.close_hours for t in taxonomy.INCIDENT_TYPES],
    })


def request_rows(rng: np.random.Generator, world: World, received: np.ndarray, subcategory: np.ndarray,
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
    return pl.DataFrame({
        "id": first_id + np.arange(n),
        "received": ts(rows["received"]),
        "subcategory": rows["subcategory"], "grid": rows["grid"], "point": rows["point"], "unit": rows["unit"],
        "channel": simulate.draw(rng, world.channel_cdf, n), "kind": kind,
        "dispatched": ts(rows["dispatched"]), "responded": ts(rows["responded"]),
        "handled": ts(rows["handled"]), "callback": ts(rows["callback"]), "deadline": ts(rows["deadline"]),
        "resolved": pl.Series(rows["resolved"]).set(unknown, None),
        "satisfied": pl.Series(rows["satisfied"]).set(unknown, None),
        "score": pl.Series(rows["score"].astype(np.int8)).set(unknown, None),
        "parent": np.where(is_repeat, first_id + parent, -1),
        "parent_received": ts(np.where(is_repeat, rows["received"][parent], np.inf)),
        "reopened": rows["reopened"] & answered,
        "whistle": whistle["whistle"], "whistle_at": ts(whistle["whistle_at"]),
        "arrived_at": ts(whistle["arrived_at"]),
        "opener": rng.integers(0, len(texts.OPENERS), n),
        "place": rng.integers(0, len(texts.PLACE_SUFFIXES), n),
        "problem_set": rows["problem_set"],
        "problem": rng.integers(0, 1 << 30, n) % problem_counts()[rows["problem_set"]],
        "detail": np.where(is_repeat, len(texts.DETAILS) + rng.integers(0, len(REPEAT_DETAILS), n),
                           rng.integers(0, len(texts.DETAILS), n)),
        "demand": rng.integers(0, len(texts.DEMANDS), n),
    })


def problem_counts() -> np.ndarray:
    """Phrasings per problem set; the storm and rising sets (ids -1, -2) index from the end."""
    counts = [len(texts.PROBLEMS[s.code]) for s in taxonomy.SUBCATEGORIES]
    return np.array(counts + [len(texts.RISING_PROBLEM), len(texts.STORM_PROBLEMS)])


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
    children = rng.choice(np.setdiff1d(np.arange(n), parents), n_repeat, replace=False)
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


def sample_subcategories(rng: np.random.Generator, world: World, received: np.ndarray) -> np.ndarray:
    month, night = simulate.month_and_night(received)
    out = np.empty(len(received), dtype=np.int64)
    for m in range(12):
        for is_night in (False, True):
            rows = np.flatnonzero((month == m) & (night == is_night))
            out[rows] = simulate.draw(rng, world.subcategory_cdf[m, int(is_night)], len(rows))
    return out


def insert(con: duckdb.DuckDBPyConnection, sql: str, chunk: pl.DataFrame) -> None:
    con.register("chunk", chunk)
    con.execute(sql)
    con.unregister("chunk")


def incident_rows(rng: np.random.Generator, world: World, detected: np.ndarray, type_index: np.ndarray,
                  grid: np.ndarray, first_id: int, severe: np.ndarray) -> pl.DataFrame:
    n = len(detected)
    order = np.argsort(detected, kind="stable")
    detected, type_index, grid, severe = detected[order], type_index[order], grid[order], severe[order]
    unit = np.where(world.incident_unit[type_index] >= 0, world.incident_unit[type_index],
                    world.street_unit[world.grid_street[grid]])
    speed = world.unit_speed[unit] * np.where(severe, 1.5, 1.0)
    severity = simulate.draw_rows(rng, world.incident_severity_cdf, type_index) + 1
    severity = np.where(severe & (rng.random(n) < 0.45), np.maximum(severity, 2 + (rng.random(n) < 0.3)), severity)
    acknowledged = detected + rng.exponential(4 * 60, n) * np.where(severity >= 3, 0.4, 1.0)
    dispatched = acknowledged + rng.exponential(6 * 60, n)
    onsite = dispatched + simulate.lognormal(rng, world.onsite_minutes[type_index] * 60 * speed
                                             * np.where(severity >= 3, 0.6, 1.0), 0.6, n)
    closed = onsite + simulate.lognormal(rng, world.close_hours[type_index] * HOUR * speed, 0.8, n)
    ts = lambda seconds: simulate.as_timestamps(seconds, world.as_of)  # noqa: E731
    codes = np.array([t.code for t in taxonomy.INCIDENT_TYPES])
    return pl.DataFrame({
        "id": first_id + np.arange(n),
        "source": np.array(simulate.SOURCES)[simulate.draw_rows(rng, world.incident_source_cdf, type_index)],
        "type_code": codes[type_index], "severity": severity.astype(np.int8),
        "detected": ts(detected.astype(np.float64)), "acknowledged": ts(acknowledged),
        "dispatched": ts(dispatched), "onsite": ts(onsite), "closed": ts(closed),
        "grid": grid, "point": simulate.points_in(rng, world, grid), "unit": unit,
    })


def generate(path: str | Path, requests: int = 2_000_000, incidents: int = 150_000, months: int = 13,
             seed: int = 7, with_events: bool = True, today: date | None = None,
             progress: Progress | None = None) -> Path:
    """Build the demo city at path; returns the path. progress(fraction, message) reports along."""
    report = progress or (lambda fraction, message: None)
    path = Path(path)
    temporary = path.with_name(path.name + ".tmp")
    temporary.unlink(missing_ok=True)
    today = today or date.today()
    start, end = period(months, today)
    as_of = end
    report(0.0, "geography")
    city = geography.build_city(seed)
    units = taxonomy.units_frame(list(zip(city.streets["street"].to_list(), city.streets["district"].to_list())))
    world = simulate.build_world(start, end, as_of, city.grids, city.streets, units,
                                 city.points.height // city.grids.height, seed)
    con = duckdb.connect(str(temporary))
    try:
        con.execute("set preserve_insertion_order = true")
        db.create_schema(con)
        write_dimensions(con, city, units)
        rng = np.random.default_rng([seed, 4])
        planned = events.plan(rng, world, city.grids, city.streets, city.districts, requests, start, end) if with_events else []
        storm = next((e for e in planned if e.kind == "storm"), None)
        window = (simulate.epoch(storm.starts), simulate.epoch(storm.ends)) if storm else (0, 0)
        extra = sum(len(e.received) for e in planned)
        chunks = base_requests(world, max(requests - extra, 0), seed)
        next_id = 0
        for i, (chunk_rng, received) in enumerate(chunks):
            report(0.05 + 0.75 * i / len(chunks), f"requests {next_id:,}")
            subcategory = sample_subcategories(chunk_rng, world, received)
            grid = simulate.draw(chunk_rng, world.grid_cdf, len(received))
            insert(con, REQUEST_INSERT, request_rows(chunk_rng, world, received, subcategory, grid, next_id, window))
            next_id += len(received)
        for e in planned:
            n = len(e.received)
            problem_set = np.full(n, {"normal": e.subcategory, "storm": STORM_SET, "rising": RISING_SET}[e.problem_set])
            insert(con, REQUEST_INSERT, request_rows(
                np.random.default_rng([seed, 5, e.subcategory]), world, e.received.astype(np.int64),
                np.full(n, e.subcategory), e.grids, next_id, window, problem_set, repeats=False))
            next_id += n
        report(0.82, "incidents")
        add_incidents(con, world, city.grids, incidents, seed, storm)
        con.register("ev", events.frame(planned))
        con.execute("insert into demo_events select * from ev")
        report(0.88, "indicators")
        indicators.build_indicators(con, as_of, seed)
        db.set_meta(con, {"data_version": f"demo-{seed}-{requests}-{datetime.now().isoformat()}",
                          "as_of": as_of.isoformat(), "generated_at": datetime.now().isoformat(timespec="seconds"),
                          "seed": seed, "source": "demo"})
        con.execute("checkpoint")
    finally:
        con.close()
    os.replace(temporary, path)
    Path(str(temporary) + ".wal").unlink(missing_ok=True)
    report(1.0, "done")
    return path


def add_incidents(con, world: World, grids: pl.DataFrame, n: int, seed: int, storm: events.Event | None) -> None:
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
    insert(con, INCIDENT_INSERT, incident_rows(rng, world, detected, type_index, grid, 0, severe))


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
