"""Files too big once unpacked, lying about their size, or too wide are refused before they are read."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import polars as pl
import pytest

from data.ingest import limits


def zipped(path: Path, size: int) -> Path:
    """An archive holding size zero bytes: a few kB on disk whatever the size."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * size)
    return path


def lying(path: Path, size: int, claimed: int) -> Path:
    """An archive whose directory claims its member unpacks to claimed bytes, though it unpacks to size."""
    zipped(path, size)
    data = bytearray(path.read_bytes())
    entry = data.rindex(b"PK\x01\x02")  # the central directory's entry: its uncompressed size at offset 24
    data[entry + 24:entry + 28] = struct.pack("<I", claimed)
    path.write_bytes(bytes(data))
    return path


def wide(path: Path, columns: int, delimiter: str = ",", encoding: str = "utf-8") -> Path:
    header = delimiter.join(f"列{i}" for i in range(columns))
    path.write_bytes(f"{header}\n{delimiter.join('1' * columns)}\n".encode(encoding))
    return path


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setenv("CITYOPS_MAX_UNPACKED_MB", "2")
    monkeypatch.setenv("CITYOPS_MAX_COLUMNS", "50")


def test_an_archive_within_the_limit_passes(tmp_path, small_limits):
    limits.check(zipped(tmp_path / "fine.xlsx", 1_900_000))


def test_an_archive_that_unpacks_beyond_the_limit_is_refused_by_name(tmp_path, small_limits):
    bomb = zipped(tmp_path / "bomb.xlsx", 2_100_000)
    assert bomb.stat().st_size < 100_000
    with pytest.raises(ValueError, match=r"^bomb\.xlsx: unpacks to 2.1 MB, more than the 2 MB allowed"):
        limits.check(bomb)


def test_an_archive_that_lies_about_its_size_is_refused(tmp_path, small_limits):
    with pytest.raises(ValueError, match=r"^liar\.xlsx: a damaged archive \(Bad CRC-32"):
        limits.check(lying(tmp_path / "liar.xlsx", 50_000_000, claimed=1000))


def test_a_real_workbook_passes(tmp_path, small_limits):
    pl.DataFrame({"request_id": ["1", "2"], "text": ["路灯不亮", "噪声扰民"]}).write_excel(tmp_path / "real.xlsx")
    limits.check(tmp_path / "real.xlsx")


@pytest.mark.parametrize("delimiter,encoding", [(",", "utf-8"), ("\t", "utf-8"), (";", "gb18030"), ("|", "utf-8")])
def test_a_csv_is_refused_beyond_the_column_limit_and_not_at_it(tmp_path, small_limits, delimiter, encoding):
    limits.check(wide(tmp_path / "fifty.csv", 50, delimiter, encoding))
    with pytest.raises(ValueError, match=r"^wide\.csv: 51 columns, more than the 50 allowed"):
        limits.check(wide(tmp_path / "wide.csv", 51, delimiter, encoding))


def test_ten_thousand_columns_under_the_default_limit(tmp_path):
    with pytest.raises(ValueError, match=r"10,000 columns, more than the 500 allowed"):
        limits.check(wide(tmp_path / "wide.csv", 10_000))


def test_a_header_line_without_end_is_refused(tmp_path):
    (tmp_path / "endless.csv").write_bytes(b"a" * (limits.HEADER_BYTES + 10))
    with pytest.raises(ValueError, match=r"^endless\.csv: a header line longer than 1 MB"):
        limits.check(tmp_path / "endless.csv")


def test_quoted_delimiters_are_one_column(tmp_path, small_limits):
    (tmp_path / "quoted.csv").write_text('"' + ",".join("x" * 100) + '",b\n1,2\n', encoding="utf-8")
    limits.check(tmp_path / "quoted.csv")
