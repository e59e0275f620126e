"""Why a row is refused, or loads without one of its values: a short fixed vocabulary, details apart.

A row is refused only when it lacks what makes it a row (an id, its first time, what it is about) or
an older version of it would overwrite a newer one. Any other bad value (a time that cannot be read or
comes before the stage it follows, a point outside the city, a word nobody mapped) is dropped and the
row loads. Both go to rejected_rows: the reason from the vocabulary, the value or line it is about in
detail, and for a loaded row the column it lost in field; so a thousand refusals sum to a few reasons.
The raw row is stored with personal data masked (queries/privacy.sql), like the request text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

NOTE = "struct(reason varchar, field varchar, detail varchar)"


@dataclass(frozen=True)
class Refuse:
    """A row is refused when `when` holds (the first rule that holds gives the reason)."""

    reason: str
    when: str
    detail: str = "null"


@dataclass(frozen=True)
class Drop:
    """When `when` holds, the columns take `instead` (NULL: dropped) and the row keeps a note of it."""

    reason: str
    field: str
    when: str
    detail: str
    columns: tuple[str, ...] = ()
    instead: str = "null"


def checked(parsed: str, refusals: list[Refuse], drops: list[Drop]) -> str:
    """The parsed rows with reason and detail (NULL for a row that loads) and notes, the drops applied in order."""
    reason = " ".join(f"when {rule.when} then '{rule.reason}'" for rule in refusals)
    detail = " ".join(f"when {rule.when} then {rule.detail}" for rule in refusals)
    first = (f"step0 as (select *, case {reason} end as reason, case {detail} end::varchar as detail, "
             f"[]::{NOTE}[] as notes from ({parsed}))")
    steps = [first]
    for number, rule in enumerate(drops, 1):
        when = f"coalesce({rule.when}, false)"
        replaced = [f"case when {when} then {rule.instead} else {column} end as {column}"
                    for column in rule.columns or (rule.field,)]
        note = f"{{'reason': '{rule.reason}', 'field': '{rule.field}', 'detail': ({rule.detail})::varchar}}"
        steps.append(f"step{number} as (select * replace ({', '.join(replaced)}, case when {when} then "
                     f"list_append(notes, {note}) else notes end as notes) from step{number - 1})")
    return "with " + ",\n".join(steps) + f"\nselect * from step{len(drops)}"


def keep(con: duckdb.DuckDBPyConnection, import_id: str, path: Path) -> None:
    """Store the refused rows and the notes of the loaded ones in rejected_rows, raw text masked."""
    con.execute("""insert into rejected_rows by name
                   select ? as import_id, ? as file, _line as line, reason, mask_personal(detail) as detail, null as field,
                          mask_personal(_raw) as raw
                   from candidates where reason is not null
                   union all
                   select ?, ?, _line, note.reason, mask_personal(note.detail), note.field, mask_personal(_raw)
                   from (select _line, _raw, unnest(notes) as note from candidates where reason is null)
                   order by line""", [import_id, str(path)] * 2)
