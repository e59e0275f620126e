"""Every CITYOPS_* setting and every threshold, defined once; the only reader of the environment for them.

It sits in the bottom layer so the dashboard, the data path and the queries all read the same values. The
README's table lists every setting with its default (tests/test_settings.py holds the two to each other).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    env: str
    default: float | int | str | Path | None  # None: unset, the feature is off; a Path is relative to the project
    kind: type
    meaning: str

    def value(self) -> float | int | str | Path | None:
        """The environment's value (as of now), else the default; unset and empty alike."""
        raw = os.environ.get(self.env)
        if not raw:
            return ROOT / self.default if isinstance(self.default, Path) else self.default
        return int(float(raw)) if self.kind is int else self.kind(raw)


SETTINGS = {setting.env: setting for setting in (
    Setting("CITYOPS_REFRESH_SECONDS", 60.0, float, "how often the wall screen refreshes its live panels"),
    Setting("CITYOPS_ROTATE_SECONDS", 45.0, float, "how long the wall screen shows each page with `?rotate=1`"),
    Setting("CITYOPS_EMERGENCY_SEVERE_OPEN", 25, int,
            "open severe incidents (重大 and above) that turn emergency mode on by itself"),
    Setting("CITYOPS_INCIDENT_LATE_HOURS", 24, int, "hours after which an open incident is late: on the alert strip"),
    Setting("CITYOPS_WARNING_ACTIVE_DAYS", 3, int,
            "a warning that fired within this many days is active (alert strip, map, warnings page)"),
    Setting("CITYOPS_STALE_MINUTES", 30, int,
            "minutes without new data after which every page's 数据截至 line turns amber"),
    Setting("CITYOPS_LIST_ROWS", 500, int, "rows a ticket, incident or warning list shows (and exports)"),
    Setting("CITYOPS_TILE_URL", None, str,
            "a raster tile URL (`https://tiles.example/{z}/{x}/{y}.png`) for the map's basemap; without it the map "
            "draws only its own boundaries"),
    Setting("CITYOPS_MAX_UNPACKED_MB", 1000, int,
            "the most an uploaded or imported archive (an xlsx is a zip) may unpack to, in MB; a bigger one is "
            "refused before it is read"),
    Setting("CITYOPS_MAX_COLUMNS", 500, int,
            "the most columns an uploaded or imported CSV may have; a wider one is refused before it is read"),
    Setting("CITYOPS_DB", Path("data/city.duckdb"), Path, "the database every tool opens"),
    Setting("CITYOPS_DEMO_REQUESTS", 2_000_000, int, "the size of the city made on first start"),
    Setting("CITYOPS_WRITER_WAIT", 300.0, float,
            "seconds an import waits for the database: for the writer before it, or a reader such as the analytics"),
    Setting("CITYOPS_ANALYTICS_MINUTES", 15.0, float,
            "how often the warnings, forecast and topics are recomputed when new data came (0: only on demand)"),
    Setting("CITYOPS_WATCH_SECONDS", 1.0, float,
            "how often `data.ingest --watch` looks in its folder; a file is imported once its size and time have "
            "stayed the same this long"),
    Setting("CITYOPS_PULL_SECONDS", 60.0, float, "how often `data.ingest --pull` asks its portal for new and changed "
            "requests (`--every` overrides it)"),
    Setting("CITYOPS_PULL_TRAILING_DAYS", 7, int,
            "days of an Open311 endpoint's requests every pull reads again for their updates (GeoReport v2 has no "
            "changed-since filter); also how far back a first pull reaches"),
    Setting("CITYOPS_PULL_PAGE_SIZE", 1000, int, "records a pull asks for per page (`page_size`, `$limit`)"),
    Setting("CITYOPS_PULL_TIMEOUT", 30.0, float,
            "seconds a pull waits for its portal before it gives up until the next cycle"),
    Setting("CITYOPS_TIMEZONE", "Asia/Shanghai", str,
            "the city's time zone: an imported time with an offset (`-06:00`, `Z`) or in epoch seconds is converted "
            "to it; a time without one is taken as the city's own"),
    Setting("CITYOPS_ROLE_CLAIM", "roles", str,
            "the identity token's claim listing a user's roles (viewer, duty, manager, admin)"),
    Setting("CITYOPS_DISTRICT_CLAIM", "districts", str,
            "the identity token's claim listing a district manager's districts"),
    Setting("CITYOPS_LOGIN_HOURS", 12.0, float,
            "hours a provider login counts before the user logs in again, and a changed role or district takes "
            "effect (local accounts: at the next click)"),
    Setting("CITYOPS_LOGIN_FAILURES", 5, int,
            "failed logins of one account, or from one address, after which it must wait before trying again"),
    Setting("CITYOPS_LOGIN_LOCK_SECONDS", 60.0, float,
            "the first wait after too many failed logins, doubled with each further failure"),
)}


def value(env: str) -> float | int | str | Path | None:
    return SETTINGS[env].value()


# Read once at import, as the dashboard's pages and fragments have always done; tests replace the attributes.
REFRESH_SECONDS = value("CITYOPS_REFRESH_SECONDS")
ROTATE_SECONDS = value("CITYOPS_ROTATE_SECONDS")
EMERGENCY_SEVERE_OPEN = value("CITYOPS_EMERGENCY_SEVERE_OPEN")
INCIDENT_LATE_HOURS = value("CITYOPS_INCIDENT_LATE_HOURS")
WARNING_ACTIVE_DAYS = value("CITYOPS_WARNING_ACTIVE_DAYS")
STALE_MINUTES = value("CITYOPS_STALE_MINUTES")
LIST_ROWS = value("CITYOPS_LIST_ROWS")
TILE_URL = value("CITYOPS_TILE_URL") or ""
WRITER_WAIT = value("CITYOPS_WRITER_WAIT")
ANALYTICS_MINUTES = value("CITYOPS_ANALYTICS_MINUTES")

# An incident is severe from this severity on: 重大 (3) and 特别重大 (4). SQL reads it as severe(severity).
SEVERE = 3



def environment(**values: object) -> dict[str, str]:
    """This process's environment with these settings changed, for a child process."""
    unknown = set(values) - set(SETTINGS)
    if unknown:
        raise KeyError(f"not a setting: {', '.join(sorted(unknown))}")
    return {**os.environ, **{env: str(value) for env, value in values.items()}}
