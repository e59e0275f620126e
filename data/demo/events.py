"""The demo city's injected events: what the analytics must find, with the ground truth.

Three kinds, each recorded in demo_events: a summer rainstorm (a city-wide
surge of waterlogging calls and incidents), a slowly rising local problem
(one community's lift complaints climbing for weeks) and a short local surge
(a heating or water outage in one street).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import polars as pl

from data.demo import taxonomy
from data.demo.simulate import HOUR, World, epoch

DAY = 24 * HOUR
STORM_DISTRICTS = 4


@dataclass
class Event:
    kind: str
    starts: datetime
    peaks: datetime
    ends: datetime
    district: str | None
    street: str | None
    subcategory: int
    description: str
    received: np.ndarray   # epoch seconds of the extra requests
    grids: np.ndarray      # grid index of each extra request
    problem_set: str       # 'normal', 'storm' or 'rising': which phrasings the texts use


def subcategory_index(*words: str) -> int:
    for i, s in enumerate(taxonomy.SUBCATEGORIES):
        if any(w in s.name for w in words):
            return i
    raise LookupError(f"no subcategory named like {words}")


def peaked_times(rng: np.random.Generator, starts: datetime, peaks: datetime, ends: datetime, n: int) -> np.ndarray:
    return rng.triangular(epoch(starts), epoch(peaks), epoch(ends), n).astype(np.int64)


def daily_baseline(n_requests: int, world: World, share: float) -> float:
    days = (world.end - world.start) / DAY
    return n_requests / days * share


def grids_of(grids: pl.DataFrame, column: str, values: list[str]) -> np.ndarray:
    return np.flatnonzero(grids[column].is_in(values).to_numpy())


def by_population(rng: np.random.Generator, grids: pl.DataFrame, candidates: np.ndarray, n: int) -> np.ndarray:
    weights = grids["population"].to_numpy()[candidates].astype(np.float64)
    return rng.choice(candidates, size=n, p=weights / weights.sum())


def storm(rng: np.random.Generator, world: World, grids: pl.DataFrame, districts: pl.DataFrame,
          n_requests: int, start: datetime, end: datetime) -> Event:
    """A July/August rainstorm: the newest summer in the period, on an afternoon."""
    year = end.year if datetime(end.year, 8, 20) < end else end.year - 1
    day = datetime(year, 7, 15) + timedelta(days=int(rng.integers(0, 31)))
    if day < start:  # a short demo without a summer still gets its storm
        day = start + timedelta(days=int(rng.integers(0, max(1, (end - start).days - 12))))
    starts, peaks, ends = day + timedelta(hours=13), day + timedelta(hours=19), day + timedelta(hours=32)
    outer = districts.sort("area_km2", descending=True)["district"].to_list()[:10]
    hit = sorted(rng.choice(outer, size=STORM_DISTRICTS, replace=False).tolist())
    n = max(150, int(daily_baseline(n_requests, world, 0.30)))
    candidates = grids_of(grids, "district", hit)
    return Event("storm", starts, peaks, ends, None, None, subcategory_index("积水"),
                 f"暴雨：{'、'.join(hit)}等区短时强降雨，道路和小区积水诉求激增",
                 peaked_times(rng, starts, peaks, ends, n), by_population(rng, grids, candidates, n), "storm")


def rising(rng: np.random.Generator, world: World, grids: pl.DataFrame, streets: pl.DataFrame,
           n_requests: int, start: datetime, end: datetime) -> Event:
    """One community's lifts keep failing: complaints creep up for weeks before anyone acts."""
    big = streets.filter(pl.col("district") == streets.sort("population")["district"][-1])
    street = big.sort("population")["street"][big.height // 2]
    sub = subcategory_index("电梯")
    community = grids.filter(pl.col("street") == street)["community"][0]
    today = datetime.combine(end.date() - timedelta(days=1), datetime.min.time())
    starts = max(today - timedelta(days=60), start)
    peaks = today - timedelta(days=7)
    peak_daily = max(4.0, 3 * daily_baseline(n_requests, world, 1 / streets.height * 0.02))
    days = np.arange((end - starts).days)
    ramp = peak_daily * np.minimum(days / (peaks - starts).days, 1.0) ** 1.5
    per_day = rng.poisson(ramp)
    day_starts = epoch(starts) + days * DAY
    received = np.repeat(day_starts, per_day) + rng.integers(7 * HOUR, 22 * HOUR, per_day.sum())
    candidates = grids_of(grids, "community", [community])
    return Event("rising", starts, peaks, end, big["district"][0], street, sub,
                 f"{street}{community}电梯频繁故障，投诉数周内持续攀升",
                 received, by_population(rng, grids, candidates, len(received)), "rising")


def outage(rng: np.random.Generator, world: World, grids: pl.DataFrame, streets: pl.DataFrame,
           n_requests: int, end: datetime) -> Event:
    """A three-day outage in one street: heating in the heating season, water otherwise."""
    today = end - timedelta(days=1)
    heating = today.month in (11, 12, 1, 2, 3)
    sub = subcategory_index("供暖", "暖气") if heating else subcategory_index("停水", "供水")
    candidates = streets.sort("population")["street"].to_list()[streets.height // 3:]
    street = candidates[int(rng.integers(0, len(candidates)))]
    starts = datetime.combine(today.date() - timedelta(days=9), datetime.min.time()) + timedelta(hours=7)
    peaks, ends = starts + timedelta(hours=30), starts + timedelta(hours=78)
    n = max(60, int(25 * daily_baseline(n_requests, world, 1 / streets.height * 0.02)))
    what = "集中供暖管线故障，大面积暖气不热" if heating else "供水管线爆裂，大面积停水"
    row = streets.filter(pl.col("street") == street)
    return Event("surge", starts, peaks, ends, row["district"][0], street, sub, f"{street}{what}",
                 peaked_times(rng, starts, peaks, ends, n),
                 by_population(rng, grids, grids_of(grids, "street", [street]), n), "normal")


def plan(rng: np.random.Generator, world: World, grids: pl.DataFrame, streets: pl.DataFrame,
         districts: pl.DataFrame, n_requests: int, start: datetime, end: datetime) -> list[Event]:
    return [storm(rng, world, grids, districts, n_requests, start, end),
            rising(rng, world, grids, streets, n_requests, start, end),
            outage(rng, world, grids, streets, n_requests, end)]


def frame(events: list[Event]) -> pl.DataFrame:
    names = [s.name for s in taxonomy.SUBCATEGORIES]
    return pl.DataFrame({
        "event_id": list(range(1, len(events) + 1)),
        "kind": [e.kind for e in events],
        "starts_at": [e.starts for e in events],
        "peaks_at": [e.peaks for e in events],
        "ends_at": [e.ends for e in events],
        "district": [e.district for e in events],
        "street": [e.street for e in events],
        "subcategory": [names[e.subcategory] for e in events],
        "description": [e.description for e in events],
    }, schema_overrides={"district": pl.String, "street": pl.String})
