"""Every KPI the dashboard, the indicators and the bulletins show, defined once: its key, names, formula in words,
SQL, target, direction and number format. Tiles, tables, charts, bulletins and translations read it from here.

The row-level conditions are the macros of queries/metrics.sql; queries/facts.sql sums them into
the measures the panels and rollups add up; a panel computes a rate as ``aggregate``; the
evaluation indicators C1.1, C1.2, C2.1 and C3.1 (data/indicators.py) compute the same rate over a
month's raw rows as ``expression``. tests/test_metrics.py holds them to that and checks
docs/metrics.md (written by ``python -m queries.metrics``) is current.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs" / "metrics.md"


@dataclass(frozen=True)
class Metric:
    key: str             # the column a panel returns it as
    name: str
    name_en: str
    definition: str      # the formula in words
    definition_en: str
    unit: str            # "%" for a rate, else what is counted
    numerator: str       # the measure summed on top (a count: the count itself): of queries/facts.sql, or of
                         # the panel's own rows where facts cannot hold it (unit_quality's repeats and callbacks)
    denominator: str = ""  # the measure summed below, for a rate
    counted: str = ""    # the row-level condition of the numerator over requests, as of $t (rates only)
    out_of: str = ""     # ... and of the denominator
    indicator: str = ""  # the evaluation indicator that sets its target
    higher_is_better: bool | None = True  # None: neither, a volume

    @property
    def number(self) -> str:
        """How it reads on screen: "percent" with one decimal (a rate), or "count" with thousands separators."""
        return "percent" if self.unit == "%" else "count"

    @property
    def target(self) -> str:
        """The column headline_rates returns its target in (the indicator's target), or "" without one."""
        return self.key.replace("_rate", "_target") if self.indicator else ""

    @property
    def aggregate(self) -> str:
        """How a panel computes it from facts."""
        if not self.denominator:
            return f"total({self.numerator})"
        return f"rate(total({self.numerator}), total({self.denominator}))"

    @property
    def expression(self) -> str:
        """How an indicator computes it, in percent, from a month's raw request rows."""
        return f"100 * rate(count(*) filter (where {self.counted}), count(*) filter (where {self.out_of}))"


METRICS = {metric.key: metric for metric in (
    Metric("received", "受理诉求", "Requests received",
           "期间内受理的诉求件数", "Requests received in the period", "件", "received", higher_is_better=None),
    Metric("response_rate", "响应率", "Response rate",
           "24小时内联系诉求人的工单占应响应工单（已联系或已满24小时）的比例",
           "Requests whose caller was contacted within 24 h, out of those contacted or older than 24 h",
           "%", "responded_in_time", "due_for_response",
           "responded_in_time(received_at, responded_at, $t)", "due_for_response(source, received_at, responded_at, $t)",
           "C1.1"),
    Metric("on_time_rate", "按时办结率", "On-time rate",
           "在办结时限内办结的工单占应办结工单（已办结或已到时限）的比例",
           "Requests handled by their deadline, out of those handled or past the deadline",
           "%", "handled_on_time", "due_for_handling",
           "handled_on_time(handled_at, deadline_at, $t)", "due_for_handling(handled_at, deadline_at, $t)", "C1.2"),
    Metric("resolution_rate", "解决率", "Resolution rate",
           "已回访工单中诉求人表示问题已解决的比例", "Share of called-back requests the citizen calls solved",
           "%", "resolved", "called_back",
           "resolved_at_callback(callback_at, resolved, $t)", "called_back(callback_at, $t)", "C2.1"),
    Metric("satisfaction_rate", "满意率", "Satisfaction rate",
           "已回访工单中诉求人表示满意的比例", "Share of called-back requests whose citizen is satisfied",
           "%", "satisfied", "called_back",
           "satisfied_at_callback(callback_at, satisfied, $t)", "called_back(callback_at, $t)", "C3.1"),
    Metric("open", "在办工单", "Open now",
           "受理后尚未办结的工单（任一受理日期）", "Requests received and not yet handled, whenever received",
           "件", "open", higher_is_better=False),
    Metric("overdue", "超期未办结", "Overdue now",
           "在办且已超过办结时限的工单", "Open requests past their deadline", "件", "overdue",
           higher_is_better=False),
    Metric("repeat_share", "重复诉求率", "Repeat share",
           "就已反映过的同一问题再次来电的工单占全部工单的比例",
           "Requests about a problem already reported, out of all requests", "%", "repeats", "received",
           higher_is_better=False),
    Metric("reopen_rate", "重新派单率", "Reopen rate",
           "已回访工单中因未解决而重新派单的比例（同评价指标D1.2）",
           "Called-back requests sent back to the unit after a failed callback (as indicator D1.2)",
           "%", "reopened", "called_back", higher_is_better=False),
    Metric("repeat_30d_rate", "30日内复发率", "Came back within 30 days",
           "已办结工单中，办结后30日内同一网格同一小类又有诉求的比例（计入原工单的承办单位和街道）",
           "Handled requests followed within 30 days of their handling by another request with the same grid "
           "and subcategory, counted against the first one's unit and street",
           "%", "repeated_30d", "handled_in_grid", higher_is_better=False),
    Metric("resolved_unsatisfied_rate", "解决但不满意率", "Resolved but unsatisfied",
           "已回访工单中诉求人表示已解决但不满意的比例",
           "Called-back requests the citizen calls solved but is not satisfied with",
           "%", "resolved_unsatisfied", "called_back", higher_is_better=False),
    Metric("closed_not_resolved_rate", "办结未解决率", "Closed but not resolved",
           "已回访工单中诉求人表示未解决的比例", "Called-back requests the citizen says are not solved",
           "%", "not_resolved", "called_back", higher_is_better=False),
)}
BETTER = {True: "higher", False: "lower", None: "—"}
RATES = ("response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate")  # the headline order


def markdown() -> str:
    """docs/metrics.md: every KPI with its formula, in both languages."""
    lines = ["# Metrics", "", "Generated by `python -m queries.metrics` from `queries/metrics.py`; every KPI tile, panel,",
             "indicator and bulletin uses these definitions.", "",
             "| metric | 指标 | definition | 口径 | computed as | unit | shown as | better | target from |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for metric in METRICS.values():
        lines.append(f"| {metric.name_en} | {metric.name} | {metric.definition_en} | {metric.definition} | "
                     f"`{metric.aggregate}` | {metric.unit} | {metric.number} | "
                     f"{BETTER[metric.higher_is_better]} | {metric.indicator or '—'} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    DOCS.parent.mkdir(exist_ok=True)
    DOCS.write_text(markdown(), encoding="utf-8")
    sys.stdout.write(f"wrote {DOCS}\n")
