"""When citizens call: the hourly weights the demo city samples request times from."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import holidays
import numpy as np

# Share of a day's calls by hour: the hotline is quiet at 3 a.m. and busiest mid-morning.
REQUEST_HOURS = np.array([
    0.9, 0.55, 0.4, 0.3, 0.3, 0.45, 1.2, 2.6, 4.6, 6.2, 6.6, 6.0,
    4.9, 5.2, 5.8, 5.9, 5.6, 5.1, 4.4, 4.3, 4.1, 3.5, 2.5, 1.6,
])
# Incidents come from sensors and patrols too, so the day is flatter.
INCIDENT_HOURS = np.array([
    2.2, 1.8, 1.6, 1.5, 1.6, 2.2, 3.4, 4.8, 5.6, 5.8, 5.6, 5.2,
    4.8, 4.9, 5.2, 5.3, 5.4, 5.6, 5.4, 5.0, 4.4, 3.8, 3.2, 2.6,
])
# Monday carries the weekend's backlog; weekends are quiet.
WEEKDAYS = np.array([1.22, 1.08, 1.03, 1.0, 0.97, 0.78, 0.74])
HOLIDAY_FACTOR = 0.62
YEARLY_GROWTH = 0.06


def period(months: int, today: date) -> tuple[datetime, datetime]:
    """The demo covers whole months back from this one, ending at the end of today."""
    first = date(today.year, today.month, 1)
    month_index = first.year * 12 + first.month - 1 - (months - 1)
    start = datetime(month_index // 12, month_index % 12 + 1, 1)
    return start, datetime.combine(today + timedelta(days=1), datetime.min.time())


def hourly_weights(start: datetime, end: datetime, hour_profile: np.ndarray,
                   month_volume: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hour starts in [start, end) and the expected share of calls in each."""
    hours = np.arange(np.datetime64(start, "h"), np.datetime64(end, "h"))
    days = hours.astype("datetime64[D]")
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    hour_of_day = (hours - days).astype(np.int64)
    month = days.astype("datetime64[M]").astype(np.int64) % 12
    years = range(start.year, end.year + 1)
    off = np.array(sorted(holidays.China(years=years)), dtype="datetime64[D]")
    on_holiday = np.isin(days, off)
    elapsed_years = (hours - hours[0]).astype(np.float64) / (24 * 365.25)
    weights = (hour_profile[hour_of_day] * WEEKDAYS[weekday] * month_volume[month]
               * np.where(on_holiday, HOLIDAY_FACTOR, 1.0)
               * (1 + YEARLY_GROWTH * elapsed_years))
    return hours, weights / weights.sum()
