"""未诉先办: find the problems growing in a place before they become a wave of complaints.

Two detectors run over every street × subcategory and district × category
series, for every day with enough history (12 weeks), against the baseline of
data/analytics/series.py:

- surge: the last 3 days' count is improbably high for a Poisson count with
  the expected mean (score = -log10 of the tail probability) and at least
  1.5 times what was expected;
- rising: the last 4 weeks are improbably high, at least two of those weeks
  are each clearly above expectation (the newest among them), the second
  fortnight exceeds the first, and no 3 days hold half the excess — a climb
  that no single day reveals.

Alarm days of one series and kind less than a week apart make one warning.
Exact Poisson tails on a same-day baseline need no fitting per series (there
are ~24,000), which is what makes a whole city take seconds.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
from scipy import stats

from data import actions, db
from data.analytics import series

HISTORY_DAYS = 28     # days of history a share needs, after its lag, before a day is judged
SURGE_DAYS = 3
SURGE_SCORE = 7.0     # -log10 P: about one chance in ten million per series and day
SURGE_RATIO = 1.5
SURGE_MIN = 5
RISING_WEEKS = 4
RISING_SCORE = 6.0
GAP_DAYS = 7
CHART_DAYS = 56
SCHEMA = {"warning_id": pl.String, "kind": pl.String, "level": pl.String, "district": pl.String,
          "street": pl.String, "category": pl.String, "subcategory": pl.String, "first_seen": pl.Date,
          "last_seen": pl.Date, "observed": pl.Float64, "expected": pl.Float64, "score": pl.Float64,
          "status": pl.String, "computed_at": pl.Datetime("us")}


def back(matrix: np.ndarray, days: int) -> np.ndarray:
    """The matrix as it was the given number of days earlier (zeros before the data)."""
    shifted = np.zeros_like(matrix)
    shifted[:, days:] = matrix[:, :matrix.shape[1] - days]
    return shifted


def trailing(matrix: np.ndarray, width: int) -> np.ndarray:
    """Sum of the width days ending at each day (fewer at the start)."""
    total = np.cumsum(matrix, axis=1)
    return total - back(total, width)


def tail_score(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """-log10 P(X >= observed) for X ~ Poisson(expected); 0 where nothing was observed.

    Far out in the tail (many requests where next to none were expected) the tail underflows to 0 and its
    log to -inf; there P(X = observed) is the tail to many digits, and its log is computed as a log.
    """
    mean = np.maximum(expected, 1e-9)
    with np.errstate(divide="ignore"):
        log_p = stats.poisson.logsf(observed - 1, mean)
    log_p = np.where(np.isfinite(log_p), log_p, stats.poisson.logpmf(observed, mean))
    return np.where(observed > 0, -log_p / np.log(10), 0.0)


def surges(s: series.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    observed, expected = trailing(s.observed, SURGE_DAYS), trailing(s.expected, SURGE_DAYS)
    score = tail_score(observed, expected)
    fired = (score >= SURGE_SCORE) & (observed >= SURGE_RATIO * expected) & (observed >= SURGE_MIN)
    return fired, score, observed, expected


def rising(s: series.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    days = 7 * RISING_WEEKS
    observed, expected = trailing(s.observed, days), trailing(s.expected, days)
    score = tail_score(observed, expected)
    week_e = trailing(s.expected, 7)
    above = trailing(s.observed, 7) > week_e + 2 * np.sqrt(week_e) + 1  # this week clearly above expectation
    del week_e
    weeks_above = sum(back(above, 7 * k).astype(np.int8) for k in range(RISING_WEEKS))
    fortnight = trailing(s.observed, 14)
    fired = (score >= RISING_SCORE) & (weeks_above >= 2) & above & (fortnight > back(fortnight, 14))
    fired[:, :days] = False
    rows, cols = np.nonzero(fired)
    excess = np.maximum(s.observed - s.expected, 0)
    windows = excess[rows[:, None], cols[:, None] - np.arange(days)[None, :]]
    spread = np.sort(windows, axis=1)[:, -3:].sum(axis=1) < 0.5 * (observed - expected)[rows, cols]
    fired[rows[~spread], cols[~spread]] = False
    return fired, score, observed, expected


def warning_id(*parts: object) -> str:
    return hashlib.sha1("|".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:16]


def episodes(s: series.Series, kind: str, level: str, detected: tuple, start: int) -> list[dict]:
    """One warning per run of alarm days (gaps under a week) in the judged columns from start."""
    fired, score, observed, expected = detected
    found = []
    rows, cols = np.nonzero(fired[:, start:])
    cols = cols + start
    keys = s.keys.to_dicts()
    for row in np.unique(rows):
        days = cols[rows == row]
        breaks = np.flatnonzero(np.diff(days) > GAP_DAYS)
        for run in np.split(days, breaks + 1):
            first, last = int(run[0]), int(run[-1])
            key = keys[row]
            found.append({
                "warning_id": warning_id(kind, level, key["district"], key.get("street"), key["category"],
                                         key.get("subcategory"), s.day(first)),
                "kind": kind, "level": level, "district": key["district"], "street": key.get("street"),
                "category": key["category"], "subcategory": key.get("subcategory"),
                "first_seen": s.day(first), "last_seen": s.day(last),
                "observed": float(observed[row, last]), "expected": float(expected[row, last]),
                "score": float(score[row, run].max()), "series": row, "level_series": s})
    return found


def chart_rows(found: list[dict]) -> pl.DataFrame:
    """Observed against the expected band for the 8 weeks up to each warning's last day."""
    frames = []
    for w in found:
        s, row, last = w["level_series"], w["series"], (w["last_seen"] - w["level_series"].first_day).days
        cols = np.arange(max(last - CHART_DAYS + 1, 0), last + 1)
        expected = s.expected[row, cols]
        frames.append(pl.DataFrame({
            "warning_id": w["warning_id"], "day": [s.day(c) for c in cols],
            "observed": s.observed[row, cols].astype(np.int32), "expected": expected,
            "low": stats.poisson.ppf(0.025, expected).astype(np.float64),
            "high": stats.poisson.ppf(0.975, expected).astype(np.float64)}))
    schema = {"warning_id": pl.String, "day": pl.Date, "observed": pl.Int32, "expected": pl.Float64,
              "low": pl.Float64, "high": pl.Float64}
    return pl.concat(frames) if frames else pl.DataFrame(schema=schema)


