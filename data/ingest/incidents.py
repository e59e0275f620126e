"""The SQL that turns staged text into incident rows, or into the reason a row is refused.

An incident is kept by dataset + incident_id (incidents.source is the detector, not the dataset).
Its stages must come in order, detected ≤ acknowledged ≤ dispatched ≤ onsite ≤ closed, for those
present; its status, when the file gives none, is the last stage it has a time for.
"""

from __future__ import annotations

import duckdb

from data.ingest.mapping import COLUMNS, Mapping
from data.ingest.requests import POINT, raw, times, unreadable, word

STAGES = ("detected", "acknowledged", "dispatched", "onsite", "closed")
TIMES = tuple(f"{stage}_at" for stage in STAGES)
VOCABULARIES = ("status", "severity", "source")
KNOWN = {"severity": {"一般": "1", "较大": "2", "重大": "3", "特别重大": "4"},
         "status": {stage: stage for stage in STAGES}}
BOUND: dict = {}
KEY, TABLE, DATASET, LIFE_CYCLE = "incident_id", "incidents", "dataset", TIMES  # as in requests.py


def in_order() -> str:
    """A CASE branch for each pair of stages, refusing a later stage timed before an earlier one."""
    return " ".join(f"when {later} < {earlier} then '{later} before {earlier}'"
                    for number, later in enumerate(TIMES) for earlier in TIMES[:number])


def derived_status() -> str:
    """The last stage the row has a time for."""
    return "case " + " ".join(f"when {time} is not null then '{stage}'"
                              for stage, time in reversed(list(zip(STAGES, TIMES)))) + " end"


def candidates(mapping: Mapping) -> str:
    """staged -> one row per staged row: our incident columns parsed, and reason (NULL for a good row)."""
    text = {column: raw(mapping, column) for column in COLUMNS["incidents"]}
    return f"""
with parsed as (
    select _line, _raw,
        {text['incident_id']} as incident_id,
        coalesce({word('source', text['source'])}, {text['source']}, 'other') as source,
        {text['type']} as type,
        {text['severity']} as severity_text,
        try_cast(coalesce({word('severity', text['severity'])}, {text['severity']}) as tinyint) as severity,
        {times(text, TIMES)},
        {text['status']} as status_text, {word('status', text['status'])} as given_status,
        {text['district']} as district, {text['street']} as street, {text['grid']} as grid, {text['unit']} as unit,
        {text['lat']} as lat_text, {text['lon']} as lon_text,
        try_cast({text['lat']} as double) as lat, try_cast({text['lon']} as double) as lon
    from staged
)
select *, coalesce(given_status, {derived_status()}) as status,
    case
        when incident_id is null then 'missing incident_id'
        when type is null then 'missing type'
        when severity_text is null then 'missing severity'
        when severity is null or severity not between 1 and 4
            then 'severity "' || severity_text || '" is not 1..4 (一般/较大/重大/特别重大)'
        when detected_at_text is null then 'missing detected_at'
        when detected_at is null then 'detected_at "' || detected_at_text || '" matches none of the time formats'
        {unreadable(TIMES[1:])}
        when status_text is not null and given_status is null then 'unknown status "' || status_text || '"'
        {POINT}
        {in_order()}
    end as reason
from parsed
"""


INSERT = f"""
insert into incidents by name
select incident_id, $source as dataset, source, type, severity, {', '.join(TIMES)},
       district, street, grid, lat, lon, unit, status
from candidates
where reason is null
"""


def replace(con: duckdb.DuckDBPyConnection, dataset: str) -> None:
    """Upsert the good candidates by dataset + incident_id: a newer export's row replaces the older one."""
    con.execute("""delete from incidents where dataset = ? and incident_id in
                   (select incident_id from candidates where reason is null)""", [dataset])
    con.execute(INSERT, {"source": dataset})
