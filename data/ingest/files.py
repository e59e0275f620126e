"""Reading an export into a staging table, every value as text, each row with its file, line and raw JSON.

DuckDB's own readers stream the files (never Python lists); GBK/GB18030 CSV goes through the
`encodings` extension, since plain DuckDB reads only UTF-8, UTF-16 and Latin-1. JSON comes as an
array, as JSON Lines or wrapped in an object (`{"requests": [...]}`, GeoJSON features); a nested
object's fields become columns of their own (`location.latitude`, `geometry.coordinates.1`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import charset_normalizer
import duckdb

from data import db
from data.ingest import parsing
from data.ingest.mapping import WRAPPERS, Mapping
from data.ingest.requests import quoted

FORMATS = ("auto", "csv", "json", "xlsx", "parquet", "open311", "nyc311")
SUFFIXES = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".json": "json", ".geojson": "json", ".ndjson": "json",
            ".jsonl": "json", ".parquet": "parquet", ".xlsx": "xlsx", ".xls": "xlsx"}
CONTAINER = {"open311": "json", "nyc311": "csv"}  # a known export named by --format, and how it is stored
SAMPLE = 256 * 1024
HTML = re.compile(rb"^\s*(<!doctype html|<html|<head|<body|<\?xml[^>]*>\s*<html)", re.IGNORECASE)
NESTING = 3  # how deep a JSON record's objects are opened into columns
SHORT_LIST = 4  # a list of at most this many values (coordinates) opens into columns too
TITLE_ROWS = 20  # how far down an Excel sheet its header row is looked for


def head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(SAMPLE)


def encoding_of(path: Path) -> str:
    """utf-8 (a BOM is fine: DuckDB skips it) or gb18030 (a superset of GBK), from the file's first bytes."""
    sample = head(path)
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as cut:
        if cut.start > len(sample) - 4:  # a character cut by the sample's end
            return "utf-8"
    guess = charset_normalizer.from_bytes(sample).best()
    return "gb18030" if guess is None or guess.encoding.lower() in ("gb2312", "gbk", "gb18030", "big5", "hz") \
        else guess.encoding


def detect(path: Path) -> str:
    """How a file is stored, by its extension; a web page saved under a data file's name is refused."""
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"{path}: cannot tell its format from the name; say --format")
    if fmt in ("csv", "json") and HTML.match(head(path).removeprefix(b"\xef\xbb\xbf")):
        raise ValueError(f"{path}: this is an HTML page, not {fmt.upper()} (saved from a browser instead of "
                         "downloaded?)")
    return fmt


def stage(con: duckdb.DuckDBPyConnection, path: Path, fmt: str, chosen: Mapping | None = None) -> list[str]:
    """Read the file into the temp table staged: _line, _raw (the row as JSON) and its columns as text.

    Also defines the macros the importers' SQL reads values with (parsing.py).
    """
    parsing.define(con)
    fmt = CONTAINER.get(fmt, fmt)
    if fmt == "json":
        return json_records(con, path, chosen.records if chosen else None)
    if fmt == "csv":
        return csv(con, path, chosen)
    if fmt == "parquet":
        first, source, params = 1, "(select columns(*)::varchar from read_parquet(?))", [str(path)]
    else:
        first = excel(con, path, chosen)
        source, params = "(select * from sheet)", []
    return staged(con, first, source, params)


def staged(con: duckdb.DuckDBPyConnection, first: int, source: str, params: list) -> list[str]:
    """Create the staged table from a relation whose first row is the file's line first; return its columns."""
    con.execute(f"create or replace temp table staged as "
                f"select row_number() over () + {first - 1} as _line, to_json(r) as _raw, r.* from {source} r", params)
    return [name for name, in con.execute("select name from pragma_table_info('staged') offset 2").fetchall()]


def csv(con: duckdb.DuckDBPyConnection, path: Path, chosen: Mapping | None) -> list[str]:
    """Stage a CSV, short rows padded with NULLs.

    DuckDB's parallel scanner cannot pad short rows when a quoted field holds a line break: such a file
    is read again by the single-threaded scanner, and any other failure keeps DuckDB's own explanation.
    """
    encoding = (chosen.encoding if chosen else None) or encoding_of(path)
    if encoding not in ("utf-8", "utf-16", "latin-1"):
        db.load_extension(con, "encodings")
    skip = chosen.skip_rows if chosen and chosen.skip_rows is not None else None
    options = "all_varchar = true, header = true, encoding = ?, null_padding = true, strict_mode = false"
    options += ", skip = ?" if skip is not None else ""
    params = [str(path), encoding] + ([skip] if skip is not None else [])
    try:
        try:
            return staged(con, 2 + (skip or 0), f"read_csv(?, {options})", params)
        except duckdb.Error as failure:
            if "quoted new lines" not in str(failure):
                raise
        return staged(con, 2 + (skip or 0), f"read_csv(?, {options}, parallel = false)", params)
    except duckdb.Error as failure:
        raise ValueError(f"{path}: {explained(failure)}") from None


def explained(failure: Exception) -> str:
    """DuckDB's message in one line: its first line and the sentence saying why, not the option dump."""
    lines = [line.strip() for line in str(failure).splitlines() if line.strip()]
    why = [line for line in lines[1:3] if " = " not in line]
    return ": ".join(lines[:1] + why)


