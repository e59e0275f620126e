"""What once broke a page or lost a click: an infinite warning score, a city without districts, text from the data
in the Markdown bulletin, and an actions file another process holds."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from dashboard import bulletin
from data import actions
from data.analytics.warnings import tail_score
from data.ingest import ingest
from queries.periods import Period

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
HOSTILE = "<img src=x onerror=alert(1)> ![x](http://evil.example/beacon) | **bold** [link](http://evil.example)"


def exact_tail(observed: int, expected: float) -> float:
    """-log10 P(X >= observed), X ~ Poisson(expected), summed term by term in logs."""
    terms = [k * math.log(expected) - expected - math.lgamma(k + 1) for k in range(observed, observed + 400)]
    top = max(terms)
    return -(top + math.log(sum(math.exp(term - top) for term in terms))) / math.log(10)


@pytest.mark.parametrize("observed,expected", [(5, 0.0), (40, 0.0), (400, 1e-3), (4000, 2.0), (12, 3.0), (60, 20.0)])
def test_a_tail_score_is_finite_and_right_far_out(observed, expected):
    score = tail_score(np.array([float(observed)]), np.array([expected]))[0]
    assert math.isfinite(score)
    assert score == pytest.approx(exact_tail(observed, max(expected, 1e-9)), rel=1e-6)


def texts(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("title", "markdown", "caption", "subheader", "error")
                     for e in at.get(kind))


@pytest.fixture
def copy(city_path, tmp_path) -> Path:
    """A city of its own: the test writes its warnings or its actions file."""
    (tmp_path / "city.duckdb").write_bytes(city_path.read_bytes())
    return tmp_path / "city.duckdb"


def warnings_page(copy: Path, monkeypatch) -> AppTest:
    from tests.test_auth import as_role

    monkeypatch.setenv("CITYOPS_DB", str(copy))
    app = as_role(copy, "duty")  # acknowledging is the duty officer's
    app.switch_page("views/warnings.py").run()
    assert not app.exception, app.exception
    return app


def test_a_warning_with_an_infinite_score_is_shown(copy, monkeypatch):
    """A score computed before the tail was taken in logs, against an expectation of 0, is infinite."""
    with duckdb.connect(str(copy)) as con:
        top, place = con.execute("select warning_id, coalesce(street, district) from warnings "
                                 "order by last_seen desc, score desc limit 1").fetchone()
        con.execute("update warnings set expected = 0, score = 'inf' where warning_id = ?", [top])
    app = warnings_page(copy, monkeypatch)
    assert "暂无数据" not in texts(app), "a panel failed"
    table = next(frame.value for frame in app.dataframe if "score" in frame.value.columns)
    assert math.isinf(table["score"].iloc[0]) and table["place"].iloc[0] == place
    assert place in texts(app), "the strongest warning is the one shown beside the list"


@pytest.fixture(scope="module")
def open311(tmp_path_factory) -> Path:
    """An Open311 city: no districts, no callbacks, and names carrying markup."""
    folder = tmp_path_factory.mktemp("open311")
    records = [{"service_request_id": f"S{i}", "status": "closed" if i % 2 else "open",
                "service_name": "Streets", "service_code": "POT" if i % 3 else HOSTILE,
                "description": f"hole {i}, call 13812345678", "agency_responsible": "DPW",
                "requested_datetime": f"2026-04-{i % 28 + 1:02d}T09:30:00-04:00",
                "updated_datetime": f"2026-04-{i % 28 + 1:02d}T18:00:00-04:00", "expected_datetime": None,
                "address": "100 Main St", "lat": 41.8 + i / 1000, "long": -87.6} for i in range(120)]
    (folder / "requests.json").write_text(json.dumps(records), encoding="utf-8")
    ingest([folder / "requests.json"], folder / "city.duckdb")
    return folder / "city.duckdb"


def received(con: duckdb.DuckDBPyConnection, start: date, end: date) -> int:
    return con.execute("select count(*) from requests where received_at >= ? and received_at < ?",
                       [start, end]).fetchone()[0]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("kind", bulletin.KINDS)
def test_a_city_without_districts_gets_its_bulletin(open311, kind, lang):
    with duckdb.connect(str(open311), read_only=True) as con:
        assert con.execute("select count(district) from requests").fetchone()[0] == 0
        html, markdown = bulletin.make_text(con, kind, date(2026, 4, 20), None, lang)
        period = Period.of(kind, date(2026, 4, 20))
        count = received(con, period.start, period.end)
    shown = dict(re.findall(r'data-figure="(\w+)"[^>]*>([^<]*)<', html))
    assert shown["received"] == f"{count:,}" and count > 0
    assert "None" not in html and "None" not in markdown
    assert 'data-table="places"' not in html, "no districts: no district ranking"
    assert "四项指标均达到目标值" not in html and "All four rates met" not in html, "no callbacks: no rates to meet"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_markdown_bulletin_shows_text_from_the_data_as_text(open311, lang):
    with duckdb.connect(str(open311), read_only=True) as con:
        html, markdown = bulletin.make_text(con, "week", date(2026, 4, 20), None, lang)
    rendered = MarkdownIt("commonmark").enable("table").render(markdown)
    assert "<img" not in rendered and "<a " not in rendered and "<strong>" not in rendered
    as_text = HOSTILE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert f"<td>{as_text}</td>" in rendered, "the topic's name is one table cell, as it came"
    narrative = rendered.split("<h2>")[0]
    assert as_text in narrative, "and the opening paragraph names it as it came"
    assert "&lt;img" in html and "<img" not in html


def holding(actions_file: Path, seconds: float) -> subprocess.Popen:
    """Another process that holds the actions file for seconds, as a second dashboard server or a copy might."""
    holder = subprocess.Popen([sys.executable, "-c", (
        "import duckdb, sys, time\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "print('held', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n"), str(actions_file), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def pending(app: AppTest) -> int:
    return int(next(m.value for m in app.metric if m.label.startswith("待确认")))


def test_an_acknowledgment_waits_for_a_file_held_a_few_seconds(copy, monkeypatch):
    app = warnings_page(copy, monkeypatch)
    before = pending(app)
    holder = holding(actions.path_for(copy), 3)
    started = datetime.now()
    app.button(key="warn_acknowledged").click().run()
    holder.wait()
    assert not app.exception and not app.error
    assert (datetime.now() - started).total_seconds() >= 2.5, "the file really was held"
    assert list(actions.latest(copy).values()) == ["acknowledged"]
    assert pending(app) == before - 1


def test_an_acknowledgment_the_file_refuses_is_said_to_be_lost(copy, monkeypatch):
    monkeypatch.setattr(actions, "WAIT_SECONDS", 1.0)
    app = warnings_page(copy, monkeypatch)
    before = pending(app)
    holder = holding(actions.path_for(copy), 60)
    try:
        app.button(key="warn_acknowledged").click().run()
    finally:
        holder.kill()
        holder.wait()
    assert not app.exception
    assert [error.value for error in app.error] == ["未能保存：操作记录文件正被其他程序占用，请稍后再试一次"]
    assert actions.latest(copy) == {} and pending(app) == before
