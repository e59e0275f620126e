"""The indicators units report, drawn for the demo city: a persistent district level, a slow improvement, a
season and noise, deterministic for the seed (each definition's Reported says how it behaves)."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from data.indicator_definitions import DEFINITIONS


def reported_values(districts: pl.DataFrame, months: list[date], seed: int) -> pl.DataFrame:
    """Unit-reported indicators per month × district, and city-wide as the population-weighted mean.

    A district's level is partly shared across indicators, so a weak district is weak on most of them.
    """
    names = districts["district"].to_list()
    people = districts["population"].cast(pl.Float64).fill_null(strategy="mean").fill_null(1.0).to_numpy()
    weights = people / people.sum()
    capacity = np.random.default_rng([seed, 9]).normal(0, 1, len(names))
    latest = months[-1].year * 12 + months[-1].month
    rows = []
    for index, d in enumerate(DEFINITIONS):
        if d.reported is None:
            continue
        how = d.reported
        better = 1 if d.higher_is_better else -1
        own = np.random.default_rng([seed, 9, index]).normal(0, 1, len(names))
        level = how.typical + better * how.spread * (0.6 * capacity + 0.8 * own)
        for period in months:
            number = period.year * 12 + period.month
            winter = np.cos(2 * np.pi * (period.month - 1) / 12)  # 1 in January, -1 in July
            noise = np.random.default_rng([seed, 9, index, number]).normal(0, how.noise, len(names))
            value = np.clip(level - better * how.trend * (latest - number) + how.season / 2 * winter + noise,
                            *how.limits)
            rows += [(period, name, d.code, float(v)) for name, v in zip(names, value)]
            rows.append((period, None, d.code, float(value @ weights)))
    return pl.DataFrame(rows, schema={"period": pl.Date, "district": pl.String, "code": pl.String,
                                      "value": pl.Float64}, orient="row")
