"""The import page: a bad file or mapping says so in one line with an error id, never a traceback or a server
path; the log holds the full error under that id; uploads leave no file behind, imported or not."""

from __future__ import annotations

import logging
import re
import tempfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data.ingest import ingest
from tests.test_auth import as_role
from tests.test_ingest import nyc_rows, write_csv
from tests.test_limits import wide, zipped

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
ERROR_ID = re.compile(r"错误编号 ([0-9a-f]{8})")
NYC_MAPPING = b"""source = "nyc-upload"
timestamp_formats = ["%m/%d/%Y %I:%M:%S %p"]
extent = [1, 2]

[columns]
request_id = "Unique Key"
received_at = "Created Date"
category = "Complaint Type"
lat = "Latitude"
lon = "Longitude"
"""


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    """A small imported city: the demo's two million requests are not needed to try an upload."""
    folder = tmp_path_factory.mktemp("imported")
    ingest([write_csv(folder / "311.csv", nyc_rows(60))], folder / "city.duckdb")
    return folder / "city.duckdb"


@pytest.fixture
def uploads(tmp_path, monkeypatch) -> Path:
    """Where the page's temporary folders go, watched by the test."""
    folder = tmp_path / "temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def copy(city, tmp_path) -> Path:
    (tmp_path / "city.duckdb").write_bytes(city.read_bytes())
    return tmp_path / "city.duckdb"


@pytest.fixture
def page(copy, uploads, monkeypatch) -> AppTest:
    monkeypatch.setenv("CITYOPS_DB", str(copy))
    app = as_role(copy, "admin")  # imports are the administrator's (tests/test_auth.py)
    app.switch_page("views/admin.py").run()
    assert app.get("file_uploader")
    return app


def shown(app: AppTest) -> str:
    return "\n".join(str(element.value) for kind in ("title", "markdown", "caption", "text", "error", "success")
                     for element in app.get(kind))


def told(app: AppTest, caplog, uploads: Path, *words: str) -> None:
    """The page stopped with one error line holding the words and an id that finds the full error in the log."""
    assert not app.exception, app.exception
    assert len(app.error) == 1
    line = app.error[0].value.replace("\\", "")  # the line is escaped: nothing in it is markup
    for word in words:
        assert word in line, line
    error_id = ERROR_ID.search(line).group(1)
    logged = [record for record in caplog.records if error_id in record.getMessage()]
    assert logged and logged[0].exc_info, "the log holds the error with its traceback under the id"
    everything = shown(app)
    assert "Traceback" not in everything and str(uploads) not in everything and "/tmp" not in everything
    assert not list(uploads.iterdir()), "the upload's temporary folder is gone"


def test_an_unreadable_workbook(page, caplog, uploads):
    caplog.set_level(logging.ERROR, "cityops")
    page.file_uploader(key="admin_files").set_value(("月报.xlsx", b"not a workbook", "application/octet-stream"))
    page.run()
    told(page, caplog, uploads, "无法读取 月报.xlsx：", "Could not find EOCD")


def test_a_workbook_that_unpacks_too_big(page, caplog, uploads, tmp_path, monkeypatch):
    caplog.set_level(logging.ERROR, "cityops")
    monkeypatch.setenv("CITYOPS_MAX_UNPACKED_MB", "1")
    bomb = zipped(tmp_path / "bomb.xlsx", 3_000_000).read_bytes()
    page.file_uploader(key="admin_files").set_value(("bomb.xlsx", bomb, "application/octet-stream")).run()
    told(page, caplog, uploads, "bomb.xlsx: unpacks to 3.0 MB, more than the 1 MB allowed")


def test_a_csv_too_wide(page, caplog, uploads, tmp_path):
    caplog.set_level(logging.ERROR, "cityops")
    page.file_uploader(key="admin_files").set_value(("wide.csv", wide(tmp_path / "w.csv", 10_000).read_bytes(),
                                                     "text/csv")).run()
    told(page, caplog, uploads, "wide.csv: 10,000 columns, more than the 500 allowed")


def test_a_mapping_that_is_not_toml(page, caplog, uploads, tmp_path):
    caplog.set_level(logging.ERROR, "cityops")
    page.file_uploader(key="admin_mapping").set_value(("mapping.toml", b"extent = [1, 2", "text/plain"))
    page.file_uploader(key="admin_files").set_value(("311.csv", write_csv(tmp_path / "a.csv", nyc_rows(5))
                                                     .read_bytes(), "text/csv")).run()
    told(page, caplog, uploads, "字段映射文件有误：")


def test_a_mapping_with_a_short_extent_is_refused_in_a_line_before_anything_is_read(page, caplog, uploads, tmp_path,
                                                                                     copy):
    caplog.set_level(logging.ERROR, "cityops")
    before = copy.read_bytes()
    page.file_uploader(key="admin_mapping").set_value(("mapping.toml", NYC_MAPPING, "text/plain"))
    page.file_uploader(key="admin_files").set_value(("311.csv", write_csv(tmp_path / "a.csv", nyc_rows(5))
                                                     .read_bytes(), "text/csv")).run()
    told(page, caplog, uploads, "字段映射文件有误：", "mapping.toml: extent must be four numbers")
    assert not [button for button in page.button if button.key == "admin_import"], "no import offered"
    assert copy.read_bytes() == before


def test_an_import_leaves_no_upload_behind_and_names_refused_rows_by_file_name(page, uploads, tmp_path):
    rows = nyc_rows(5, start=1000)
    rows[0]["Created Date"] = "yesterday"
    page.file_uploader(key="admin_files").set_value(("新数据.csv", write_csv(tmp_path / "b.csv", rows).read_bytes(),
                                                     "text/csv")).run()
    page.button(key="admin_import").click().run()
    assert not page.exception and not page.error
    assert "ingest: read=5 loaded=4 rejected=1" in shown(page)
    assert page.dataframe[-1].value["file"].tolist() == ["新数据.csv"]
    assert not list(uploads.iterdir())
