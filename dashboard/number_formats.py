"""How numbers read on screen, in each language: 万 for large counts in Chinese, percentage points for rate changes."""

from __future__ import annotations

import math

from dashboard.i18n import lang
from queries.metrics import METRICS

# The same formats in the charts' (d3) notation: axis labels and tooltips.
D3 = {"count": ",.0f", "decimal": ",.1f", "percent": ".1%", "whole_percent": ".0%", "change": "+.1%",
      "whole_change": "+.0%"}


def missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def count(value: float | None) -> str:
    """12.3万 / 123,456: large counts the way each language writes them."""
    if missing(value):
        return "—"
    if lang() == "zh" and abs(value) >= 100_000:
        return f"{value / 10_000:,.1f}万"
    if lang() == "en" and abs(value) >= 1_000_000:
        return f"{value / 1_000_000:,.2f}M"
    return f"{value:,.0f}"


def percent(value: float | None, digits: int = 1) -> str:
    return "—" if missing(value) else f"{value * 100:.{digits}f}%"


def metric(key: str, value: float | None) -> str:
    """A metric's value in the number format its registry entry gives."""
    return percent(value) if METRICS[key].number == "percent" else count(value)


def points(change: float | None) -> str | None:
    """A rate's change in percentage points (个百分点)."""
    if missing(change):
        return None
    return f"{change * 100:+.1f}" + ("个百分点" if lang() == "zh" else " pp")


def change(ratio: float | None) -> str | None:
    """A relative change (环比) as a signed percentage."""
    return None if missing(ratio) else f"{ratio * 100:+.1f}%"


def duration_minutes(minutes: float | None) -> str:
    if missing(minutes):
        return "—"
    if minutes < 120:
        return f"{minutes:.0f}" + ("分钟" if lang() == "zh" else " min")
    return f"{minutes / 60:.1f}" + ("小时" if lang() == "zh" else " h")
