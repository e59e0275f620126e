"""How the demo city behaves: vectorised samplers for requests and incidents.

Everything is drawn with numpy from one seeded generator per chunk, so a
city is reproducible for a seed whatever the chunking. Rows come out as
integer codes and epoch seconds; data.generate joins the names in DuckDB.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl

from data.demo import taxonomy
from data.demo.timeline import INCIDENT_HOURS, REQUEST_HOURS, hourly_weights

HOUR = 3600
DAY = 24 * HOUR
NIGHT = (22, 6)
NO_TIME = -1  # epoch seconds meaning "has not happened by the snapshot"
SOURCES = ("sensor", "video", "patrol", "drone", "hotline")
REPEAT_SHARE = 0.06
STUCK_SHARE = 0.01  # requests a unit leaves for weeks past the deadline: the overdue list
WHISTLE_SHARE = 0.012


def epoch(moment: datetime) -> int:
    return int(np.datetime64(moment, "s").astype(np.int64))


def cdf(weights: np.ndarray) -> np.ndarray:
    c = np.cumsum(weights, axis=-1)
    return c / c[..., -1:]


def draw(rng: np.random.Generator, cumulative: np.ndarray, n: int) -> np.ndarray:
    return np.searchsorted(cumulative, rng.random(n), side="right").clip(0, len(cumulative) - 1)


def lognormal(rng: np.random.Generator, median: np.ndarray | float, sigma: float, n: int) -> np.ndarray:
    return np.asarray(median) * np.exp(sigma * rng.standard_normal(n))


@dataclass
class World:
    """The fixed traits of the demo city the samplers draw from."""

    start: int
    end: int
    as_of: int
    hour_starts: np.ndarray      # epoch seconds of each hour in the period
    request_hour_cdf: np.ndarray
    incident_hour_cdf: np.ndarray
    subcategory_cdf: np.ndarray  # [month, is_night, subcategory]
    deadline_hours: np.ndarray   # per subcategory
    difficulty: np.ndarray       # per subcategory
    kind_cdf: np.ndarray         # [subcategory, kind]
    channel_cdf: np.ndarray
    subcategory_unit: np.ndarray  # unit index of the responsible department, -1 = street office
    grid_cdf: np.ndarray         # where people live
    grid_street: np.ndarray      # street index of each grid
    street_unit: np.ndarray      # unit index of each street's office
    points_per_grid: int
    unit_speed: np.ndarray       # >1 = slower than usual
    street_resolution: np.ndarray  # offset to the chance of a real fix
    street_satisfaction: np.ndarray  # offset to the chance of a satisfied citizen
    incident_type_cdf: np.ndarray  # [month, type]
    incident_severity_cdf: np.ndarray  # [type, severity]
    incident_source_cdf: np.ndarray    # [type, source]
    incident_unit: np.ndarray    # unit index per type, -1 = street office
    onsite_minutes: np.ndarray
    close_hours: np.ndarray


def build_world(start: datetime, end: datetime, as_of: datetime, grids: pl.DataFrame,
                streets: pl.DataFrame, units: pl.DataFrame, points_per_grid: int, seed: int) -> World:
    rng = np.random.default_rng([seed, 1])
    subs = taxonomy.SUBCATEGORIES
    season = np.array([s.season for s in subs]).T            # [month, sub]
    base = np.array([s.weight for s in subs])
    night = np.array([s.night for s in subs])
    month_volume = (season * base).sum(axis=1) / base.sum()
    hours, request_weights = hourly_weights(start, end, REQUEST_HOURS, month_volume)
    types = taxonomy.INCIDENT_TYPES
    type_season = np.array([t.season for t in types]).T
    type_base = np.array([t.weight for t in types])
    _, incident_weights = hourly_weights(start, end, INCIDENT_HOURS,
                                         (type_season * type_base).sum(axis=1) / type_base.sum())
    by_name = {name: i for i, name in enumerate(units["unit"].to_list())}
    department_unit = {d.code: by_name[d.name] for d in taxonomy.DEPARTMENTS}
    street_unit = units.filter(pl.col("unit_type") == "street")
    office = dict(zip(street_unit["street"].to_list(), street_unit["unit"].to_list()))
    street_index = {s: i for i, s in enumerate(streets["street"].to_list())}

    unit_speed = rng.lognormal(0.0, 0.3, len(units))
    departments = np.flatnonzero(units["unit_type"].to_numpy() == "department")
    offices = np.flatnonzero(units["unit_type"].to_numpy() == "street")
    slow = np.concatenate([rng.choice(departments, 2, replace=False),  # every demo has slow departments to find
                           rng.choice(offices, max(1, len(offices) // 12), replace=False)])
    unit_speed[slow] *= 2.6
    street_resolution = rng.normal(0, 0.02, len(streets))
    street_satisfaction = rng.normal(0, 0.02, len(streets))
    weak = rng.choice(len(streets), size=max(2, len(streets) // 25), replace=False)
    propensity = rng.lognormal(0.0, 0.3, len(streets))  # some neighbourhoods call far more than others
    grid_street = np.array([street_index[s] for s in grids["street"].to_list()])
    street_resolution[weak] -= 0.10
    street_satisfaction[weak] -= 0.14
    return World(
        start=epoch(start), end=epoch(end), as_of=epoch(as_of),
        hour_starts=hours.astype("datetime64[s]").astype(np.int64),
        request_hour_cdf=cdf(request_weights),
        incident_hour_cdf=cdf(incident_weights),
        subcategory_cdf=cdf(np.stack([season * base, season * base * night], axis=1)),
        deadline_hours=np.array([s.deadline_hours for s in subs], dtype=np.float64),
        difficulty=np.array([s.difficulty for s in subs]),
        kind_cdf=cdf(np.array([s.kinds for s in subs])),
        channel_cdf=cdf(np.array([c[3] for c in taxonomy.CHANNELS])),
        subcategory_unit=np.array([department_unit[s.department] if s.department else -1 for s in subs]),
        grid_cdf=cdf(grids["population"].to_numpy() * propensity[grid_street]),
        grid_street=grid_street,
        street_unit=np.array([by_name[office[s]] for s in streets["street"].to_list()]),
        points_per_grid=points_per_grid,
        unit_speed=unit_speed,
        street_resolution=street_resolution,
        street_satisfaction=street_satisfaction,
        incident_type_cdf=cdf(type_season * type_base),
        incident_severity_cdf=cdf(np.array([t.severity for t in types])),
        incident_source_cdf=cdf(np.array([t.sources for t in types])),
        incident_unit=np.array([department_unit[t.department] if t.department else -1 for t in types]),
        onsite_minutes=np.array([t.onsite_minutes for t in types], dtype=np.float64),
        close_hours=np.array([t.close_hours for t in types], dtype=np.float64),
    )


def times_in(rng: np.random.Generator, world: World, hour_cdf: np.ndarray, n: int) -> np.ndarray:
    return world.hour_starts[draw(rng, hour_cdf, n)] + rng.integers(0, HOUR, n)


def month_and_night(seconds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    moments = seconds.astype("datetime64[s]")
    month = moments.astype("datetime64[M]").astype(np.int64) % 12
    hour = (moments - moments.astype("datetime64[D]")).astype(np.int64) // HOUR
    return month, (hour >= NIGHT[0]) | (hour < NIGHT[1])


def draw_rows(rng: np.random.Generator, cumulative: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One categorical draw per row, each row with its own distribution."""
    u = rng.random(len(rows))
    return (u[:, None] > cumulative[rows]).sum(axis=1)


