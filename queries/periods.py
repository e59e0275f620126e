"""Periods: a day, a Monday-to-Sunday week, a calendar month or any run of days, and the change on another one.

A period still running at the clock is compared like with like: the week as of Wednesday 10:00 against
last week's Monday to Wednesday 10:00, never against the whole of last week. Every 环比 and 同比 on the
screen and in the bulletins is computed by change().
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

KINDS = ("day", "week", "month", "custom")
YEAR = timedelta(days=364)  # a year back in whole weeks, so weekdays line up


def midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time())


def next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


class Window(NamedTuple):
    """The moments [start, end) a period is counted over."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class Period:
    """Days [start, end) of a kind: the kind decides what the period before it is."""

    kind: str
    start: date
    end: date  # exclusive

    @classmethod
    def of(cls, kind: str, day: date) -> Period:
        """The day itself, the Monday-to-Sunday week holding it, or its calendar month."""
        if kind == "day":
            return cls(kind, day, day + timedelta(days=1))
        if kind == "week":
            monday = day - timedelta(days=day.weekday())
            return cls(kind, monday, monday + timedelta(days=7))
        if kind == "month":
            return cls(kind, day.replace(day=1), next_month(day))
        raise ValueError(f"no period of kind {kind!r} holds a single day")

    @classmethod
    def spanning(cls, start: date, end: date) -> Period:
        """The days [start, end) as the kind they happen to be: a whole day, week or month, else custom."""
        for kind in ("day", "week", "month"):
            if cls.of(kind, start) == cls(kind, start, end):
                return cls(kind, start, end)
        return cls("custom", start, end)

    def complete(self, t: datetime) -> bool:
        """Whether the period is over at clock time t."""
        return t >= midnight(self.end)

    def elapsed(self, t: datetime) -> timedelta:
        """How much of the period lies before t: none before it starts, all of it once complete."""
        return min(max(t - midnight(self.start), timedelta(0)), self.end - self.start)

    def window(self, elapsed: timedelta | None = None) -> Window:
        """The period's first elapsed stretch (all of it by default), never past its end."""
        start, end = midnight(self.start), midnight(self.end)
        return Window(start, end if elapsed is None else min(start + elapsed, end))

    def before(self) -> Period:
        """The whole period before: the day, week or calendar month before, or as many days just before."""
        if self.kind == "month":
            return Period.of("month", self.start - timedelta(days=1))
        return Period(self.kind, self.start - (self.end - self.start), self.start)

    def year_earlier(self) -> Period:
        return Period(self.kind if self.kind in ("day", "week") else "custom", self.start - YEAR, self.end - YEAR)

    def previous(self, t: datetime) -> Window:
        """The period before, cut where t cuts this one (环比 compares like with like)."""
        return self.before().window(self.elapsed(t))

    def year_ago(self, t: datetime) -> Window:
        """The same period 52 weeks earlier, cut where t cuts this one (同比)."""
        return self.year_earlier().window(self.elapsed(t))

    def last_complete(self, t: datetime) -> Period:
        """This period if it is over at t, else the latest one of its kind that is."""
        period = self
        while not period.complete(t):
            period = period.before()
        return period

    def label(self, language: str = "zh") -> str:
        """The period in words: 2025年3月, 2025年3月3日至3月9日, March 2025, 03 March to 09 March 2025."""
        last = self.end - timedelta(days=1)
        if language == "en":
            if self.kind == "month":
                return f"{self.start:%B %Y}"
            if self.start == last:
                return f"{self.start:%d %B %Y}"
            return f"{self.start:%d %B} to {last:%d %B %Y}"
        if self.kind == "month":
            return f"{self.start.year}年{self.start.month}月"
        first = f"{self.start.year}年{self.start.month}月{self.start.day}日"
        if self.start == last:
            return first
        return f"{first}至{'' if last.year == self.start.year else f'{last.year}年'}{last.month}月{last.day}日"


def change(current: float | None, base: float | None, rate: bool = False) -> float | None:
    """环比 or 同比: the relative change of a count, or the point change of a rate (0.021 = 2.1 points).

    None when either side is missing, and for a count when the base is zero: nothing to compare with.
    """
    if any(value is None or (isinstance(value, float) and math.isnan(value)) for value in (current, base)):
        return None
    if rate:
        return current - base
    return current / base - 1 if base else None
