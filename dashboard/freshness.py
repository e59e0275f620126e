"""数据截至: when data last arrived, atop every page and the wall; amber when none came for too long.

A duty officer reads it as "is the feed still flowing": the time of the newest arrival, not of the last
refresh, and a badge saying how long it has been quiet once that passes CITYOPS_STALE_MINUTES.
"""

from __future__ import annotations

from datetime import datetime

from dashboard.i18n import t
from dashboard.number_formats import count
from dashboard.store import arrival, meta
from queries import settings


def quiet(minutes: int) -> str:
    """How long no data came, in the unit that reads best."""
    if minutes < 120:
        return t("quiet_minutes", n=count(minutes))
    if minutes < 48 * 60:
        return t("quiet_hours", n=minutes // 60)
    return t("quiet_days", n=count(minutes // (24 * 60)))


def analysed() -> str:
    """When the warnings, forecast and topics were last computed: they follow the data on their own schedule."""
    at = meta().get("analytics_at")
    if not at:
        return ""
    at = datetime.fromisoformat(at)
    return t("analysed_at", at=f"{at:%H:%M}" if at.date() == datetime.now().date() else f"{at:%Y-%m-%d %H:%M}")


def line(clock: datetime, *also: str) -> str:
    """The page's caption: data as of its last arrival (the date only when not today), the moment the numbers
    count to when that is another day (a city of old rows), an amber badge after a quiet spell, then also."""
    also = tuple(part for part in also if part)
    came = arrival()
    arrived, minutes = came["arrived_at"], came["quiet_minutes"]
    if arrived is None:
        return " · ".join(also)
    today = datetime.now().date()
    parts = [f"{t('as_of')} {arrived:%H:%M}" if arrived.date() == today else f"{t('as_of')} {arrived:%Y-%m-%d %H:%M}"]
    if clock.date() != arrived.date():
        parts.append(f"{t('counted_to')} {clock:%Y-%m-%d %H:%M}")
    parts.extend(also)
    text = " · ".join(parts)
    if minutes > settings.STALE_MINUTES:
        text += f" :orange-badge[:material/schedule: {quiet(minutes)}]"
    return text
