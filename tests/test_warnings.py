"""The early warnings against the generator's ground truth, the forecast's back-test, the actions file."""

from __future__ import annotations

from datetime import timedelta

import duckdb
import numpy as np
import polars as pl
import pytest
from scipy import stats

from data import actions
from data.analytics import evaluate, forecast, series, warnings
from data.demo.generate import generate
from queries import sql
from tests.conftest import SMALL, rebuilt


@pytest.fixture(scope="module")
def quiet_path(tmp_path_factory):
    """The same city with no injected events."""
    return generate(tmp_path_factory.mktemp("quiet") / "quiet.duckdb", **{**SMALL, "with_events": False})


@pytest.fixture(scope="module")
def found(con):
    return con.execute("select * from warnings").pl()


def judged_weeks(con) -> float:
    meta = dict(con.execute("select key, value from meta where key like 'warnings_%'").fetchall())
    return (pl.Series([meta["warnings_to"]]).str.to_date()[0]
            - pl.Series([meta["warnings_from"]]).str.to_date()[0]).days / 7


def test_every_injected_event_is_warned_of_before_its_peak(con, found):
    events = con.execute(sql("analytics/demo_events")).pl()
    result = evaluate.score(found, events, int(judged_weeks(con) * 7))
    assert result["detected"] == events.height == 3
    rising = next(e for e in events.to_dicts() if e["kind"] == "rising")
    ours = found.filter(evaluate.matches(found, rising) & (pl.col("kind") == "rising"))
    assert (rising["peaks_at"].date() - ours["first_seen"].min()).days >= 7
    assert result["false_alarms_per_week"] <= 3


def test_a_city_without_events_raises_few_warnings(quiet_path):
    with duckdb.connect(str(quiet_path), read_only=True) as con:
        quiet = con.execute("select count(*) from warnings").fetchone()[0]
        assert con.execute("select count(*) from demo_events").fetchone()[0] == 0
        assert quiet / judged_weeks(con) <= 1.0  # at most one a week, city-wide, with nothing to find


def test_a_surge_fires_on_a_poisson_tail_an_independent_sum_confirms(con, found):
    """Recompute one surge's window by hand from the request rows and scipy."""
    surge = found.filter((pl.col("kind") == "surge") & (pl.col("level") == "street")).sort("score").row(-1, named=True)
    last = surge["last_seen"]
    observed = con.execute(
        "select count(*) from requests where street = ? and subcategory = ? and repeat_of is null "
        "and received_at >= ? and received_at < ?",
        [surge["street"], surge["subcategory"], last - timedelta(days=2), last + timedelta(days=1)]).fetchone()[0]
    assert observed == surge["observed"]
    score = -stats.poisson.logsf(observed - 1, surge["expected"]) / np.log(10)
    assert score >= warnings.SURGE_SCORE and observed >= warnings.SURGE_RATIO * surge["expected"]


def test_a_district_expectation_is_its_share_of_what_the_rest_of_the_city_saw(con):
    """Recompute one district × category expectation from the request rows, by the documented formula."""
    counts = series.load(con, series.last_complete_day(con))
    s = series.build(counts, "district")
    row = int(np.argmax(s.observed.sum(axis=1)))
    key, day = s.keys.row(row, named=True), s.observed.shape[1] - 1
    on, history_end = s.day(day), s.day(day - series.SHARE_LAG + 1)
    q = "select count(*) from requests where repeat_of is null and district is not null and received_at < ?"
    total = lambda extra, *values: con.execute(q + extra, [history_end, *values]).fetchone()[0]  # noqa: E731
    district_share = total(" and district = ?", key["district"]) / total("")
    area_share = ((total(" and district = ? and category = ?", key["district"], key["category"])
                   + series.PRIOR * district_share) / (total(" and category = ?", key["category"]) + series.PRIOR))
    rest = con.execute("select count(*) from requests where repeat_of is null and district is not null "
                       "and district <> ? and category = ? and received_at::date = ?",
                       [key["district"], key["category"], on]).fetchone()[0]
    assert s.expected[row, day] == pytest.approx(area_share / (1 - area_share) * rest, rel=1e-9)


def test_the_forecast_beats_same_day_last_week_on_held_out_weeks(con):
    _, places, matrix = forecast.volumes(con)
    ours = np.abs(forecast.errors(matrix)).mean()
    naive = []
    for fold in range(forecast.FOLDS, 0, -1):
        origin = matrix.shape[0] - forecast.HORIZON * fold
        actual = matrix[origin:origin + forecast.HORIZON]
        naive.append(np.abs(matrix[origin - 7:origin] - actual) / np.maximum(actual, 1.0))
    assert ours < np.mean(naive)
    table = con.execute("select * from forecasts").pl()
    assert table.height == forecast.HORIZON * len(places)
    assert (table["low"] <= table["expected"]).all() and (table["expected"] <= table["high"]).all()
    assert table["day"].min() == series.last_complete_day(con) + timedelta(days=1)


def test_an_acknowledgment_survives_a_restart_and_a_rerun(city_path, tmp_path):
    copy = tmp_path / "city.duckdb"
    copy.write_bytes(city_path.read_bytes())
    with duckdb.connect(str(copy), read_only=True) as con:
        first = con.execute("select warning_id from warnings order by score desc limit 1").fetchone()[0]
    actions.record(copy, first, "acknowledged", "duty officer")
    assert actions.latest(copy) == {first: "acknowledged"}  # a fresh connection: as after a restart
    with duckdb.connect(str(copy)) as con:
        warnings.build_warnings(con, copy)
        status = dict(con.execute("select warning_id, status from warnings").fetchall())
    assert status[first] == "acknowledged"
    assert set(status.values()) == {"new", "acknowledged"}
    with pytest.raises(ValueError, match="status"):
        actions.record(copy, first, "ignored")


def test_rerunning_the_warnings_leaves_the_same_rows(city_path, tmp_path):
    before, after = rebuilt(city_path, tmp_path, "warnings", "warning_id", warnings.build_warnings)
    assert before.height > 0 and before.equals(after)
