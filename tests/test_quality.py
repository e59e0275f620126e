"""办结不等于解决: the unit quality panel against a computation in Polars over the raw requests."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
import polars.selectors as cs
import pytest

import queries

LEVELS = {"unit": "unit", "street": "street", "district": "district"}


def independent(con, flt: queries.Filter, t: datetime, level: str) -> pl.DataFrame:
    rows = con.execute("select * from requests").pl()
    since = datetime.combine(flt.start, datetime.min.time())
    until = datetime.combine(flt.end, datetime.min.time())
    period = rows.filter((pl.col("received_at") >= since) & (pl.col("received_at") < until)
                         & (pl.col("received_at") <= t))
    if flt.districts:
        period = period.filter(pl.col("district").is_in(flt.districts))
    handled = period.filter(pl.col("handled_at") <= t).with_row_index("row")
    later = rows.filter((pl.col("received_at") > since) & (pl.col("received_at") <= min(t, until + timedelta(days=30)))
                        & pl.col("grid").is_not_null()).select("grid", "subcategory", arrived="received_at")
    # the first request after each handling in the same grid and subcategory, by a plain join and a minimum
    following = (handled.select("row", "grid", "subcategory", "handled_at").join(later, on=["grid", "subcategory"])
                 .filter(pl.col("arrived") > pl.col("handled_at")).group_by("row").agg(pl.col("arrived").min()))
    handled = handled.join(following, on="row", how="left").with_columns(
        came_back=(pl.col("arrived") <= pl.col("handled_at") + timedelta(days=30)).fill_null(False),
        sent_back=(pl.col("reopened") & (pl.col("callback_at") <= t)).fill_null(False),
        called=(pl.col("callback_at") <= t).fill_null(False))
    called = pl.col("called")
    return (handled.group_by(pl.col(LEVELS[level]).alias("name")).agg(
        handled=pl.len(),
        reopen_rate=pl.col("sent_back").mean(),
        came_back_rate=pl.col("came_back").mean(),
        called_back=called.sum(),
        resolved_unsatisfied_rate=(called & pl.col("resolved") & ~pl.col("satisfied")).sum() / called.sum(),
        not_resolved_rate=(called & ~pl.col("resolved")).sum() / called.sum(),
    ).filter(pl.col("name").is_not_null()).with_columns(cs.float().fill_nan(None)).sort("name"))  # 0/0 is no rate


@pytest.mark.parametrize("level", ["unit", "street"])
@pytest.mark.parametrize("days", [30, 365])
def test_every_figure_equals_an_independent_computation(con, level, days):
    t = queries.clock(con)
    flt = queries.Filter(t.date() - timedelta(days=days - 1), t.date() + timedelta(days=1))
    ours = queries.run(queries.prepare(con), "unit_quality", flt, t, level=level).sort("name")
    theirs = independent(con, flt, t, level)
    assert ours.height == theirs.height > 10
    assert ours["name"].to_list() == theirs["name"].to_list()
    for column in theirs.columns[1:]:
        assert ours[column].to_list() == pytest.approx(theirs[column].to_list(), nan_ok=True), column
    assert ours["quality"].is_between(0, 100).all()


def test_a_district_filter_cuts_the_table_and_values_are_bound(con):
    t = queries.clock(con)
    district = con.execute("select district from districts order by district limit 1").fetchone()[0]
    flt = queries.Filter(t.date() - timedelta(days=29), t.date() + timedelta(days=1), districts=(district,))
    ours = queries.run(queries.prepare(con), "unit_quality", flt, t, level="street").sort("name")
    theirs = independent(con, flt, t, "street")
    assert ours["name"].to_list() == theirs["name"].to_list()
    assert ours["came_back_rate"].to_list() == pytest.approx(theirs["came_back_rate"].to_list())
    hostile = queries.Filter(flt.start, flt.end, districts=("x'); drop table requests; --",))
    assert queries.run(queries.prepare(con), "unit_quality", hostile, t, level="unit").is_empty()
    assert con.execute("select count(*) from requests").fetchone()[0] > 0