def points_in(rng: np.random.Generator, world: World, grid: np.ndarray) -> np.ndarray:
    return grid * world.points_per_grid + rng.integers(0, world.points_per_grid, len(grid))


def responsible_unit(world: World, subcategory: np.ndarray, grid: np.ndarray) -> np.ndarray:
    department = world.subcategory_unit[subcategory]
    return np.where(department >= 0, department, world.street_unit[world.grid_street[grid]])


def life_cycle(rng: np.random.Generator, world: World, received: np.ndarray, subcategory: np.ndarray,
               unit: np.ndarray, street: np.ndarray, strain: np.ndarray) -> dict[str, np.ndarray]:
    """Stage times and callback answers. strain > 1 slows everything (storms)."""
    n = len(received)
    speed = world.unit_speed[unit] * strain
    deadline_h = world.deadline_hours[subcategory]
    difficulty = world.difficulty[subcategory]
    dispatched = received + rng.exponential(0.4 * HOUR * strain, n)
    responded = dispatched + lognormal(rng, 1.6 * HOUR * speed, 1.1, n)
    handled = responded + lognormal(rng, deadline_h * HOUR * 0.28 * speed * (0.6 + difficulty), 0.75, n)
    deadline = received + deadline_h * HOUR
    stuck = rng.random(n) < STUCK_SHARE * (1 + 3 * difficulty)
    handled = np.where(stuck, deadline + lognormal(rng, 12 * DAY, 0.8, n), handled)
    callback = handled + lognormal(rng, 16 * HOUR, 0.7, n)
    late = handled > deadline
    p_resolved = 0.975 - 0.22 * difficulty - 0.15 * late + world.street_resolution[street]
    resolved = rng.random(n) < p_resolved
    p_satisfied = np.where(resolved, 0.985, 0.32) - 0.05 * late + world.street_satisfaction[street]
    satisfied = rng.random(n) < p_satisfied
    score = np.where(satisfied, 4 + (rng.random(n) < 0.7), 1 + rng.integers(0, 3, n))
    reopened = ~resolved & (rng.random(n) < 0.45) & ~stuck
    return {
        "dispatched": dispatched, "responded": responded, "handled": handled,
        "callback": callback, "deadline": deadline, "resolved": resolved,
        "satisfied": satisfied, "score": score, "reopened": reopened,
    }


