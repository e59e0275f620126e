"""Reading an export into a staging table, every value as text, each row with its file, line and raw JSON.

DuckDB's own readers stream the files (never Python lists); GBK/GB18030 CSV goes through the
`encodings` extension, since plain DuckDB reads only UTF-8, UTF-16 and Latin-1.
"""

from __future__ import annotations

import json
from pathlib import Path

import charset_normalizer
import duckdb

from data import db
from data.ingest.requests import quoted

FORMATS = ("auto", "csv", "xlsx", "parquet", "open311", "nyc311")
NYC_HEADERS = {"Unique Key", "Created Date", "Complaint Type"}
SAMPLE = 256 * 1024


def encoding_of(path: Path) -> str:
    """utf-8 (a BOM is fine: DuckDB skips it) or gb18030 (a superset of GBK), from the file's first bytes."""
    head = path.read_bytes()[:SAMPLE] if path.stat().st_size <= SAMPLE else path.open("rb").read(SAMPLE)
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as cut:
        if cut.start > len(head) - 4:  # a character cut by the sample's end
            return "utf-8"
    guess = charset_normalizer.from_bytes(head).best()
    return "gb18030" if guess is None or guess.encoding.lower() in ("gb2312", "gbk", "gb18030", "big5", "hz") \
        else guess.encoding


def detect(path: Path) -> str:
    """The format of a file: by its extension, and for CSV by its header (a Socrata NYC 311 export)."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return "parquet"
    if suffix in (".xlsx", ".xls"):
        return "xlsx"
    if suffix == ".json":
        return "open311"
    if suffix in (".csv", ".txt", ".tsv"):
        with path.open("rb") as handle:
            first = handle.readline(65536).decode(encoding_of(path), errors="replace")
        return "nyc311" if NYC_HEADERS <= {h.strip().strip('"') for h in first.replace("\t", ",").split(",")} \
            else "csv"
    raise ValueError(f"{path}: cannot tell its format from the name; say --format")


def stage(con: duckdb.DuckDBPyConnection, path: Path, fmt: str, encoding: str | None) -> list[str]:
    """Read the file into the temp table staged: _line, _raw (the row as JSON) and its columns as text."""
    if fmt in ("csv", "nyc311"):
        encoding = encoding or encoding_of(path)
        if encoding not in ("utf-8", "utf-16", "latin-1"):
            db.load_extension(con, "encodings")
        first, source, params = 2, ("read_csv(?, all_varchar = true, header = true, encoding = ?, "
                                    "null_padding = true, strict_mode = false)"), [str(path), encoding]
    elif fmt == "parquet":
        first, source, params = 1, "(select columns(*)::varchar from read_parquet(?))", [str(path)]
    elif fmt == "open311":  # as written: DuckDB's JSON reader would turn local times with offsets into UTC
        objects = "read_json_objects(?, format = 'array')"
        keys = [key for key, in con.execute(f"select distinct unnest(json_keys(json)) from {objects} order by all",
                                            [str(path)]).fetchall()]
        fields = ", ".join(f"json_extract_string(json, ?) as {quoted(key)}" for key in keys)
        con.execute(f"create or replace temp table staged as select row_number() over () as _line, json::varchar as "
                    f"_raw, {fields} from {objects}", [*(f"$.{json.dumps(key)}" for key in keys), str(path)])
        return keys
    else:
        import fastexcel

        con.register("sheet", fastexcel.read_excel(str(path)).load_sheet(0).to_arrow())
        first, source, params = 2, "(select columns(*)::varchar from sheet)", []
    con.execute(f"create or replace temp table staged as "
                f"select row_number() over () + {first - 1} as _line, to_json(r) as _raw, r.* from {source} r", params)
    return [name for name, in con.execute("select name from pragma_table_info('staged') offset 2").fetchall()]
