"""The SQL that turns staged text into request rows, refusing a row only when it is no request at all.

Column names come from the mapping and the file's header and can only be identifiers, so they are
quoted; every value (formats, vocabularies, defaults, the extent, the time zone) is a bound parameter.
The pieces shared with the other kinds (times, points, the bound values) live here too; the reasons
and what a loaded row may lose are in refusals.py.
"""

from __future__ import annotations

import duckdb

from data import db
from data.ingest import parsing
from data.ingest.mapping import COLUMNS, TIMES, Mapping
from data.ingest.refusals import Drop, Refuse, checked
from queries import settings

VOCABULARIES = ("status", "channel", "kind", "resolved", "satisfied")
# The stages our own exports name (queries/ticket_list.sql), so a status column written by cityops reads back;
# a mapping's words extend them. Only handled and closed tickets have a closed time.
KNOWN = {"status": {"received": "open", "dispatched": "open", "responded": "open", "overdue": "open", "open": "open",
                    "handled": "closed", "closed": "closed"}}
BOUND: dict = {}  # no values bound beyond parameters()
KEY, TABLE, DATASET = "request_id", "requests", "source"  # a ticket is kept by DATASET + KEY in TABLE
LIFE_CYCLE = ("received_at", "dispatched_at", "responded_at", "handled_at", "callback_at")  # its stages, in order
POINT_TEXT = "coalesce(lat_text, '') || ', ' || coalesce(lon_text, '')"


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def parameters(con: duckdb.DuckDBPyConnection, mapping: Mapping, source: str,
               extent: tuple[float, float, float, float] | None, vocabularies: tuple[str, ...] = VOCABULARIES,
               known: dict[str, dict[str, str]] | None = None) -> dict:
    """The values the SQL binds; a vocabulary's known words are extended (and overridden) by the mapping's.

    Each mapped time column gets its formats with those its first values match in front (a format that
    fails costs a parse attempt per value: the whole list for a file in the list's last form tripled an import).
    """
    formats = [*mapping.timestamp_formats, *parsing.FORMATS]
    values = {"source": source, "formats": formats, "zone": settings.value("CITYOPS_TIMEZONE"),
              "snapshot": mapping.snapshot,
              "west": extent[0] if extent else -180.0, "south": extent[1] if extent else -90.0,
              "east": extent[2] if extent else 180.0, "north": extent[3] if extent else 90.0}
    values |= {f"formats_{column}": seen_first(con, raw(mapping, column),
                                               [*mapping.column_formats.get(column, ()), *formats])
               for column in mapping.columns if column.endswith("_at")}
    for column in vocabularies:
        words = {**(known or {}).get(column, {}), **mapping.values.get(column, {})}
        values[f"{column}_words"], values[f"{column}_codes"] = list(words), list(words.values())
    for column, value in mapping.defaults.items():
        values[f"default_{column}"] = value
    return values


def seen_first(con: duckdb.DuckDBPyConnection, text: str, formats: list[str]) -> list[str]:
    """The formats, those that read any of the column's first thousand values first, each group in its order."""
    sample = f"select {text} as t from staged where t is not null limit 1000"
    counts = con.execute(f"select {', '.join('count(try_strptime(t, ?))' for _ in formats)} from ({sample})",
                         formats).fetchone()
    return [f for f, n in zip(formats, counts) if n] + [f for f, n in zip(formats, counts) if not n]


def word(column: str, text: str) -> str:
    """The code the vocabulary gives the text, NULL for a word it does not know."""
    return f"${column}_codes[list_position(${column}_words, {text})]::varchar"


def times(mapping: Mapping, text: dict[str, str], columns: tuple[str, ...]) -> str:
    """Each time column parsed as local time (parsing.local_time), beside its text."""
    return ",\n".join(f"{text[c]} as {c}_text, "
                      f"local_time({text[c]}, {'$formats_' + c if c in mapping.columns else '$formats'}, "
                      f"$zone) as {c}" for c in columns)


def points(text: dict[str, str]) -> str:
    """lat_text, lon_text and the point as numbers, lat and lon."""
    return f"{text['lat']} as lat_text, {text['lon']} as lon_text, to_number({text['lat']}) as lat, " \
           f"to_number({text['lon']}) as lon"


def on_the_map(mapping: Mapping, rows: str) -> str:
    """The rows with their checked points in the map's reference, GCJ-02."""
    if mapping.crs == "gcj02":
        return rows
    lat, lon = parsing.point(mapping.crs, "lat", "lon")
    return f"select * replace ({lat} as lat, {lon} as lon) from ({rows})"


def unreadable(columns: tuple[str, ...]) -> list[Drop]:
    """An optional time that is there but is no time: dropped."""
    return [Drop("unreadable time", c, f"{c}_text is not null and {c} is null", f"{c}_text") for c in columns]


def after_snapshot(columns: tuple[str, ...]) -> list[Drop]:
    """A stage timed after the export was taken had not happened yet (the mapping's snapshot)."""
    return [Drop("after the snapshot", c, f"{c} > local_time($snapshot::varchar, $formats, $zone)", f"{c}_text")
            for c in columns]


def located() -> list[Drop]:
    """A point must be two numbers inside the extent's box; else the row loads without it."""
    both = ("lat", "lon")
    return [Drop("coordinates not numbers", "lat,lon", "(lat_text is not null and lat is null) or "
                 "(lon_text is not null and lon is null)", POINT_TEXT, both),
            Drop("only one coordinate", "lat,lon", "(lat is null) <> (lon is null)", POINT_TEXT, both),
            Drop("point outside the city", "lat,lon", "lat not between $south and $north or "
                 "lon not between $west and $east", POINT_TEXT, both)]