def whistles(rng: np.random.Generator, world: World, received: np.ndarray, subcategory: np.ndarray,
             unit: np.ndarray, kind: np.ndarray, emergency_window: tuple[int, int]) -> dict[str, np.ndarray]:
    """吹哨报到: hard complaints summon departments; storms summon them urgently."""
    n = len(received)
    hard = world.difficulty[subcategory] > 0.45
    complaint = kind == 2
    in_storm = (received >= emergency_window[0]) & (received < emergency_window[1])
    p = WHISTLE_SHARE * (hard * 1.5 + complaint * 1.0 + 0.2) + in_storm * 0.06
    blown = rng.random(n) < p
    level = np.where(in_storm, 3, np.where(rng.random(n) < 0.72, 1, 2))  # 1 routine, 2 tough, 3 emergency
    level = np.where(blown, level, 0)
    whistle_at = received + lognormal(rng, np.where(level == 3, 0.4, 6.0) * HOUR, 0.6, n)
    arrival_median = np.select([level == 3, level == 2], [0.6, 5.0], 10.0) * HOUR
    arrived_at = whistle_at + lognormal(rng, arrival_median * world.unit_speed[unit], 0.8, n)
    return {"whistle": level, "whistle_at": np.where(blown, whistle_at, np.inf),
            "arrived_at": np.where(blown, arrived_at, np.inf)}


def as_timestamps(seconds: np.ndarray, as_of: int) -> pl.Series:
    """Epoch seconds to a datetime column; anything after the snapshot is not yet known."""
    known = np.isfinite(seconds) & (seconds <= as_of)
    micros = np.where(known, seconds, 0).astype(np.int64) * 1_000_000
    values = micros.astype("datetime64[us]")
    values[~known] = np.datetime64("NaT")
    return pl.Series(values)
