"""The unit quality panel ("closed is not fixed") against the same figures computed in Polars from raw rows."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import queries
from queries import Filter

MEASURES = ("received", "handled", "repeated_30d", "reopen_rate", "repeat_30d_rate", "resolved_unsatisfied_rate",
            "closed_not_resolved_rate", "resolution_rate", "satisfaction_rate")


@pytest.fixture(scope="module")
def everything(con, clock):
    """Every request received by the clock, numbered: the ones that can come back are not cut to the filter."""
    return con.execute("select * from requests where received_at <= ?", [clock]).pl().with_row_index("row")


def share(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    return pl.when(denominator.sum() > 0).then(numerator.sum() / denominator.sum())


def expected(everything: pl.DataFrame, flt: Filter, t, level: str) -> pl.DataFrame:
    """The panel's figures from the definitions in queries/unit_quality.sql, written again in Polars."""
    rows = everything.filter(pl.col("received_at") >= pl.lit(flt.start).cast(pl.Datetime("us")),
                             pl.col("received_at") < pl.lit(flt.end).cast(pl.Datetime("us")))
    if flt.districts:
        rows = rows.filter(pl.col("district").is_in(list(flt.districts)))
    handled = pl.col("handled_at") <= t
    called = (pl.col("callback_at") <= t).fill_null(False)
    # every pair of a handled request and a later one about the same grid and subcategory, then who came back
    pairs = rows.filter(handled, pl.col("grid").is_not_null()).select("row", "grid", "subcategory", "handled_at").join(
        everything.select("grid", "subcategory", "received_at"), on=["grid", "subcategory"])
    came_back = pairs.filter(pl.col("received_at") > pl.col("handled_at"),
                             pl.col("received_at") <= pl.col("handled_at") + pl.duration(days=30))["row"].unique()
    flags = rows.select(
        pl.col(level).alias("name"),
        handled.fill_null(False).alias("handled"),
        (handled & pl.col("grid").is_not_null()).fill_null(False).alias("in_grid"),
        pl.col("row").is_in(came_back.implode()).alias("repeated"),
        called.alias("called"),
        (called & pl.col("reopened")).alias("reopened"),
        (called & pl.col("resolved")).fill_null(False).alias("resolved"),
        (called & pl.col("satisfied")).fill_null(False).alias("satisfied"),
        (called & pl.col("resolved") & ~pl.col("satisfied")).fill_null(False).alias("resolved_unsatisfied"),
        (called & ~pl.col("resolved")).fill_null(False).alias("not_resolved"),
    )
    return flags.group_by("name").agg(
        pl.len().alias("received"),
        pl.col("handled").sum().alias("handled"),
        pl.col("repeated").sum().alias("repeated_30d"),
        share(pl.col("reopened"), pl.col("called")).alias("reopen_rate"),
        share(pl.col("repeated"), pl.col("in_grid")).alias("repeat_30d_rate"),
        share(pl.col("resolved_unsatisfied"), pl.col("called")).alias("resolved_unsatisfied_rate"),
        share(pl.col("not_resolved"), pl.col("called")).alias("closed_not_resolved_rate"),
        share(pl.col("resolved"), pl.col("called")).alias("resolution_rate"),
        share(pl.col("satisfied"), pl.col("called")).alias("satisfaction_rate"),
    )


def cases(clock):
    today = clock.date()
    return [
        Filter(today - timedelta(days=29), today + timedelta(days=1)),
        Filter(today - timedelta(days=364), today + timedelta(days=1)),
        Filter(today - timedelta(days=29), today + timedelta(days=1), districts=("朝阳区",)),
        Filter(today - timedelta(days=364), today - timedelta(days=60), districts=("朝阳区", "延庆区")),
    ]


@pytest.mark.parametrize("level", ["unit", "street"])
def test_every_figure_matches_polars(cursor, clock, everything, level):
    for flt in cases(clock):
        got = queries.run(cursor, "unit_quality", flt, clock, level=level).sort("name")
        want = expected(everything, flt, clock, level).sort("name")
        assert got["received"].sum() > 0
        assert_frame_equal(got.select("name", *MEASURES), want.select("name", *MEASURES), check_dtypes=False,
                           rel_tol=1e-12, abs_tol=0)


def test_the_score_and_rank_follow_the_bad_rates(cursor, clock):
    flt = Filter(clock.date() - timedelta(days=89), clock.date() + timedelta(days=1))
    got = queries.run(cursor, "unit_quality", flt, clock, level="street")
    bad = got.select("reopen_rate", "repeat_30d_rate", "resolved_unsatisfied_rate", "closed_not_resolved_rate")
    assert got["quality_score"].to_list() == pytest.approx((100 * (1 - bad.mean_horizontal())).to_list())
    assert got["quality_rank"].to_list() == got["quality_score"].rank("min", descending=True).to_list()
    assert got["repeated_30d"].sum() > 0


def test_a_district_is_one_row_of_its_streets(cursor, clock):
    flt = Filter(clock.date() - timedelta(days=29), clock.date() + timedelta(days=1), districts=("朝阳区",))
    district = queries.run(cursor, "unit_quality", flt, clock, level="district").row(0, named=True)
    streets = queries.run(cursor, "unit_quality", flt, clock, level="street")
    assert district["name"] == "朝阳区"
    for column in ("received", "handled", "repeated_30d"):
        assert district[column] == streets[column].sum()


def test_injection_shaped_values_are_plain_values(cursor, clock, con):
    evil = "'; drop table requests; --"
    flt = Filter(clock.date() - timedelta(days=29), clock.date() + timedelta(days=1), districts=(evil,), units=(evil,))
    assert queries.run(cursor, "unit_quality", flt, clock, level=evil).is_empty()
    plain = Filter(flt.start, flt.end)
    assert queries.run(cursor, "unit_quality", plain, clock, level=evil)["name"].to_list() == \
        queries.run(cursor, "unit_quality", plain, clock, level="unit")["name"].to_list()
    assert con.execute("select count(*) from requests").fetchone()[0] > 0
