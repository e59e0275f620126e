"""First start: no database yet, the app builds the demo city and shows the first page."""

from __future__ import annotations

from pathlib import Path

import duckdb
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


def test_first_start_generates_the_city_and_shows_rates(tmp_path, monkeypatch):
    path = tmp_path / "fresh" / "city.duckdb"
    monkeypatch.setenv("CITYOPS_DB", str(path))
    monkeypatch.setenv("CITYOPS_DEMO_REQUESTS", "4000")
    app = AppTest.from_file(APP, default_timeout=120).run()
    assert not app.exception, app.exception
    assert path.exists()
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("select count(*) from requests").fetchone()[0] == 4000
    labels = " ".join(m.label for m in app.metric)
    assert all(name in labels for name in ("响应率", "解决率", "满意率"))
    assert app.get("vega_lite_chart"), "the requests-by-district chart is missing"
    app.session_state["lang"] = "en"
    app.run()
    assert not app.exception, app.exception
    labels = " ".join(m.label for m in app.metric)
    assert all(name in labels for name in ("Response rate", "Resolution rate", "Satisfaction rate"))
