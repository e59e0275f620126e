"""How a source's columns, words and timestamps become ours: the known exports and the TOML mapping files.

A file in our own column names, a NYC 311 export (its CSV under either generation of headers, the
Socrata API's JSON or a typed Parquet), an Open311 GeoReport v2 response and a Chinese 12345 export
with the usual headers are recognised by their headers (compared without case, spaces, underscores
or punctuation: `Unique Key` is `unique_key`). Anything else needs a mapping file; every key is
optional but `[columns]` (examples: data/mappings/example*.toml, README "Import your own data"):

    kind = "requests"                 # or "incidents" or "indicators" (--kind says the same)
    source = "my-city-12345"          # the dataset name rows are kept under (default: the mapping's file name)
    encoding = "gb18030"              # CSV only; detected when left out
    sheet = "工单明细"                  # Excel: the sheet's name or number from 0 (default: the first table)
    skip_rows = 2                     # lines above the header row (default: CSV sniffed, Excel the widest row)
    records = "result.items"          # JSON: the list of records inside the wrapper object (default: a
                                      # `requests`, `data`, `results`, `records`, `items` or `features` list)
    timestamp_formats = ["%d/%m/%Y %H:%M"]   # tried first, before the forms every import knows
    crs = "bd09"                      # the points' coordinate reference: wgs84, gcj02 (the map's) or bd09
    snapshot = "2024-07-01 00:00:00"  # when the export was taken (default: its newest time); later stages are dropped
    extent = [115.4, 39.4, 117.5, 41.1]   # west, south, east, north: a point outside loads without its point

    [columns]                         # our column = their column, several columns (joined by a space),
    request_id = "工单编号"             # or a field inside a JSON object ("location.latitude", "geometry.coordinates.1")
    received_at = ["受理日期", "受理时刻"]

    [column_formats]                  # formats for one column, tried before timestamp_formats
    received_at = ["%Y%m%d %H%M"]

    [values.status]                   # their status word = open | closed (for incidents detected |
    "已办结" = "closed"                 # acknowledged | dispatched | onsite | closed); our own stage words are
                                      # known already; an unknown word is dropped, the row loads
    [values.channel]                  # their word = our code (unknown words are kept as they came)
    "12345热线" = "hotline"

    [values.severity]                 # incidents: their word = 1..4 (一般/较大/重大/特别重大 are known already)
    "IV级" = "1"

    [values.higher_is_better]         # indicators: their word = true | false
    "越高越好" = "true"

    [defaults]                        # a value for columns the source does not have
    kind = "complaint"

Columns by kind: COLUMNS below; a file must give those in REQUIRED (by a column or a default).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

KINDS = ("requests", "incidents", "indicators")
# Our columns a mapping may fill, by kind, and those a file must give (by a column or a default).
COLUMNS = {
    "requests": ("request_id", "received_at", "dispatched_at", "responded_at", "handled_at", "callback_at",
                 "deadline_at", "status", "channel", "kind", "category", "subcategory", "text", "district", "street",
                 "community", "grid", "unit", "lat", "lon", "resolved", "satisfied", "satisfaction_score", "repeat_of",
                 "reopened", "whistle", "whistle_at", "arrived_at"),
    "incidents": ("incident_id", "source", "type", "severity", "detected_at", "acknowledged_at", "dispatched_at",
                  "onsite_at", "closed_at", "district", "street", "grid", "lat", "lon", "unit", "status"),
    "indicators": ("period", "district", "dimension", "aim", "code", "name", "value", "measure_unit", "target",
                   "higher_is_better", "score", "responsible_unit"),
}
REQUIRED = {"requests": ("request_id", "received_at", "category"),
            "incidents": ("incident_id", "type", "severity", "detected_at"),
            "indicators": ("period", "code", "value")}
TIMES = ("received_at", "dispatched_at", "responded_at", "handled_at", "callback_at", "deadline_at", "whistle_at",
         "arrived_at")
CRS = ("wgs84", "gcj02", "bd09")
KEYS = ("kind", "source", "encoding", "sheet", "skip_rows", "records", "timestamp_formats", "column_formats", "crs",
        "snapshot", "extent", "columns", "values", "defaults")
WRAPPERS = ("requests", "data", "results", "records", "items", "features")  # lists a JSON object wraps records in


def normal(header: str) -> str:
    """A header as compared: no case, spaces, underscores or punctuation (a byte-order mark is punctuation)."""
    return re.sub(r"[\W_]+", "", header.casefold())


@dataclass(frozen=True)
class Mapping:
    source: str
    columns: dict[str, str | tuple[str, ...]]      # ours -> theirs (several: joined by a space)
    timestamp_formats: tuple[str, ...] = ()        # tried before the forms every import knows (parsing.FORMATS)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    extent: tuple[float, float, float, float] | None = None
    encoding: str | None = None
    kind: str = "requests"
    sheet: str | int | None = None
    skip_rows: int | None = None
    records: str | None = None
    column_formats: dict[str, tuple[str, ...]] = field(default_factory=dict)
    crs: str = "gcj02"
    snapshot: str | None = None

    def theirs(self, ours: str) -> tuple[str, ...]:
        """The file's columns that make our column, in order."""
        given = self.columns[ours]
        return (given,) if isinstance(given, str) else tuple(given)

    def check(self, headers: list[str], where: str) -> None:
        """Refuse a file whose headers lack a mapped column, naming what is missing and what the file has."""
        missing = [theirs for ours in self.columns for theirs in self.theirs(ours) if theirs not in headers]
        absent = [column for column in REQUIRED[self.kind]
                  if column not in self.columns and column not in self.defaults]
        if missing:
            raise ValueError(f"{where}: the mapping's columns {missing} are not in the file "
                             f"(its columns: {', '.join(headers)})")
        if absent:
            raise ValueError(f"{where}: no column for {', '.join(absent)}: name it in a mapping's [columns] "
                             f"(the file's columns: {', '.join(headers)})")


