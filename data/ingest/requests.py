"""The SQL that turns staged text into request rows, or into a reason each refused row is refused.

Column names come from the mapping and the file's header and can only be identifiers, so they are
quoted; every value (formats, vocabularies, defaults, the extent) is a bound parameter. The pieces
shared with the other kinds (times, points, the bound values) live here too.
"""

from __future__ import annotations

import duckdb

from data.ingest.mapping import COLUMNS, TIMES, Mapping

VOCABULARIES = ("status", "channel", "kind", "resolved", "satisfied")
# The stages our own exports name (queries/ticket_list.sql), so a status column written by cityops reads back;
# a mapping's words extend them. Only handled and closed tickets have a closed time.
KNOWN = {"status": {"received": "open", "dispatched": "open", "responded": "open", "overdue": "open", "open": "open",
                    "handled": "closed", "closed": "closed"}}
BOUND: dict = {}  # no values bound beyond parameters()
KEY, TABLE, DATASET = "request_id", "requests", "source"  # a ticket is kept by DATASET + KEY in TABLE
LIFE_CYCLE = ("received_at", "dispatched_at", "responded_at", "handled_at", "callback_at")  # its stages, in order

# A point's checks, over lat_text, lon_text, lat and lon: numbers, both or neither, inside the extent's box.
POINT = """
        when (lat_text is not null and lat is null) or (lon_text is not null and lon is null)
            then 'coordinates "' || coalesce(lat_text, '') || ', ' || coalesce(lon_text, '') || '" are not numbers'
        when (lat is null) <> (lon is null) then 'only one of latitude and longitude'
        when lat not between $south and $north or lon not between $west and $east
            then 'point ' || lat || ', ' || lon || ' is outside the city'"""


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def parameters(mapping: Mapping, source: str, extent: tuple[float, float, float, float] | None,
               vocabularies: tuple[str, ...] = VOCABULARIES, known: dict[str, dict[str, str]] | None = None) -> dict:
    """The values the SQL binds; a vocabulary's known words are extended (and overridden) by the mapping's."""
    values = {"source": source, "formats": list(mapping.timestamp_formats),
              "west": extent[0] if extent else -180.0, "south": extent[1] if extent else -90.0,
              "east": extent[2] if extent else 180.0, "north": extent[3] if extent else 90.0}
    for column in vocabularies:
        words = {**(known or {}).get(column, {}), **mapping.values.get(column, {})}
        values[f"{column}_words"], values[f"{column}_codes"] = list(words), list(words.values())
    for column, value in mapping.defaults.items():
        values[f"default_{column}"] = value
    return values


def word(column: str, text: str) -> str:
    """The code the vocabulary gives the text, NULL for a word it does not know."""
    return f"${column}_codes[list_position(${column}_words, {text})]"


def times(text: dict[str, str], columns: tuple[str, ...]) -> str:
    """Each time column parsed, beside its text: the formats, then the first 19 characters (fractions, offsets)."""
    return ",\n".join(f"{text[c]} as {c}_text, coalesce(try_strptime({text[c]}, $formats), "
                       f"try_strptime(left({text[c]}, 19), $formats)) as {c}" for c in columns)


def unreadable(columns: tuple[str, ...]) -> str:
    """The CASE branches refusing an optional time that is there but matches no format."""
    return " ".join(f"when {c}_text is not null and {c} is null then '{c} \"' || {c}_text || '\" is not a time'"
                    for c in columns)


def replace(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """Upsert the good candidates by source + request_id: a newer export's row replaces the older one."""
    con.execute("""delete from requests where source = ? and request_id in
                   (select request_id from candidates where reason is null)""", [source])
    con.execute(INSERT, {"source": source})


def raw(mapping: Mapping, column: str) -> str:
    """Our column's text: theirs trimmed (empty = missing), else the default, else NULL."""
    if column in mapping.columns:
        return f"nullif(trim({quoted(mapping.columns[column])}), '')"
    if column in mapping.defaults:
        return f"$default_{column}"
    return "null::varchar"


def candidates(mapping: Mapping) -> str:
    """staged -> one row per staged row: our columns parsed, and reason (NULL for a good row)."""
    text = {column: raw(mapping, column) for column in COLUMNS["requests"]}
    code = {column: word(column, text[column]) for column in VOCABULARIES}
    status_known = "true" if "status" not in mapping.columns else f"{code['status']} is not null"
    closed = "true" if "status" not in mapping.columns else f"{code['status']} = 'closed'"
    # with no status column the status is the times' (README: derived, not stored), so nothing can contradict them
    unclosed = "" if "status" not in mapping.columns or "handled_at" not in mapping.columns else \
        "when closed and handled_at_text is null then 'closed without a closed time'"
    return f"""
with parsed as (
    select _line, _raw,
        {text['request_id']} as request_id,
        {times(text, TIMES)},
        {text['status']} as status_text, {status_known} as status_known, {closed} as closed,
        coalesce({code['channel']}, {text['channel']}, 'other') as channel,
        coalesce({code['kind']}, {text['kind']}, 'complaint') as kind,
        {text['category']} as category, coalesce({text['subcategory']}, {text['category']}) as subcategory,
        {text['text']} as text, {text['district']} as district, {text['street']} as street,
        {text['community']} as community, {text['grid']} as grid, {text['unit']} as unit,
        {text['lat']} as lat_text, {text['lon']} as lon_text,
        try_cast({text['lat']} as double) as lat, try_cast({text['lon']} as double) as lon,
        try_cast(coalesce({code['resolved']}, {text['resolved']}) as boolean) as resolved,
        try_cast(coalesce({code['satisfied']}, {text['satisfied']}) as boolean) as satisfied,
        {text['satisfaction_score']} as score_text, try_cast({text['satisfaction_score']} as tinyint) as score,
        {text['repeat_of']} as repeat_of, coalesce(try_cast({text['reopened']} as boolean), false) as reopened,
        coalesce({text['whistle']}, 'none') as whistle
    from staged
)
select * replace (case when closed then handled_at end as handled_at),
    case
        when request_id is null then 'missing request_id'
        when received_at_text is null then 'missing received_at'
        when received_at is null then 'received_at "' || received_at_text || '" matches none of the time formats'
        {unreadable(TIMES[1:])}
        when category is null then 'missing category'
        when not status_known then 'unknown status "' || coalesce(status_text, '') || '"'
        {POINT}
        when dispatched_at < received_at then 'dispatched_at before received_at'
        when responded_at < received_at then 'responded_at before received_at'
        when handled_at < received_at then 'handled_at before received_at'
        when callback_at < handled_at then 'callback_at before handled_at'
        when score_text is not null and score not between 1 and 5
            then 'satisfaction_score "' || score_text || '" is not 1..5'
        {unclosed}
    end as reason
from parsed
"""


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
