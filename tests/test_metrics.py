"""One definition per metric: the panels, the indicators and the docs all say what queries/metrics.py says."""

from __future__ import annotations

import re

import pytest

import queries
from dashboard import number_formats
from dashboard.i18n import t, using
from dashboard.labels import LABELS
from data.indicator_definitions import DEFINITIONS
from queries.metrics import DOCS, METRICS, markdown


def test_every_panel_computes_a_metric_as_defined():
    seen = set()
    for path in sorted(queries.QUERY_DIR.glob("*.sql")):
        text = re.sub(r"\s+", " ", path.read_text(encoding="utf-8"))
        for metric in METRICS.values():
            for found in re.findall(rf"(\S+\(total\(\w+\)(?:, total\(\w+\))?\)) as {metric.key}\b", text):
                assert found == metric.aggregate, f"{path.name} computes {metric.key} as {found}"
                seen.add(metric.key)
    assert {"response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate", "repeat_share"} <= seen


def test_the_rate_indicators_are_the_metrics():
    indicators = {d.code: d for d in DEFINITIONS}
    headline = queries.sql("headline_rates")
    for metric in METRICS.values():
        if metric.indicator:
            indicator = indicators[metric.indicator]
            assert (indicator.name, indicator.expression) == (metric.name, metric.expression)
            target = metric.key.replace("_rate", "_target")
            assert f"code = '{metric.indicator}') / 100 as {target}" in headline


def test_the_metrics_page_is_current():
    assert DOCS.read_text(encoding="utf-8") == markdown(), "run python -m queries.metrics"


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_metric_name_on_screen_is_the_registry_s(language):
    with using(language, {}):
        assert {key: t(key) for key in METRICS} == {
            key: metric.name_en if language == "en" else metric.name for key, metric in METRICS.items()}
    assert not set(LABELS) & set(METRICS), "a metric's name lives in queries/metrics.py, not in the labels"
    names = {metric.name for metric in METRICS.values()} | {metric.name_en for metric in METRICS.values()}
    assert [key for key, words in LABELS.items() if set(words) & names] == [], "a label repeats a metric's name"


def test_a_metric_reads_in_its_number_format():
    with using("en", {}):
        assert number_formats.metric("response_rate", 0.98765) == "98.8%"
        assert number_formats.metric("received", 123456) == "123,456"
        assert number_formats.metric("overdue", None) == "—"
    with using("zh", {}):
        assert number_formats.metric("received", 98765) == "98,765"
