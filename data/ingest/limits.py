"""Files refused before anything reads them: too big once unpacked, or too wide.

An xlsx is a zip: 50 MB uploaded may be 2 GB of sheet XML, which the Excel reader holds in memory
whole; a CSV of 10,000 columns makes DuckDB's sniffer and the staging table as wide. Both are
caught from the file's directory or first line, at the cost of reading no more than the limit.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from data.ingest import files
from queries import settings

DELIMITERS = ",\t;|"  # those DuckDB's CSV sniffer tries first
HEADER_BYTES = 1 << 20  # no header of an export is this long


def check(path: Path, fmt: str = "auto") -> None:
    """Refuse (ValueError, naming the file and the limit) a file too big unpacked or too wide to read."""
    if zipfile.is_zipfile(path):
        check_unpacked(path)
    elif (files.detect(path) if fmt == "auto" else fmt) in ("csv", "nyc311"):
        check_columns(path)


def check_unpacked(path: Path) -> None:
    """Sum what the archive says its members unpack to, then unpack them to be sure it said true.

    Python's zip reader stops at the size a member declares and checks its CRC, so a member that
    lies about its size fails here instead of exhausting the reader that trusts it.
    """
    limit = settings.value("CITYOPS_MAX_UNPACKED_MB")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            declared = sum(member.file_size for member in members)
            if declared > limit * 1_000_000:
                raise ValueError(f"{path.name}: unpacks to {declared / 1_000_000:,.1f} MB, more than the "
                                 f"{limit:,} MB allowed (CITYOPS_MAX_UNPACKED_MB)")
            for member in members:
                with archive.open(member) as unpacked:
                    while unpacked.read(1 << 20):
                        pass
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as damaged:
        raise ValueError(f"{path.name}: a damaged archive ({damaged})") from damaged


def check_columns(path: Path) -> None:
    """Count the columns of the first line, split by whichever usual delimiter splits it most."""
    limit = settings.value("CITYOPS_MAX_COLUMNS")
    with path.open("rb") as handle:
        first = handle.readline(HEADER_BYTES)
    if len(first) >= HEADER_BYTES and not first.endswith(b"\n"):
        raise ValueError(f"{path.name}: a header line longer than {HEADER_BYTES >> 20} MB")
    line = first.decode(files.encoding_of(path), errors="replace").replace("\0", "")
    columns = max(len(next(csv.reader(io.StringIO(line), delimiter=delimiter), [])) for delimiter in DELIMITERS)
    if columns > limit:
        raise ValueError(f"{path.name}: {columns:,} columns, more than the {limit:,} allowed (CITYOPS_MAX_COLUMNS)")
