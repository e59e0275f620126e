"""Every limit and threshold of the dashboard, in one place, each settable by an environment variable.

The README lists them (a test checks it).
"""

from __future__ import annotations

import os


def _number(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def _text(name: str, default: str) -> str:
    return os.environ.get(name, default)


# How often the wall screen refreshes its live panels, in seconds (CITYOPS_REFRESH_SECONDS).
REFRESH_SECONDS = _number("CITYOPS_REFRESH_SECONDS", 60)
# How long the wall screen shows each page when it rotates (?rotate=1), in seconds.
ROTATE_SECONDS = _number("CITYOPS_ROTATE_SECONDS", 45)
# Open severe (重大 and above, severity ≥ 3) incidents at which emergency mode (平急转换) turns on by itself
# (as it does when a district-wide surge warning is active and unacknowledged).
EMERGENCY_SEVERE_OPEN = int(_number("CITYOPS_EMERGENCY_SEVERE_OPEN", 25))
# An incident open longer than this many hours is flagged on the alert strip.
INCIDENT_LATE_HOURS = _number("CITYOPS_INCIDENT_LATE_HOURS", 24)
# A warning (预警) that fired within this many days is active: on the alert strip, the map and the warnings page.
WARNING_ACTIVE_DAYS = int(_number("CITYOPS_WARNING_ACTIVE_DAYS", 3))
# Rows a ticket or incident list shows (and exports).
LIST_ROWS = int(_number("CITYOPS_LIST_ROWS", 500))
# A raster tile URL for the map's basemap ({z}/{x}/{y}), for sites that have a tile server; none by default.
TILE_URL = _text("CITYOPS_TILE_URL", "")
# The password that opens the import page; without one the page is not there at all.
ADMIN_PASSWORD = _text("CITYOPS_ADMIN_PASSWORD", "")