def detect(con: duckdb.DuckDBPyConnection) -> tuple[list[dict], dict[str, str]]:
    """Every warning of the judged days, both levels, both kinds; and which days were judged."""
    last_day = series.last_complete_day(con)
    counts = series.load(con, last_day) if last_day else None
    if counts is None:
        return [], {}
    start = series.SHARE_LAG + HISTORY_DAYS
    judged = {"warnings_from": (counts.first_day + timedelta(days=start)).isoformat(),
              "warnings_to": last_day.isoformat()}
    found = []
    for level in ("street", "district"):
        s = series.build(counts, level)
        found += episodes(s, "surge", level, surges(s), start)
        found += episodes(s, "rising", level, rising(s), start)
    return found, judged


def build_warnings(con: duckdb.DuckDBPyConnection, database: str | Path | None = None) -> int:
    """Replace the warnings (and their charts) with a fresh run; statuses people set are kept."""
    found, judged = detect(con)
    done = actions.latest(database) if database else {}
    now = datetime.now()
    rows = pl.DataFrame([{**{k: w[k] for k in SCHEMA if k in w}, "status": done.get(w["warning_id"], "new"),
                           "computed_at": now} for w in found], schema=SCHEMA)
    charts = chart_rows(found)
    con.execute("begin")
    con.execute("delete from warnings")
    con.execute("delete from warning_days")
    con.execute("insert into warnings by name select * from rows")
    con.execute("insert into warning_days by name select * from charts")
    db.set_meta(con, judged)
    con.execute("commit")
    return rows.height
