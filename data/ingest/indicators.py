"""The SQL that turns staged text into reported indicator rows (综合评价), or into the reason a row is refused.

A row is kept by period (the month's first day) + district (NULL = the city) + code. A code known to
indicator_definitions lends the row what it leaves out (dimension, aim, name, unit, target,
direction, responsible unit); an unknown code must bring them all and becomes a definition of its
own. The score, when absent, is computed as data/indicators.py computes it.
"""

from __future__ import annotations

import duckdb

from data.indicator_definitions import AIMS, SCORE, definitions_frame
from data.ingest.mapping import COLUMNS, Mapping
from data.ingest.refusals import Refuse, checked
from data.ingest.requests import raw, word

PERIOD_FORMATS = ("%Y-%m", "%Y-%m-%d", "%Y/%m", "%Y/%m/%d", "%Y年%m月", "%Y%m", "%Y.%m", "%Y-%m-%d %H:%M:%S")
VOCABULARIES = ("higher_is_better",)
KNOWN = {"higher_is_better": {"higher": "true", "lower": "false", "越高越好": "true", "越低越好": "false",
                              "是": "true", "否": "false", "正向": "true", "负向": "false"}}
CITY = ["全市", "市级", "city"]  # district words that mean the whole city
LENT = ("dimension", "aim", "name", "measure_unit", "target", "higher_is_better")  # what a definition lends


# The values only this kind binds: month formats, the city's words, the English of the aims and dimensions.
BOUND = {"period_formats": list(PERIOD_FORMATS), "city_words": CITY, "aims_zh": list(AIMS),
         "aims_en": [aim_en for _, _, aim_en in AIMS.values()],
         "dimensions_zh": [dimension for dimension, _, _ in AIMS.values()],
         "dimensions_en": [dimension_en for _, dimension_en, _ in AIMS.values()]}


def number(text: str) -> str:
    """A reported figure as a double: thousands separators and a trailing % are allowed."""
    return f"to_number(rtrim({text}, '%'))"


def candidates(mapping: Mapping) -> str:
    """staged -> one row per staged row: the indicator's columns, filled from its definition, reason and detail."""
    text = {column: raw(mapping, column) for column in COLUMNS["indicators"]}
    period = text["period"]
    missing = ", ".join(f"case when {column} is null then '{column}' end" for column in LENT)
    filled = f"""
with parsed as (
    select _line, _raw,
        {period} as period_text,
        date_trunc('month', coalesce(try_strptime({period}, $period_formats), local_time({period}, $formats, $zone),
                                     try_strptime(left({period}, 19), $period_formats)))::date as period,
        case when not list_contains($city_words, {text['district']}) then {text['district']} end as district,
        {text['code']} as code,
        {text['value']} as value_text, {number(text['value'])} as value,
        {text['target']} as target_text, {number(text['target'])} as given_target,
        {text['score']} as score_text, {number(text['score'])} as given_score,
        {text['higher_is_better']} as direction_text,
        try_cast(coalesce({word('higher_is_better', text['higher_is_better'])}, {text['higher_is_better']})
                 as boolean) as given_direction,
        {text['dimension']} as given_dimension, {text['aim']} as given_aim, {text['name']} as given_name,
        {text['measure_unit']} as given_unit, {text['responsible_unit']} as given_responsible
    from staged
), filled as (
    select p.*, d.code is not null as defined,
        coalesce(given_dimension, d.dimension) as dimension, coalesce(given_aim, d.aim) as aim,
        coalesce(given_name, d.name) as name, coalesce(given_unit, d.measure_unit) as measure_unit,
        coalesce(given_target, d.target) as target, coalesce(given_direction, d.higher_is_better) as higher_is_better,
        coalesce(given_responsible, d.responsible_unit) as responsible_unit,
        max(_line) over (partition by p.period, district, p.code) as last_line
    from parsed p
    left join indicator_definitions d on d.code = p.code
)
select *, coalesce(given_score, {SCORE}) as score from filled"""
    refusals = [Refuse("missing code", "code is null"), Refuse("missing period", "period_text is null"),
                Refuse("period not a month", "period is null", "period_text"),
                Refuse("missing value", "value_text is null"),
                Refuse("value not a number", "value is null", "value_text"),
                Refuse("target not a number", "target_text is not null and given_target is null", "target_text"),
                Refuse("score not a number", "score_text is not null and given_score is null", "score_text"),
                Refuse("higher_is_better neither true nor false",
                       "direction_text is not null and given_direction is null", "direction_text"),
                Refuse("unknown code without its definition", f"not defined and concat_ws(', ', {missing}) <> ''",
                       f"code || ' without ' || concat_ws(', ', {missing})"),
                Refuse("repeated for its month and district", "_line < last_line", "'line ' || last_line || ' is kept'")]
    return checked(filled, refusals, [])


INSERT = """
insert into indicators by name
select period, district, dimension, aim, code, name, value, measure_unit, target, higher_is_better, score,
       responsible_unit, $source as dataset
from candidates
where reason is null
"""

# Codes no definition knows yet, defined from their first good row: reported by a unit, never computed.
DEFINE = """
insert into indicator_definitions by name
select code, dimension, coalesce($dimensions_en[list_position($dimensions_zh, dimension)], dimension) as dimension_en,
       aim, coalesce($aims_en[list_position($aims_zh, aim)], aim) as aim_en, name, name as name_en, measure_unit,
       target, higher_is_better, false as computed, '单位报送（导入）' as definition,
       'Reported by the unit (imported)' as definition_en, responsible_unit
from candidates
where reason is null and not defined
qualify row_number() over (partition by code order by _line) = 1
"""


def define_ours(con: duckdb.DuckDBPyConnection) -> None:
    """Our definitions, in a database that has none yet (a city that imported no requests), to join codes to."""
    con.register("definitions_frame", definitions_frame())
    con.execute("""insert into indicator_definitions by name select * exclude (per_10k) from definitions_frame
                   where code not in (select code from indicator_definitions)""")
    con.unregister("definitions_frame")


def replace(con: duckdb.DuckDBPyConnection, dataset: str) -> None:
    """Upsert the good candidates by period + district + code, defining the codes nobody defined."""
    con.execute("""delete from indicators i using candidates c
                   where c.reason is null and i.period = c.period and i.code = c.code
                     and i.district is not distinct from c.district""")
    con.execute(INSERT, {"source": dataset})
    con.execute(DEFINE, {key: BOUND[key] for key in ("aims_zh", "aims_en", "dimensions_zh", "dimensions_en")})
