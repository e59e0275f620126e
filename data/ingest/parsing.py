"""The SQL macros an import reads values with: times in the forms exports write, ids and numbers as
spreadsheets write them, points in China's three coordinate references, and personal data masked.

Macros keep each rule in one place while the per-row work stays vectorised in DuckDB; the importers'
SQL calls them with bound parameters (formats, the city's time zone).
"""

from __future__ import annotations

import duckdb

import queries

# The naive forms every import knows, tried after a mapping's own: ISO, Chinese, US (month first, as
# US portals and Excel there write it), European with dots, compact digits. Offsets, epoch seconds and
# milliseconds, and Excel serial days need no format (local_time below).
FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f",
           "%Y-%m-%d %H:%M", "%Y-%m-%d",  # two-digit years before four (DuckDB's %Y also reads 19 as the year 19)
           "%m/%d/%y %I:%M:%S %p", "%m/%d/%y %I:%M %p", "%m/%d/%y %H:%M:%S", "%m/%d/%y %H:%M", "%m/%d/%y",
           "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y",
           "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y",
           "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日%H时%M分", "%Y年%m月%d日 %H时%M分", "%Y年%m月%d日",
           "%Y%m%d%H%M%S", "%Y%m%d %H:%M:%S", "%Y%m%d")

MACROS = r"""
-- A time as the city's local wall time: a naive time as written (the formats), a time with an offset or Z
-- converted to zone, epoch seconds (10 digits) and milliseconds (13) from UTC, Excel serial days
-- (1954-2118) from Excel's epoch; then the formats on the first 19 characters (fractions, stray tails).
create or replace temp macro local_time(t, formats, zone) as coalesce(
    try_strptime(t, formats),
    case when regexp_matches(t, '[0-9]:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)? ?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$')
             then timezone(zone, try_cast(t as timestamptz))
         when regexp_full_match(t, '1[0-9]{9}([.][0-9]+)?') then timezone(zone, to_timestamp(t::double))
         when regexp_full_match(t, '1[0-9]{12}') then timezone(zone, to_timestamp(t::bigint / 1000))
         when regexp_full_match(t, '[2-7][0-9]{4}([.][0-9]+)?')
             then timestamp '1899-12-30' + to_microseconds((t::double * 86400000000)::bigint)
    end,
    try_strptime(left(t, 19), formats));

-- An id as its source meant it: Excel's whole-number float (24.0) and thousands separators (59,893,456) undone.
create or replace temp macro whole_id(t) as
    case when regexp_full_match(t, '-?[0-9]{1,3}(,[0-9]{3})+([.]0+)?|-?[0-9]+[.]0+')
         then regexp_replace(replace(t, ',', ''), '[.]0+$', '') else t end;

-- A number, thousands separators allowed (1,234.5).
create or replace temp macro to_number(t) as
    try_cast(case when regexp_full_match(t, '-?[0-9]{1,3}(,[0-9]{3})+([.][0-9]+)?') then replace(t, ',', '') else t end
             as double);

-- WGS-84 and BD-09 to GCJ-02, the map's reference (the published formulas; outside China GCJ-02 is WGS-84).
create or replace temp macro gcj_shift_lat(x, y) as
    -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(abs(x))
    + (20.0 * sin(6.0 * x * pi()) + 20.0 * sin(2.0 * x * pi())) * 2.0 / 3.0
    + (20.0 * sin(y * pi()) + 40.0 * sin(y / 3.0 * pi())) * 2.0 / 3.0
    + (160.0 * sin(y / 12.0 * pi()) + 320.0 * sin(y * pi() / 30.0)) * 2.0 / 3.0;
create or replace temp macro gcj_shift_lon(x, y) as
    300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(abs(x))
    + (20.0 * sin(6.0 * x * pi()) + 20.0 * sin(2.0 * x * pi())) * 2.0 / 3.0
    + (20.0 * sin(x * pi()) + 40.0 * sin(x / 3.0 * pi())) * 2.0 / 3.0
    + (150.0 * sin(x / 12.0 * pi()) + 300.0 * sin(x / 30.0 * pi())) * 2.0 / 3.0;
create or replace temp macro in_china(lon, lat) as lon > 73.66 and lon < 135.05 and lat > 3.86 and lat < 53.55;
create or replace temp macro wgs84_to_gcj02_lat(lon, lat) as case when not in_china(lon, lat) then lat else
    lat + gcj_shift_lat(lon - 105.0, lat - 35.0) * 180.0
          / ((6378245.0 * (1 - 0.00669342162296594323))
             / ((1 - 0.00669342162296594323 * sin(radians(lat)) ^ 2) ^ 1.5) * pi()) end;
create or replace temp macro wgs84_to_gcj02_lon(lon, lat) as case when not in_china(lon, lat) then lon else
    lon + gcj_shift_lon(lon - 105.0, lat - 35.0) * 180.0
          / (6378245.0 / sqrt(1 - 0.00669342162296594323 * sin(radians(lat)) ^ 2) * cos(radians(lat)) * pi()) end;
create or replace temp macro bd09_radius(lon, lat) as
    sqrt((lon - 0.0065) ^ 2 + (lat - 0.006) ^ 2) - 0.00002 * sin((lat - 0.006) * pi() * 3000.0 / 180.0);
create or replace temp macro bd09_angle(lon, lat) as
    atan2(lat - 0.006, lon - 0.0065) - 0.000003 * cos((lon - 0.0065) * pi() * 3000.0 / 180.0);
create or replace temp macro bd09_to_gcj02_lat(lon, lat) as bd09_radius(lon, lat) * sin(bd09_angle(lon, lat));
create or replace temp macro bd09_to_gcj02_lon(lon, lat) as bd09_radius(lon, lat) * cos(bd09_angle(lon, lat));
"""


def define(con: duckdb.DuckDBPyConnection) -> None:
    """The macros above and the query layer's mask_personal, in con's session."""
    con.execute(MACROS)
    con.execute(queries.sql("privacy"))


def point(crs: str, lat: str, lon: str) -> tuple[str, str]:
    """SQL for a point given in crs as the map's GCJ-02 latitude and longitude."""
    if crs == "gcj02":
        return lat, lon
    return f"{crs}_to_gcj02_lat({lon}, {lat})", f"{crs}_to_gcj02_lon({lon}, {lat})"