def json_records(con: duckdb.DuckDBPyConnection, path: Path, wrapper: str | None) -> list[str]:
    """Stage a JSON array, JSON Lines or the records list inside an object; return the columns found.

    Values are kept as written: DuckDB's typed JSON reader would turn local times with offsets into UTC.
    """
    start = head(path).removeprefix(b"\xef\xbb\xbf").lstrip()[:1]
    size = max(path.stat().st_size + 1, 16 * 1024 * 1024)
    if start == b"[":
        objects = f"read_json_objects(?, format = 'array', maximum_object_size = {size})"
        con.execute(f"create or replace temp table records as select row_number() over () as _line, json "
                    f"from {objects}", [str(path)])
    elif start == b"{":
        objects = f"read_json_objects(?, format = 'auto', maximum_object_size = {size})"
        con.execute(f"create or replace temp table records as select row_number() over () as _line, json "
                    f"from {objects}", [str(path)])
        inner = wrapped(con, wrapper)
        if inner:
            con.execute(f"""create or replace temp table records as
                            select row_number() over () as _line, {inner} as json
                            from (select unnest(json_extract(json, ?)::json[]) as json from records)""",
                        [f"$.{inner_path(wrapper or inner_key(con))}"])
    else:
        raise ValueError(f"{path}: not JSON records (it starts with {start!r}, not [ or {{)")
    paths = fields(con)
    columns = ", ".join(f"json_extract_string(json, ?) as {quoted(name)}" for name in paths)
    con.execute(f"create or replace temp table staged as select _line, json::varchar as _raw, {columns} "
                f"from records", list(paths.values()))
    con.execute("drop table records")
    return list(paths)


def inner_path(wrapper: str) -> str:
    return ".".join(json.dumps(part) for part in wrapper.split("."))


def inner_key(con: duckdb.DuckDBPyConnection) -> str | None:
    """The key of a single object's list of records, if it is one of the usual wrappers."""
    keys = con.execute("select json_keys(json) from records where _line = 1 and (select count(*) from records) = 1"
                       ).fetchone()
    return next((key for key in WRAPPERS if keys and key in keys[0]), None)


def wrapped(con: duckdb.DuckDBPyConnection, wrapper: str | None) -> str | None:
    """How a record comes out of the wrapper's list: GeoJSON features lend their properties and geometry."""
    key = wrapper or inner_key(con)
    if key is None:
        return None  # JSON Lines: each line is a record
    return "json_merge_patch(coalesce(json -> '$.properties', '{}'), json_object('geometry', json -> '$.geometry'))" \
        if key == "features" else "json"


def fields(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every field of the records, its name (dotted inside objects, numbered inside short lists) -> its path."""
    found: dict[str, str] = {}

    def walk(prefix: str, path: str, depth: int) -> None:
        keys = con.execute("""select key, min(_line) as first
                              from (select _line, unnest(json_keys(json, ?)) as key from records
                                    where json_type(json, ?) = 'OBJECT')
                              group by key order by first, key""", [path, path]).fetchall() if depth else []
        for key, _ in keys:
            name, inner = f"{prefix}{key}", f"{path}.{json.dumps(key)}"
            found[name] = inner
            kinds = dict(con.execute("select json_type(json, ?), max(json_array_length(json, ?)) from records "
                                     "group by 1", [inner, inner]).fetchall())
            if "OBJECT" in kinds:
                walk(f"{name}.", inner, depth - 1)
            if 0 < (kinds.get("ARRAY") or 0) <= SHORT_LIST:
                found.update({f"{name}.{i}": f"{inner}[{i}]" for i in range(kinds["ARRAY"])})

    walk("", "$", NESTING)
    return found


def excel(con: duckdb.DuckDBPyConnection, path: Path, chosen: Mapping | None) -> int:
    """Register the sheet (the mapping's, else the first with a table) as text; return its first data line.

    The header row is the first of the widest rows near the top, so title lines above it are passed over.
    """
    import fastexcel

    reader = fastexcel.read_excel(str(path))
    sheet = chosen.sheet if chosen and chosen.sheet is not None else None
    if isinstance(sheet, str) and sheet not in reader.sheet_names:
        raise ValueError(f"{path}: no sheet {sheet!r} (its sheets: {', '.join(reader.sheet_names)})")
    if isinstance(sheet, int) and not 0 <= sheet < len(reader.sheet_names):
        raise ValueError(f"{path}: no sheet {sheet} (it has {len(reader.sheet_names)}, numbered from 0)")
    candidates = [sheet] if sheet is not None else list(range(len(reader.sheet_names)))
    widths = {}
    for candidate in candidates:
        top = reader.load_sheet(candidate, header_row=None, skip_rows=0, n_rows=TITLE_ROWS, dtypes="string").to_arrow()
        filled = [sum(top.column(c)[r].is_valid for c in range(top.num_columns)) for r in range(top.num_rows)]
        widths[candidate] = filled
        if max(filled, default=0) >= 2:
            break
    chosen_sheet, filled = next(((s, f) for s, f in widths.items() if max(f, default=0) >= 2),
                                next(iter(widths.items())))
    header = chosen.skip_rows if chosen and chosen.skip_rows is not None else \
        filled.index(max(filled)) if filled else 0
    table = reader.load_sheet(chosen_sheet, header_row=header, dtypes="string").to_arrow()
    con.register("sheet", table)
    return header + 2
