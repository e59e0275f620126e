"""The SQL that turns staged text into request rows, or into a reason each refused row is refused.

Column names come from the mapping and the file's header and can only be identifiers, so they are
quoted; every value (formats, vocabularies, defaults, the extent) is a bound parameter.
"""

from __future__ import annotations

from data.ingest.mapping import COLUMNS, STAGES, TIMES, Mapping

VOCABULARIES = ("status", "channel", "kind", "resolved", "satisfied", "severity", "higher_is_better")
PERIODS = ["%Y-%m", "%Y-%m-%d", "%Y/%m", "%Y/%m/%d", "%Y年%m月", "%Y%m"]


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def parameters(mapping: Mapping, source: str, extent: tuple[float, float, float, float] | None) -> dict:
    values = {"source": source, "formats": list(mapping.timestamp_formats), "periods": PERIODS,
              "west": extent[0] if extent else -180.0, "south": extent[1] if extent else -90.0,
              "east": extent[2] if extent else 180.0, "north": extent[3] if extent else 90.0}
    for column in VOCABULARIES:
        words = mapping.values.get(column, {})
        values[f"{column}_words"], values[f"{column}_codes"] = list(words), list(words.values())
    for column, value in mapping.defaults.items():
        values[f"default_{column}"] = value
    return values


def raw(mapping: Mapping, column: str) -> str:
    """Our column's text: theirs trimmed (empty = missing), else the default, else NULL."""
    if column in mapping.columns:
        return f"nullif(trim({quoted(mapping.columns[column])}), '')"
    if column in mapping.defaults:
        return f"$default_{column}"
    return "null::varchar"


def words(mapping: Mapping) -> tuple[dict[str, str], dict[str, str]]:
    """Each of our columns as text, and each vocabulary column as our code for their word."""
    text = {column: raw(mapping, column) for column in COLUMNS[mapping.kind]}
    return text, {column: f"${column}_codes[list_position(${column}_words, {text[column]})]"
                  for column in VOCABULARIES if column in text}


def duplicates(id_text: str) -> str:
    """A join naming, for an id on more than one row, its last line (a group-by, not a window over wide rows)."""
    return f"""left join (
        select {id_text} as repeated_id, max(_line) as last_line from staged
        group by all having count(*) > 1
    ) as repeated on repeated.repeated_id = {id_text}"""


def place_checks() -> str:
    """The reasons shared by every kind with a point: unreadable, half given, outside the city's box."""
    return """when (lat_text is not null and lat is null) or (lon_text is not null and lon is null)
            then 'coordinates "' || coalesce(lat_text, '') || ', ' || coalesce(lon_text, '') || '" are not numbers'
        when (lat is null) <> (lon is null) then 'only one of latitude and longitude'
        when lat not between $south and $north or lon not between $west and $east
            then 'point ' || lat || ', ' || lon || ' is outside the city'"""


def candidates(mapping: Mapping) -> str:
    """staged -> one row per staged row: our columns parsed, and reason (NULL for a good row)."""
    return {"requests": request_candidates, "incidents": incident_candidates,
            "indicators": indicator_candidates}[mapping.kind](mapping)


def parsed_time(text: str, name: str) -> str:
    return (f"{text} as {name}_text, coalesce(try_strptime({text}, $formats), "
            f"try_strptime(left({text}, 19), $formats)) as {name}")