@dataclass(frozen=True)
class Known:
    """A public export's layout: for each of our columns the headers it goes by, first found wins."""

    mapping: Mapping
    names: dict[str, tuple[str, ...]]

    def present(self, headers: list[str]) -> Mapping | None:
        """The mapping for a file with these headers, or None when one of the required columns is not there."""
        by_normal = {normal(header): header for header in reversed(headers)}  # the first of equal headers wins
        found = {ours: next((by_normal[normal(name)] for name in names if normal(name) in by_normal), None)
                 for ours, names in self.names.items()}
        if any(found[column] is None for column in REQUIRED["requests"]):
            return None
        return replace(self.mapping, columns={ours: theirs for ours, theirs in found.items() if theirs})

    def forced(self, headers: list[str]) -> Mapping:
        """The mapping when the user said the file is this export: what is missing is said by check()."""
        return self.present(headers) or replace(self.mapping, columns={ours: names[0]
                                                                       for ours, names in self.names.items()})


# NYC 311 (Socrata dataset erm2-nwe9): the CSV's display names, its newer snake_case API field names (also the
# JSON's and Parquet's), and a SODA 2.0 / 2.1 nested location when the flat coordinates are absent.
NYC311 = Known(Mapping(
    source="nyc311", columns={},
    values={"status": {"Closed": "closed", "Open": "open", "Pending": "open", "In Progress": "open",
                       "Assigned": "open", "Started": "open", "Email Sent": "open", "Unspecified": "open"},
            "channel": {"PHONE": "hotline", "ONLINE": "web", "MOBILE": "app", "UNKNOWN": "other", "OTHER": "other"}},
    defaults={"kind": "complaint"}, extent=(-74.3, 40.45, -73.65, 40.95), crs="wgs84"),
    names={"request_id": ("Unique Key",), "received_at": ("Created Date",), "handled_at": ("Closed Date",),
           "deadline_at": ("Due Date",), "status": ("Status",), "unit": ("Agency",),
           "category": ("Complaint Type",), "subcategory": ("Descriptor",), "text": ("Resolution Description",),
           "district": ("Borough",), "street": ("Community Board",),
           "lat": ("Latitude", "location.latitude", "location.coordinates.1"),
           "lon": ("Longitude", "location.longitude", "location.coordinates.0"),
           "channel": ("Open Data Channel Type",)})

# Open311 GeoReport v2 (the response of GET requests.json): `long` in the standard, `lon` in some servers.
OPEN311 = Known(Mapping(source="open311", columns={}, values={"status": {"open": "open", "closed": "closed"}},
                        defaults={"kind": "complaint", "channel": "open311"}, crs="wgs84"),
                names={"request_id": ("service_request_id",), "received_at": ("requested_datetime",),
                       "handled_at": ("updated_datetime",), "deadline_at": ("expected_datetime",),
                       "status": ("status",), "category": ("service_name",), "subcategory": ("service_code",),
                       "text": ("description",), "unit": ("agency_responsible",), "street": ("address",),
                       "lat": ("lat", "latitude"), "lon": ("long", "lon", "longitude")})

