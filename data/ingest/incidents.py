"""The SQL that turns staged text into incident rows, refusing a row only when it is no incident at all.

An incident is kept by dataset + incident_id (incidents.source is the detector, not the dataset).
It needs an id, a type, a severity and its detected time; its other stages must come in order,
detected ≤ acknowledged ≤ dispatched ≤ onsite ≤ closed: a stage timed before one it follows is
dropped and the incident loads (refusals.py). Its status, when the file gives none, is the last stage
it has a time for.
"""

from __future__ import annotations

import duckdb

from data.ingest.mapping import COLUMNS, Mapping
from data.ingest.refusals import Drop, Refuse, checked
from data.ingest.requests import (
    after_snapshot,
    located,
    on_the_map,
    points,
    raw,
    remember_snapshot,
    times,
    unreadable,
    word,
)

STAGES = ("detected", "acknowledged", "dispatched", "onsite", "closed")
TIMES = tuple(f"{stage}_at" for stage in STAGES)
VOCABULARIES = ("status", "severity", "source")
KNOWN = {"severity": {"一般": "1", "较大": "2", "重大": "3", "特别重大": "4"},
         "status": {stage: stage for stage in STAGES}}
BOUND: dict = {}
KEY, TABLE, DATASET, LIFE_CYCLE = "incident_id", "incidents", "dataset", TIMES  # as in requests.py


def in_order() -> list[Drop]:
    """Each stage against the latest of those before it that stand: one timed too early is dropped."""
    return [Drop("before an earlier stage", later, f"{later} < greatest({', '.join(TIMES[:number])})", f"{later}_text")
            for number, later in enumerate(TIMES[1:], 1)]


def derived_status() -> str:
    """The last stage the row has a time for."""
    return "case " + " ".join(f"when {time} is not null then '{stage}'"
                              for stage, time in reversed(list(zip(STAGES, TIMES)))) + " end"


def candidates(mapping: Mapping) -> str:
    """staged -> one row per staged row: our incident columns parsed, reason and detail (NULL: it loads), notes."""
    text = {column: raw(mapping, column) for column in COLUMNS["incidents"]}
    parsed = f"""
    select _line, _raw,
        whole_id({text['incident_id']}) as incident_id,
        coalesce({word('source', text['source'])}, {text['source']}, 'other') as source,
        {text['type']} as type,
        {text['severity']} as severity_text,
        try_cast(coalesce({word('severity', text['severity'])}, whole_id({text['severity']})) as tinyint) as severity,
        {times(mapping, text, TIMES)},
        {text['status']} as status_text, {word('status', text['status'])} as given_status,
        {text['district']} as district, {text['street']} as street, {text['grid']} as grid, {text['unit']} as unit,
        {points(text)}
    from staged"""
    refusals = [Refuse("missing incident_id", "incident_id is null"), Refuse("missing type", "type is null"),
                Refuse("missing severity", "severity_text is null"),
                Refuse("severity not 1..4", "severity is null or severity not between 1 and 4", "severity_text"),
                Refuse("missing detected_at", "detected_at_text is null"),
                Refuse("unreadable detected_at", "detected_at is null", "detected_at_text"),
                Refuse("detected_at after the snapshot", "detected_at > local_time($snapshot::varchar, $formats, $zone)",
                       "detected_at_text")]
    drops = [*unreadable(TIMES[1:]), *after_snapshot(TIMES[1:]),
             Drop("unknown status", "status", "status_text is not null and given_status is null", "status_text",
                  ("given_status",)),
             *located(), *in_order()]
    return f"select *, coalesce(given_status, {derived_status()}) as status, " \
           f"local_time($snapshot::varchar, $formats, $zone) as snapshot_at " \
           f"from ({on_the_map(mapping, checked(parsed, refusals, drops))})"


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
    remember_snapshot(con, TIMES)