def request_candidates(mapping: Mapping) -> str:
    text, word = words(mapping)
    times = ",\n".join(parsed_time(text[c], c) for c in TIMES)
    unreadable = " ".join(f"when {c}_text is not null and {c} is null then '{c} \"' || {c}_text || '\" is not a time'"
                          for c in TIMES if c != "received_at")
    status_known = "true" if "status" not in mapping.columns else f"{word['status']} is not null"
    closed = "true" if "status" not in mapping.columns else f"{word['status']} = 'closed'"
    return f"""
with parsed as (
    select _line, _raw,
        {text['request_id']} as request_id,
        {times},
        {text['status']} as status_text, {status_known} as status_known, {closed} as closed,
        coalesce({word['channel']}, {text['channel']}, 'other') as channel,
        coalesce({word['kind']}, {text['kind']}, 'complaint') as kind,
        {text['category']} as category, coalesce({text['subcategory']}, {text['category']}) as subcategory,
        {text['text']} as text, {text['district']} as district, {text['street']} as street,
        {text['community']} as community, {text['unit']} as unit,
        {text['lat']} as lat_text, {text['lon']} as lon_text,
        try_cast({text['lat']} as double) as lat, try_cast({text['lon']} as double) as lon,
        try_cast(coalesce({word['resolved']}, {text['resolved']}) as boolean) as resolved,
        try_cast(coalesce({word['satisfied']}, {text['satisfied']}) as boolean) as satisfied,
        repeated.last_line
    from staged
    {duplicates(text['request_id'])}
)
select *,
    case
        when request_id is null then 'missing request_id'
        when received_at_text is null then 'missing received_at'
        when received_at is null then 'received_at "' || received_at_text || '" matches none of the time formats'
        {unreadable}
        when category is null then 'missing category'
        when not status_known then 'unknown status "' || coalesce(status_text, '') || '"'
        {place_checks()}
        when dispatched_at < received_at then 'dispatched_at before received_at'
        when responded_at < received_at then 'responded_at before received_at'
        when handled_at < received_at then 'handled_at before received_at'
        when callback_at < handled_at then 'callback_at before handled_at'
        when closed and handled_at_text is null and {str("handled_at" in mapping.columns).lower()}
            then 'closed without a closed time'
        when _line < last_line
            then 'request_id repeated at line ' || last_line || '; that later row is kept'
    end as reason
from parsed
"""


def incident_candidates(mapping: Mapping) -> str:
    text, word = words(mapping)
    times = ",\n".join(parsed_time(text[c], c) for c in STAGES)
    unreadable = " ".join(f"when {c}_text is not null and {c} is null then '{c} \"' || {c}_text || '\" is not a time'"
                          for c in STAGES if c != "detected_at")
    order = " ".join(f"when {later} < {earlier} then '{later} before {earlier}'"
                     for i, later in enumerate(STAGES) for earlier in STAGES[:i])
    return f"""
with parsed as (
    select _line, _raw,
        {text['incident_id']} as incident_id,
        {times},
        {text['type']} as type, {text['severity']} as severity_text,
        try_cast(coalesce({word['severity']}, {text['severity']}) as tinyint) as severity,
        coalesce({text['source']}, 'import') as detector, {text['status']} as status_text,
        coalesce({word['status']}, {text['status']}) as status_given,
        {text['district']} as district, {text['street']} as street, {text['grid']} as grid, {text['unit']} as unit,
        {text['lat']} as lat_text, {text['lon']} as lon_text,
        try_cast({text['lat']} as double) as lat, try_cast({text['lon']} as double) as lon,
        repeated.last_line
    from staged
    {duplicates(text['incident_id'])}
)
select *,
    coalesce(status_given, case when closed_at is not null then 'closed' when onsite_at is not null then 'onsite'
                                when dispatched_at is not null then 'dispatched'
                                when acknowledged_at is not null then 'acknowledged' else 'detected' end) as status,
    case
        when incident_id is null then 'missing incident_id'
        when detected_at_text is null then 'missing detected_at'
        when detected_at is null then 'detected_at "' || detected_at_text || '" matches none of the time formats'
        {unreadable}
        when type is null then 'missing type'
        when severity_text is null then 'missing severity'
        when severity is null or severity not between 1 and 4
            then 'severity "' || severity_text || '" is not 1-4 nor a word the mapping knows'
        when status_given is not null and status_given not in ('detected', 'acknowledged', 'dispatched', 'onsite',
                                                                'closed')
            then 'unknown status "' || status_text || '"'
        {place_checks()}
        {order}
        when _line < last_line
            then 'incident_id repeated at line ' || last_line || '; that later row is kept'
    end as reason
from parsed
"""


