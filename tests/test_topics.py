"""每月一题 on the small demo city: the injected rising problem is found, figures match independent counts."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

import queries
from data.analytics import topics
from data.demo import texts
from tests.conftest import rebuilt


@pytest.fixture(scope="module")
def rising(con):
    return con.execute("select * from demo_events where kind = 'rising'").pl().row(0, named=True)


@pytest.fixture(scope="module")
def peak_month(rising) -> date:
    return rising["peaks_at"].date().replace(day=1)


@pytest.fixture(scope="module")
def found(con, peak_month):
    return con.execute("select * from topics where month = ? order by rank", [peak_month]).pl()


def test_the_rising_problem_is_among_the_top_five_topics_of_its_peak_month(found, rising):
    top = found.filter(pl.col("rank") <= 5)
    ours = top.filter((pl.col("street") == rising["street"]) & (pl.col("subcategory") == rising["subcategory"]))
    assert ours.height, top.select("rank", "keywords", "street", "subcategory", "score")
    words = {w for phrase in texts.RISING_PROBLEM for w in topics.tokens([phrase])[0]}
    assert words & set(ours["keywords"][0].split("、"))


@pytest.fixture(scope="module")
def assigned(con, peak_month):
    """The month's requests with their cluster, from a model learnt again the same way."""
    cursor = queries.prepare(con)
    rows = topics.month_rows(cursor, peak_month)
    model = topics.learn(rows, topics.place_names(cursor))
    return rows.with_columns(cluster=pl.Series(model.assign(rows["text"])))


def members(assigned: pl.DataFrame, topic: dict) -> pl.DataFrame:
    return assigned.filter((pl.col("cluster") == int(topic["topic_id"].split("-")[2]))
                           & (pl.col("street") == topic["street"]))


def test_a_topic_volume_equals_a_count_of_the_requests_assigned_to_it(found, assigned):
    for topic in found.head(5).to_dicts():
        mine = members(assigned, topic)
        assert mine.height == topic["volume"]
        assert mine["repeated"].mean() == pytest.approx(topic["repeat_rate"])
        assert mine["unsatisfied"].drop_nulls().mean() == pytest.approx(topic["unsatisfied_rate"])


def test_the_topic_history_rates_match_an_independent_computation(con, found, assigned, peak_month):
    topic = found.row(0, named=True)
    history = con.execute("select * from topic_months where month = ? and topic_id = ? order by for_month",
                          [peak_month, topic["topic_id"]]).pl()
    month = history.filter(pl.col("for_month") == peak_month).row(0, named=True)
    ids = members(assigned, topic)["request_id"].to_list()
    t = con.execute("select max(received_at) from requests").fetchone()[0]
    rows = con.execute("select * from requests where list_contains(?, request_id)", [ids]).pl()
    called = rows.filter(pl.col("callback_at") <= t)
    assert month["volume"] == topic["volume"] == rows.height
    assert month["satisfaction_rate"] == pytest.approx(called["satisfied"].sum() / called.height)
    assert month["resolution_rate"] == pytest.approx(called["resolved"].sum() / called.height)
    samples = con.execute("select request_id from topic_samples where topic_id = ?", [topic["topic_id"]]).pl()
    assert samples.height == topics.SAMPLES_PER_TOPIC and set(samples["request_id"]) <= set(ids)


def test_rerunning_a_month_leaves_the_same_topics(city_path, tmp_path, peak_month):
    before, after = rebuilt(city_path, tmp_path, "topics", "month, rank",
                            lambda con, copy: topics.build_topics(con, peak_month))
    assert before.height and before.equals(after)


def test_texts_in_other_scripts_keep_their_words():
    """An English export (NYC 311) must still have words to cluster once numbers and masks are cut."""
    words = topics.tokens(topics.cleaned(pl.Series(["Loud music from apartment 3B, caller 212****1234"]), [])
                          .to_list())[0]
    assert {"Loud", "music", "apartment"} <= set(words) and not any(ch.isdigit() for w in words for ch in w)
