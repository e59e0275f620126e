"""Which version of a ticket wins when it arrives more than once: the one further along its life cycle.

Times are all an export reliably carries (few have an updated-at column, and the tables keep none), so a
version is newer when more of its stages are timed, or as many and its last stage is later. An equal one
replaces the stored row (a corrected export); an older one never does: it is refused with its reason, like
any bad row, and kept in rejected_rows, whether the newer version is in the same file or already stored.
"""

from __future__ import annotations

from types import ModuleType

import duckdb


def timed(stages: tuple[str, ...], row: str) -> str:
    return "(" + " + ".join(f"({row}.{stage} is not null)::int" for stage in stages) + ")"


def last(stages: tuple[str, ...], row: str) -> str:
    return f"greatest({', '.join(f'{row}.{stage}' for stage in stages)})"


def progress(stages: tuple[str, ...], row: str) -> str:
    """How far row has come: its timed stages, then its last stage's time (structs compare field by field)."""
    return f"struct_pack(stages := {timed(stages, row)}, last := {last(stages, row)})"


def said(stages: tuple[str, ...], row: str) -> str:
    """progress() in words, for a reason."""
    return f"{timed(stages, row)} || ' stages, the last at ' || strftime({last(stages, row)}, '%Y-%m-%d %H:%M:%S')"


def refuse_older(con: duckdb.DuckDBPyConnection, kind: ModuleType, dataset: str) -> None:
    """Give every good candidate that a newer version outranks, in the file or stored, its reason.

    Of the versions in the file the furthest along is kept (of equals, the last); the stored row then
    stands against it. kind is the importer's module: its KEY, TABLE, DATASET and LIFE_CYCLE.
    """
    key, stages = kind.KEY, kind.LIFE_CYCLE
    newest = ", ".join(f"arg_max({stage}, rank) as {stage}" for stage in stages)
    con.execute(f"""
        update candidates set reason = case when {progress(stages, 'candidates')} = {progress(stages, 'newest')}
                then 'repeated {key}' else 'older than another line' end,
            detail = 'line ' || newest._line || ' is kept (' || {said(stages, 'newest')} ||
                     '; this row ' || {said(stages, 'candidates')} || ')'
        from (select {key}, arg_max(_line, rank) as _line, {newest}
              from (select {key}, _line, {', '.join(stages)}, struct_pack(progress := {progress(stages, 'c')},
                                                                         line := _line) as rank
                    from candidates c where reason is null)
              group by {key} having count(*) > 1) as newest
        where candidates.{key} = newest.{key} and candidates.reason is null and candidates._line <> newest._line""")
    con.execute(f"""
        update candidates set reason = 'older than the stored version',
            detail = 'stored: ' || {said(stages, 'stored')} || '; this row ' || {said(stages, 'candidates')}
        from {kind.TABLE} as stored
        where stored.{kind.DATASET} = ? and stored.{key} = candidates.{key} and candidates.reason is null
          and {progress(stages, 'candidates')} < {progress(stages, 'stored')}""", [dataset])