def indicator_candidates(mapping: Mapping) -> str:
    """Reported indicators: what the file leaves out comes from indicator_definitions by code."""
    text, word = words(mapping)
    given = {c: text[c] for c in ("dimension", "aim", "name", "measure_unit", "responsible_unit")}
    return f"""
with parsed as (
    select _line, _raw,
        {text['period']} as period_text,
        date_trunc('month', try_strptime({text['period']}, $periods))::date as period,
        {text['district']} as district, {text['code']} as code,
        {text['value']} as value_text, try_cast({text['value']} as double) as value,
        {text['target']} as target_text,
        {", ".join(f"coalesce({given[c]}, d.{c}) as {c}" for c in given)},
        coalesce(try_cast({text['target']} as double), d.target) as target,
        coalesce(try_cast(coalesce({word['higher_is_better']}, {text['higher_is_better']}) as boolean),
                 d.higher_is_better) as higher_is_better,
        d.code is not null as defined,
        repeated.last_line
    from staged
    left join indicator_definitions d on d.code = {text['code']}
    left join (
        select {text['period']} as repeated_period, {text['district']} as repeated_district,
               {text['code']} as repeated_code, max(_line) as last_line
        from staged group by all having count(*) > 1
    ) as repeated on repeated.repeated_period is not distinct from {text['period']}
                 and repeated.repeated_district is not distinct from {text['district']}
                 and repeated.repeated_code is not distinct from {text['code']}
)
select *,
    case
        when code is null then 'missing code'
        when period_text is null then 'missing period'
        when period is null then 'period "' || period_text || '" is not a month'
        when value_text is null then 'missing value'
        when value is null then 'value "' || value_text || '" is not a number'
        when target_text is not null and try_cast(target_text as double) is null
            then 'target "' || target_text || '" is not a number'
        when not defined and (dimension is null or aim is null or name is null or measure_unit is null
                              or target is null or higher_is_better is null)
            then 'unknown code "' || code || '" and no dimension, aim, name, measure_unit, target and direction'
        when _line < last_line
            then 'period, district and code repeated at line ' || last_line || '; that later row is kept'
    end as reason
from parsed
"""


# Per kind: the statements that put the good candidates in place of the rows they update.
UPSERT = {
    "requests": ["""delete from requests where source = $source and request_id in
                    (select request_id from candidates where reason is null)""", """insert into requests by name
select request_id, $source as source, channel, kind, category, subcategory, text, district, street, community,
       lat, lon, unit, received_at, dispatched_at, responded_at,
       case when closed then handled_at end as handled_at, callback_at, deadline_at,
       case when callback_at is not null then resolved end as resolved,
       case when callback_at is not null then satisfied end as satisfied,
       false as reopened, 'none' as whistle
from candidates
where reason is null
"""],
    "incidents": ["""delete from incidents where dataset = $source and incident_id in
                     (select incident_id from candidates where reason is null)""",
                  """insert into incidents by name
                     select incident_id, detector as source, type, severity, detected_at, acknowledged_at,
                            dispatched_at, onsite_at, closed_at, district, street, grid, lat, lon, unit, status,
                            $source as dataset
                     from candidates where reason is null"""],
    "indicators": ["""delete from indicators i using candidates c
                      where c.reason is null and i.period = c.period and i.code = c.code
                        and i.district is not distinct from c.district""",
                   """insert into indicators by name
                      select period, district, dimension, aim, code, name, value, measure_unit, target,
                             higher_is_better,
                             case when (higher_is_better and value >= target)
                                       or (not higher_is_better and value <= target) then 100
                                  when higher_is_better then greatest(0, 100 * value / target)
                                  else 100 * target / value end as score,
                             responsible_unit
                      from candidates where reason is null"""],
}