def replace(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """Upsert the good candidates by source + request_id: a newer export's row replaces the older one."""
    con.execute("""delete from requests where source = ? and request_id in
                   (select request_id from candidates where reason is null)""", [source])
    con.execute(INSERT, {"source": source})
    remember_snapshot(con, LIFE_CYCLE)


def remember_snapshot(con: duckdb.DuckDBPyConnection, stages: tuple[str, ...]) -> None:
    """Keep in meta 'snapshot_at' when the newest export was taken: its mapping's snapshot, else its newest time.

    The dashboard's clock reaches it (queries.clock), so a historical export shows its tickets as they were
    then: one closed after the last ticket came in is closed, not still open.
    """
    taken = con.execute(f"""select greatest(coalesce(max(snapshot_at), max(greatest({', '.join(stages)}))),
                                            (select max(try_cast(value as timestamp)) from meta
                                             where key = 'snapshot_at'))
                             from candidates where reason is null""").fetchone()[0]
    if taken:
        db.set_meta(con, {"snapshot_at": taken.isoformat(sep=" ")})


def raw(mapping: Mapping, column: str) -> str:
    """Our column's text: theirs trimmed (several joined by a space; empty = missing), else the default, else NULL."""
    if column in mapping.columns:
        parts = [f"nullif(trim({quoted(theirs)}), '')" for theirs in mapping.theirs(column)]
        return parts[0] if len(parts) == 1 else f"nullif(concat_ws(' ', {', '.join(parts)}), '')"
    if column in mapping.defaults:
        return f"$default_{column}"
    return "null::varchar"


def candidates(mapping: Mapping) -> str:
    """staged -> one row per staged row: our columns parsed, reason and detail (NULL for a row that loads), notes."""
    text = {column: raw(mapping, column) for column in COLUMNS["requests"]}
    code = {column: word(column, text[column]) for column in VOCABULARIES}
    has_status = "status" in mapping.columns
    # a status that says open: not closed when exported, whatever its closing column says
    parsed = f"""
    select * replace (case when status is distinct from 'open' then handled_at end as handled_at) from (
    select _line, _raw,
        whole_id({text['request_id']}) as request_id,
        {times(mapping, text, TIMES)},
        {text['status']} as status_text, {code['status'] if has_status else 'null'} as status,
        coalesce({code['channel']}, {text['channel']}, 'other') as channel,
        coalesce({code['kind']}, {text['kind']}, 'complaint') as kind,
        {text['category']} as category, coalesce({text['subcategory']}, {text['category']}) as subcategory,
        mask_personal({text['text']}) as text, {text['district']} as district, {text['street']} as street,
        {text['community']} as community, {text['grid']} as grid, {text['unit']} as unit,
        {points(text)},
        try_cast(coalesce({code['resolved']}, {text['resolved']}) as boolean) as resolved,
        try_cast(coalesce({code['satisfied']}, {text['satisfied']}) as boolean) as satisfied,
        {text['satisfaction_score']} as score_text, try_cast(to_number({text['satisfaction_score']}) as tinyint) as score,
        whole_id({text['repeat_of']}) as repeat_of, coalesce(try_cast({text['reopened']} as boolean), false) as reopened,
        coalesce({text['whistle']}, 'none') as whistle
    from staged)"""
    refusals = [Refuse("missing request_id", "request_id is null"),
                Refuse("missing received_at", "received_at_text is null"),
                Refuse("unreadable received_at", "received_at is null", "received_at_text"),
                Refuse("missing category", "category is null"),
                Refuse("received_at after the snapshot", "received_at > local_time($snapshot::varchar, $formats, $zone)",
                       "received_at_text")]
    later = TIMES[1:]
    drops = [*unreadable(later), *after_snapshot(later),
             Drop("unknown status", "status", "status_text is not null and status is null", "status_text"),
             # a closing date without its time (midnight) on the day received: handled that day
             Drop("date alone, read as received_at", "handled_at", "handled_at < received_at and "
                  "handled_at = handled_at::date and handled_at::date = received_at::date", "handled_at_text",
                  instead="received_at"),
             *[Drop("before received_at", c, f"{c} < received_at", f"{c}_text")
               for c in ("dispatched_at", "responded_at", "handled_at")],
             Drop("before handled_at", "callback_at", "callback_at < handled_at", "callback_at_text"),
             *([Drop("closed without a closed time", "status", "status = 'closed' and handled_at is null",
                     "status_text")] if "handled_at" in mapping.columns else []),
             *located(),
             Drop("satisfaction_score not 1..5", "satisfaction_score", "score_text is not null and "
                  "(score is null or score not between 1 and 5)", "score_text", ("score",))]
    return f"select *, local_time($snapshot::varchar, $formats, $zone) as snapshot_at " \
           f"from ({on_the_map(mapping, checked(parsed, refusals, drops))})"


INSERT = """
insert into requests by name
select request_id, $source as source, channel, kind, category, subcategory, text, district, street, community,
       grid, lat, lon, unit, received_at, dispatched_at, responded_at, handled_at, callback_at, deadline_at,
       case when callback_at is not null then resolved end as resolved,
       case when callback_at is not null then satisfied end as satisfied,
       case when callback_at is not null then score end as satisfaction_score,
       repeat_of, reopened, whistle, whistle_at, arrived_at
from candidates
where reason is null
"""
