"""Exports hold exactly the panel's rows under the filter, and no phone or ID number survives into them."""

from __future__ import annotations

import io
from datetime import timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import queries
from queries import Filter

PHONE, ID_CARD = "13912345678", "110105198001011234"


@pytest.fixture
def exports(city_path, monkeypatch):
    monkeypatch.setenv("CITYOPS_DB", str(city_path))
    from dashboard import exports

    return exports


def test_a_csv_export_equals_the_panel(exports, con):
    cursor = queries.prepare(con)
    clock = queries.clock(cursor)
    flt = Filter(clock.date() - timedelta(days=6), clock.date() + timedelta(days=1), districts=("朝阳区",))
    rows = queries.run(cursor, "ticket_list", flt, clock, limit=300)
    exported = pl.read_csv(io.BytesIO(exports.csv(rows)), schema=rows.schema)
    assert_frame_equal(exported, rows)
    assert set(exported["district"]) == {"朝阳区"}


def test_an_excel_export_equals_the_panel(exports, con):
    cursor = queries.prepare(con)
    clock = queries.clock(cursor)
    rows = queries.run(cursor, "rates_by", Filter(clock.date() - timedelta(days=29), clock.date()), clock,
                       level="district")
    exported = pl.read_excel(io.BytesIO(exports.excel(rows, "三率排名")))
    assert exported["name"].to_list() == rows["name"].to_list()
    assert exported["received"].to_list() == rows["received"].to_list()


def test_no_phone_or_id_number_survives_an_export(exports):
    rows = pl.DataFrame({"text": [f"市民张先生来电{PHONE}，身份证{ID_CARD}，反映噪音", "联系人：王小明 010-62345678"],
                         "count": [1, 2]})
    for data in (exports.csv(rows), exports.excel(rows, "x")):
        exported = pl.read_csv(io.BytesIO(data)) if data[:2] != b"PK" else pl.read_excel(io.BytesIO(data))
        text = " ".join(exported["text"])
        assert PHONE not in text and ID_CARD not in text and "62345678" not in text and "王小明" not in text
        assert "139****5678" in text and exported["count"].to_list() == [1, 2]


def test_no_exported_cell_can_run_as_a_formula(exports):
    hostile = ['=HYPERLINK("http://127.0.0.1:9/x","点我")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "正常文本"]
    rows = pl.DataFrame({"text": hostile, "count": [-1, 2, 3, 4, 5]})
    for data in (exports.csv(rows), exports.excel(rows, "x")):
        exported = pl.read_csv(io.BytesIO(data)) if data[:2] != b"PK" else pl.read_excel(io.BytesIO(data))
        assert exported["text"].to_list() == ["'" + text for text in hostile[:4]] + ["正常文本"]
        assert exported["count"].to_list() == [-1, 2, 3, 4, 5], "numbers stay numbers"
