"""Daily counts as dense arrays, and what each series is expected to count each day.

The expectation for a place and topic on a day is its usual share of that
topic times what the rest of the city reported of the topic that same day:
a district's streets are judged against the other districts. The same-day
count carries the weekly cycle, holidays, the season (heating starts on one
day city-wide) and any city-wide trend without a model of any of them, and
leaving the district out keeps a local problem from raising its own bar.
Shares come from the history at least 8 weeks before the day judged, shrunk
towards the place's share of all requests so a sparse series is not expected
to be 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import duckdb
import numpy as np
import polars as pl

from queries import sql

PRIOR = 1000.0   # pseudo-requests behind every share: how far a sparse share leans on the place's overall share
SHARE_LAG = 56   # a share is learnt from data at least 8 weeks old, so a climbing problem cannot raise its own bar


@dataclass
class Series:
    keys: pl.DataFrame      # one row per series: district, street, category, subcategory (the last two may be null)
    observed: np.ndarray    # [series, day] requests
    expected: np.ndarray    # [series, day] the baseline's expectation
    first_day: date         # the day of column 0

    def day(self, column: int) -> date:
        return self.first_day + timedelta(days=int(column))


@dataclass
class Counts:
    keys: pl.DataFrame      # district, street, category, subcategory: the finest series
    matrix: np.ndarray      # [key, day] requests
    first_day: date


def last_complete_day(con: duckdb.DuckDBPyConnection) -> date | None:
    """The newest day the data covers to its end (a snapshot taken mid-day leaves that day out)."""
    latest = con.execute("select max(received_at) from requests").fetchone()[0]
    if latest is None:
        return None
    return latest.date() if latest.hour >= 23 else latest.date() - timedelta(days=1)


def load(con: duckdb.DuckDBPyConnection, last_day: date) -> Counts | None:
    """The finest series as a dense matrix; the strings stay in DuckDB, only their codes come over."""
    until = datetime.combine(last_day + timedelta(days=1), datetime.min.time())
    con.execute(sql("analytics/daily_counts"), {"until": until})
    first = con.execute("select min(day) from series_counts").fetchone()[0]
    if first is None:
        return None
    keys = con.execute("select distinct district, street, category, subcategory from series_counts "
                       "order by district, street, category, subcategory").pl()
    cells = con.execute("select dense_rank() over (order by district, street, category, subcategory) - 1 as key, "
                        "datediff('day', ?, day) as col, n from series_counts", [first]).fetchnumpy()
    con.execute("drop table series_counts")
    matrix = np.zeros((keys.height, (last_day - first).days + 1))
    matrix[cells["key"], cells["col"]] = cells["n"]
    return Counts(keys, matrix, first)


def grouped(keys: pl.DataFrame, matrix: np.ndarray, dims: list[str]) -> tuple[pl.DataFrame, np.ndarray, np.ndarray]:
    """The matrix summed by dims: the groups, their rows, and each key's group."""
    groups = keys.select(dims).unique().sort(dims, nulls_last=True)
    index = index_of(keys, groups, dims)
    summed = np.zeros((groups.height, matrix.shape[1]))
    np.add.at(summed, index, matrix)
    return groups, summed, index


def index_of(keys: pl.DataFrame, within: pl.DataFrame, dims: list[str]) -> np.ndarray:
    """For each row of keys, its row in within (matched on dims)."""
    return keys.join(within.with_row_index("at"), on=dims, how="left", nulls_equal=True, maintain_order="left")[
        "at"].to_numpy()


def lagged(matrix: np.ndarray) -> np.ndarray:
    """For each day, the total up to SHARE_LAG days before it: the history a share may use."""
    total = np.zeros_like(matrix)
    total[:, SHARE_LAG:] = np.cumsum(matrix, axis=1)[:, :-SHARE_LAG]
    return total


def build(counts: Counts, level: str) -> Series:
    """The series of one level: 'street' (street × subcategory) or 'district' (district × category)."""
    topic = ["category", "subcategory"] if level == "street" else ["category"]
    place = ["district", "street"] if level == "street" else ["district"]
    keys, matrix = counts.keys, counts.matrix
    if level == "street":
        known = keys["street"].is_not_null().to_numpy()
        keys, matrix = keys.filter(known), matrix[known]
    series_keys, observed, _ = grouped(keys, matrix, [*place, *topic])
    _, by_topic, t_of_key = grouped(series_keys, observed, topic)                # the city's count of each topic
    areas, by_area, a_of_key = grouped(series_keys, observed, ["district", *topic])  # each district's count of it
    districts, by_district, _ = grouped(series_keys, observed, ["district"])
    t_of_area = t_of_key[np.unique(a_of_key, return_index=True)[1]]
    d_of_area = index_of(areas, districts, ["district"])
    history = lagged(by_district)
    with np.errstate(invalid="ignore", divide="ignore"):
        # the district's share of the topic in the city, shrunk towards its share of everything
        district_share = history / history.sum(0)
        area_share = ((lagged(by_area) + PRIOR * district_share[d_of_area])
                      / (lagged(by_topic)[t_of_area] + PRIOR))
        several = districts.height >= 3
        rest = by_topic[t_of_area] - by_area if several else by_topic[t_of_area]
        area_expected = (area_share / (1 - area_share) if several else area_share) * rest  # [area, day]
        if level == "district":
            return Series(series_keys, observed, np.nan_to_num(area_expected[a_of_key]), counts.first_day)
        # the street's share of its district's count of the topic, shrunk the same way
        places, by_place, p_of_key = grouped(series_keys, observed, place)
        place_share = lagged(by_place) / history[index_of(places, districts, ["district"])]
        street_share = ((lagged(observed) + PRIOR * place_share[p_of_key])
                        / (lagged(by_area)[a_of_key] + PRIOR))
        expected = np.nan_to_num(street_share * area_expected[a_of_key])
    return Series(series_keys, observed, expected, counts.first_day)