# A Chinese 12345 export under the headers such systems commonly write (工单 = ticket, 受理 = received, ...).
CHINESE = Known(Mapping(
    source="12345", columns={},
    values={"status": {"已办结": "closed", "已回访": "closed", "已归档": "closed", "已完成": "closed",
                       "办理中": "open", "待派单": "open", "已派单": "open", "待办理": "open", "已受理": "open"},
            "channel": {"12345热线": "hotline", "热线电话": "hotline", "电话": "hotline", "网站": "web",
                        "APP": "app", "小程序": "miniprogram", "微信小程序": "miniprogram", "网格员上报": "grid"},
            "kind": {"咨询": "consult", "求助": "help", "投诉": "complaint", "举报": "report", "建议": "suggest"},
            "resolved": {"是": "true", "否": "false", "已解决": "true", "未解决": "false"},
            "satisfied": {"满意": "true", "基本满意": "true", "不满意": "false"}},
    defaults={"kind": "complaint"}),
    names={"request_id": ("工单编号", "工单号", "诉求编号", "编号"),
           "received_at": ("受理时间", "来电时间", "登记时间", "诉求时间", "创建时间"),
           "dispatched_at": ("派单时间", "派发时间"), "responded_at": ("首次联系时间", "响应时间"),
           "handled_at": ("办结时间", "完成时间"), "callback_at": ("回访时间",), "deadline_at": ("办理时限", "截止时间"),
           "status": ("工单状态", "办理状态", "状态"), "channel": ("来源渠道", "诉求渠道", "来源"),
           "kind": ("诉求类型", "工单类型"), "category": ("一级分类", "诉求分类", "问题分类", "事项分类", "分类"),
           "subcategory": ("二级分类", "问题小类"), "text": ("诉求内容", "问题描述", "来电内容", "诉求描述"),
           "district": ("所属区", "行政区", "区"), "street": ("所属街道", "街道", "街乡"), "community": ("社区",),
           "unit": ("承办单位", "办理单位", "主办单位"), "lat": ("纬度",), "lon": ("经度",),
           "resolved": ("是否解决",), "satisfied": ("是否满意", "满意度")})

KNOWN = {"nyc311": NYC311, "open311": OPEN311, "12345": CHINESE}


def recognise(headers: list[str], fmt: str, source: str, kind: str, where: str) -> Mapping:
    """The mapping a file's headers call for: ours, the export --format names, or the known one they match."""
    if fmt in KNOWN:
        if kind != "requests":
            raise ValueError(f"{where}: a {fmt} export holds requests, not {kind}")
        return KNOWN[fmt].forced(headers)
    theirs = ours(headers, source, kind)
    if kind != "requests" or all(column in theirs.columns for column in REQUIRED[kind]):
        return theirs
    return next((found for known in KNOWN.values() if (found := known.present(headers))), theirs)


def load(path: str | Path, kind: str | None = None) -> Mapping:
    """A mapping file, checked: unknown keys and columns, or a kind other than the one asked for, are refused."""
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    unknown = set(data) - set(KEYS)
    if unknown:
        raise ValueError(f"{path}: unknown keys {sorted(unknown)} (the keys are {', '.join(KEYS)})")
    chosen = data.get("kind") or kind or "requests"
    if chosen not in KINDS or (kind and kind != chosen):
        raise ValueError(f"{path}: its kind is {chosen!r}, but {kind or 'one of ' + ', '.join(KINDS)} was asked for")
    for table in ("columns", "column_formats", "defaults"):
        strange = set(data.get(table, {})) - set(COLUMNS[chosen])
        if strange:
            raise ValueError(f"{path}: [{table}] names {sorted(strange)}, which are not ours "
                             f"(ours: {', '.join(COLUMNS[chosen])})")
    crs = data.get("crs", "gcj02").lower().replace("-", "")
    if crs not in CRS:
        raise ValueError(f"{path}: crs {data['crs']!r} is none of {', '.join(CRS)}")
    extent = data.get("extent")
    if extent is not None and (len(extent) != 4 or not all(isinstance(x, int | float) for x in extent)):
        raise ValueError(f"{path}: extent must be four numbers: west, south, east, north")
    return Mapping(source=data.get("source") or Path(path).stem,
                   columns={ours: theirs if isinstance(theirs, str) else tuple(theirs)
                            for ours, theirs in data.get("columns", {}).items()},
                   timestamp_formats=tuple(data.get("timestamp_formats", ())),
                   values={k: {word: str(code) for word, code in v.items()} for k, v in data.get("values", {}).items()},
                   defaults={k: str(v) for k, v in data.get("defaults", {}).items()},
                   extent=tuple(extent) if extent else None, encoding=data.get("encoding"), kind=chosen,
                   sheet=data.get("sheet"), skip_rows=data.get("skip_rows"), records=data.get("records"),
                   column_formats={column: (formats,) if isinstance(formats, str) else tuple(formats)
                                   for column, formats in data.get("column_formats", {}).items()},
                   crs=crs, snapshot=str(data["snapshot"]) if "snapshot" in data else None)


def ours(headers: list[str], source: str, kind: str = "requests") -> Mapping:
    """A file whose headers already are our column names needs no mapping."""
    return Mapping(source=source, columns={h: h for h in headers if h in COLUMNS[kind]}, kind=kind,
                   defaults={"kind": "complaint"} if kind == "requests" else {})
