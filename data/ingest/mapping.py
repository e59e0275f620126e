"""How a source's columns, words and timestamps become ours: the known exports and the TOML mapping files.

A mapping file (examples: data/mappings/example*.toml) says:

    kind = "requests"                 # or "incidents" or "indicators" (default requests; --kind says the same)
    source = "my-city-12345"          # the dataset name rows are kept under (upsert key: source + request_id,
                                      # dataset + incident_id, or period + district + code for indicators)
    encoding = "gb18030"              # optional; detected when left out
    timestamp_formats = ["%Y-%m-%d %H:%M:%S"]
    extent = [115.4, 39.4, 117.5, 41.1]   # optional west, south, east, north: points outside are refused

    [columns]                         # our column = their column header
    request_id = "工单编号"
    received_at = "受理时间"
    ...

    [values.status]                   # their status word = open | closed (any other word is refused); for
    "已办结" = "closed"                 # incidents detected | acknowledged | dispatched | onsite | closed
                                      # (our own stages, received … closed, are known already)

    [values.channel]                  # their word = our code (unknown words are kept as they are)
    "12345热线" = "hotline"

    [values.severity]                 # incidents: their word = 1..4 (一般/较大/重大/特别重大 are known already)
    "IV级" = "1"

    [values.higher_is_better]         # indicators: their word = true | false
    "越高越好" = "true"

    [defaults]                        # a value for columns the source does not have
    kind = "complaint"

Columns by kind: requests COLUMNS["requests"]; incidents incident_id, source (the detector: sensor, video,
patrol, drone, hotline), type, severity and the stage times; indicators period, district (empty or 全市 = the
city), code, value and, for a code not in indicator_definitions, its dimension, aim, name, measure_unit,
target and higher_is_better.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Mapping:
    source: str
    columns: dict[str, str]                       # ours -> theirs
    timestamp_formats: tuple[str, ...] = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d %H:%M:%S",
                                          "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M")
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    extent: tuple[float, float, float, float] | None = None
    encoding: str | None = None
    kind: str = "requests"

    def present(self, headers: list[str]) -> Mapping:
        """A known export's mapping without the optional columns this file leaves out (exports vary)."""
        kept = {ours: theirs for ours, theirs in self.columns.items()
                if theirs in headers or ours in REQUIRED[self.kind]}
        return replace(self, columns=kept)

    def check(self, headers: list[str], where: str) -> None:
        """Refuse a file whose headers lack a mapped column, naming what is missing."""
        missing = [theirs for ours, theirs in self.columns.items() if theirs not in headers]
        absent = [column for column in REQUIRED[self.kind]
                  if column not in self.columns and column not in self.defaults]
        if missing or absent:
            raise ValueError(f"{where}: the mapping's columns {missing} are not in the file"
                             if missing else f"{where}: the mapping gives no column for {absent}")


NYC311 = Mapping(
    source="nyc311",
    columns={"request_id": "Unique Key", "received_at": "Created Date", "handled_at": "Closed Date",
             "deadline_at": "Due Date", "status": "Status", "unit": "Agency", "category": "Complaint Type",
             "subcategory": "Descriptor", "text": "Resolution Description", "district": "Borough",
             "street": "Community Board", "lat": "Latitude", "lon": "Longitude", "channel": "Open Data Channel Type"},
    timestamp_formats=("%m/%d/%Y %I:%M:%S %p", "%Y-%m-%dT%H:%M:%S.%g", "%Y-%m-%dT%H:%M:%S"),
    values={"status": {"Closed": "closed", "Open": "open", "Pending": "open", "In Progress": "open",
                       "Assigned": "open", "Started": "open", "Email Sent": "open", "Unspecified": "open"},
            "channel": {"PHONE": "hotline", "ONLINE": "web", "MOBILE": "app", "UNKNOWN": "other", "OTHER": "other"}},
    defaults={"kind": "complaint"},
    extent=(-74.3, 40.45, -73.65, 40.95),
)

OPEN311 = Mapping(
    source="open311",
    columns={"request_id": "service_request_id", "received_at": "requested_datetime",
             "handled_at": "updated_datetime", "deadline_at": "expected_datetime", "status": "status",
             "category": "service_name", "subcategory": "service_code", "text": "description",
             "unit": "agency_responsible", "street": "address", "lat": "lat", "lon": "long"},
    timestamp_formats=("%Y-%m-%dT%H:%M:%S",),  # the offset is cut off: local wall time, as the city reports it
    values={"status": {"open": "open", "closed": "closed"}},
    defaults={"kind": "complaint", "channel": "open311"},
)

KNOWN = {"nyc311": NYC311, "open311": OPEN311}


def load(path: str | Path, kind: str | None = None) -> Mapping:
    """A mapping file, checked: unknown keys and columns, or a kind other than the one asked for, are refused."""
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    unknown = set(data) - {"kind", "source", "encoding", "timestamp_formats", "extent", "columns", "values",
                           "defaults"}
    if unknown:
        raise ValueError(f"{path}: unknown keys {sorted(unknown)}")
    chosen = data.get("kind") or kind or "requests"
    if chosen not in KINDS or (kind and kind != chosen):
        raise ValueError(f"{path}: its kind is {chosen!r}, but {kind or 'one of ' + ', '.join(KINDS)} was asked for")
    strange = set(data.get("columns", {})) - set(COLUMNS[chosen])
    if strange:
        raise ValueError(f"{path}: [columns] names {sorted(strange)}, which are not ours "
                         f"(ours: {', '.join(COLUMNS[chosen])})")
    extent = data.get("extent")
    return Mapping(source=data.get("source") or Path(path).stem, columns=dict(data.get("columns", {})),
                   timestamp_formats=tuple(data.get("timestamp_formats", Mapping.timestamp_formats)),
                   values={k: dict(v) for k, v in data.get("values", {}).items()},
                   defaults={k: str(v) for k, v in data.get("defaults", {}).items()},
                   extent=tuple(extent) if extent else None, encoding=data.get("encoding"), kind=chosen)


def ours(headers: list[str], source: str, kind: str = "requests") -> Mapping:
    """A file whose headers already are our column names needs no mapping."""
    return Mapping(source=source, columns={h: h for h in headers if h in COLUMNS[kind]}, kind=kind,
                   defaults={"kind": "complaint"} if kind == "requests" else {})
