"""Every page in both languages, on the desk and on the wall; the numbers shown against SQL; the URL round trip."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from data import actions
from queries import settings

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")
PAGES = {"views/overview.py": ("城市运行一网统管", "City Operations Centre"),
         "views/requests.py": ("接诉即办", "Requests"),
         "views/incidents.py": ("城市运行", "Incidents"),
         "views/evaluation.py": ("综合评价", "Evaluation"),
         "views/bulletins.py": ("通报", "Bulletins"),
         "views/warnings.py": ("预警 · 未诉先办", "Early warnings"),
         "views/topics.py": ("每月一题 · 候选问题", "Topic of the month")}
AS_OF = re.compile(r"(?:数据截至|Data as of) (\d{4}-\d\d-\d\d )?(\d\d:\d\d)")
COUNTED_TO = re.compile(r"(?:统计至|Counted to) (\d{4}-\d\d-\d\d \d\d:\d\d)")


@pytest.fixture
def app(city_path, monkeypatch):
    monkeypatch.setenv("CITYOPS_DB", str(city_path))
    return AppTest.from_file(APP, default_timeout=90)


def texts(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("title", "markdown", "caption", "subheader") for e in at.get(kind))


def shown_clock(at: AppTest) -> datetime:
    """The moment the page counted at, read from its own caption: when data last arrived, unless it says otherwise."""
    counted = COUNTED_TO.search(texts(at))
    if counted:
        return datetime.strptime(counted.group(1), "%Y-%m-%d %H:%M")
    day, minute = AS_OF.search(texts(at)).groups()
    return datetime.strptime(f"{day or f'{datetime.now():%Y-%m-%d} '}{minute}", "%Y-%m-%d %H:%M")


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label))


@pytest.mark.parametrize("wall", [False, True])
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_draws_without_a_failed_panel(app, page, lang, wall):
    app.query_params["lang"] = lang
    if wall:
        app.query_params["wall"] = "1"
    app.run()
    app.switch_page(page).run()
    assert not app.exception, app.exception
    shown = texts(app)
    assert PAGES[page][lang == "en"] in shown
    assert "· 暂无数据" not in shown and "· No data" not in shown, "a panel failed"
    assert app.metric or page == "views/bulletins.py" and app.get("iframe") or page == "views/topics.py"
    if wall:
        assert not app.sidebar.get("multiselect"), "wall mode has no filter bar"


def received_in(con, start, clock, districts=None, category=None) -> int:
    sql = "select count(*) from requests where received_at between ? and ?"
    values = [start, clock]
    if districts:
        sql += " and list_contains(?, district)"
        values.append(districts)
    if category:
        sql += " and category = ?"
        values.append(category)
    return con.execute(sql, values).fetchone()[0]


def response_rate(con, start, clock, districts=None) -> float:
    due, in_time = con.execute("""
        select count(*) filter (where responded_at <= ? or received_at + interval 1 day <= ?),
               count(*) filter (where responded_at <= received_at + interval 1 day and responded_at <= ?)
        from requests where received_at between ? and ? and (? is null or list_contains(?, district))""",
                               [clock, clock, clock, start, clock, districts, districts]).fetchone()
    return in_time / due


def test_overview_numbers_equal_sql_and_follow_the_filter(app, con):
    app.run()
    clock = shown_clock(app)
    start = datetime.combine(clock.date() - timedelta(days=29), datetime.min.time())
    assert metric(app, "受理诉求") == f"{received_in(con, start, clock):,}"
    assert metric(app, "响应率") == f"{response_rate(con, start, clock) * 100:.1f}%"
    app.session_state["f_districts"] = ["延庆区"]
    app.run()
    clock = shown_clock(app)
    assert metric(app, "受理诉求") == f"{received_in(con, start, clock, ['延庆区']):,}"
    assert metric(app, "响应率") == f"{response_rate(con, start, clock, ['延庆区']) * 100:.1f}%"
    assert app.query_params["district"] == "延庆区"


def test_a_link_opens_the_same_view(app, con):
    app.query_params.update({"period": "7d", "district": "朝阳区,海淀区,不存在区", "category": "供暖"})
    app.run()
    assert app.session_state["f_districts"] == ["朝阳区", "海淀区"]
    clock = shown_clock(app)
    start = datetime.combine(clock.date() - timedelta(days=6), datetime.min.time())
    assert metric(app, "受理诉求") == f"{received_in(con, start, clock, ['朝阳区', '海淀区'], '供暖'):,}"
    assert app.query_params["period"] == "7d" and app.query_params["district"] == "朝阳区,海淀区"
    app.session_state["f_period"] = "90d"
    app.session_state["f_categories"] = []
    app.run()
    assert app.query_params["period"] == "90d" and "category" not in app.query_params


def test_clearing_a_district_drops_its_streets(app, con):
    street = con.execute("select street from streets where district = '朝阳区' limit 1").fetchone()[0]
    app.query_params.update({"district": "朝阳区", "street": street})
    app.run()
    assert app.session_state["f_streets"] == [street]
    app.sidebar.multiselect(key="f_districts").set_value([]).run()
    assert app.session_state["f_streets"] == []
    assert "street" not in app.query_params


def pick_script():
    """A page with the filter bar and a button standing in for a chart's click callback."""
    from datetime import date

    import streamlit as st

    from dashboard import filters

    filters.restore()
    st.button("pick", on_click=filters.choose, args=("subcategories", ["电梯故障"]))
    filters.bar(date.today())


def test_a_click_on_a_chart_narrows_the_filter_and_keeps_it_offered(city_path, monkeypatch, con):
    monkeypatch.setenv("CITYOPS_DB", str(city_path))
    app = AppTest.from_function(pick_script, default_timeout=60)
    app.query_params["category"] = "供暖"
    app.run()
    app.button[0].click().run()
    assert not app.exception, app.exception
    parent = con.execute("select category from categories where subcategory = '电梯故障'").fetchone()[0]
    assert app.session_state["f_subcategories"] == ["电梯故障"]
    assert app.session_state["f_categories"] == ["供暖", parent]
    assert "电梯故障" in app.sidebar.multiselect(key="f_subcategories").options


def test_codes_are_labelled_by_their_own_column():
    import polars as pl

    from dashboard.i18n import translated

    rows = translated(pl.DataFrame({"channel": ["hotline"], "source": ["hotline"], "stage": ["closed"]}),
                      "channel", "source", "stage")
    assert rows.row(0) == ("12345热线", "热线转办", "已回访")


def test_the_warnings_page_counts_the_active_warnings_and_acknowledges_one(city_path, tmp_path, monkeypatch):
    copy = tmp_path / "city.duckdb"
    copy.write_bytes(city_path.read_bytes())  # the acknowledgment goes to a file beside the database
    monkeypatch.setenv("CITYOPS_DB", str(copy))
    from tests.test_auth import as_role

    app = as_role(copy, "duty")  # acknowledging is the duty officer's (tests/test_auth.py)
    app.switch_page("views/warnings.py").run()
    clock = shown_clock(app)
    with duckdb.connect(str(copy), read_only=True) as con:
        active = con.execute("select warning_id, status from warnings where last_seen >= ? order by last_seen desc, "
                             "score desc", [clock.date() - timedelta(days=3)]).fetchall()
    assert active, "the demo city's injected events leave warnings in the last days"
    assert int(metric(app, "生效预警")) == len(active)
    assert int(metric(app, "待确认")) == sum(status == "new" for _, status in active)
    app.button(key="warn_acknowledged").click().run()
    assert not app.exception
    assert actions.latest(copy) == {active[0][0]: "acknowledged"}
    assert int(metric(app, "待确认")) == sum(status == "new" for _, status in active) - 1


@pytest.mark.parametrize("page", ["views/overview.py", "views/warnings.py", "views/topics.py"])
def test_a_database_made_before_the_analytics_opens_without_a_failed_panel(city_path, tmp_path, monkeypatch, page):
    older = tmp_path / "older.duckdb"
    older.write_bytes(city_path.read_bytes())
    with duckdb.connect(str(older)) as con:
        for table in ("warnings", "warning_days", "forecasts", "topics", "topic_samples", "topic_months"):
            con.execute(f"drop table {table}")  # names from the line above, not from input
    monkeypatch.setenv("CITYOPS_DB", str(older))
    app = AppTest.from_file(APP, default_timeout=90)
    app.run()
    app.switch_page(page).run()
    assert not app.exception
    assert "· 暂无数据" not in texts(app), "a panel failed"
    if page != "views/overview.py":
        assert any("python -m queries.analytics" in str(info.value) for info in app.info)


def shown_table(at: AppTest, column: str):
    """The first data grid on the page with this column, as Polars."""
    import polars as pl

    return pl.from_pandas(next(frame.value for frame in at.dataframe if column in frame.value.columns))


def live_warnings(con, clock, start=None, end=None):
    """The warnings nobody closed: active ones (seen in the last days), or those of the period [start, end)."""
    import polars as pl

    rows = con.execute("select * from warnings").pl().filter(pl.col("status") != "closed")
    if start is None:
        return rows.filter(pl.col("last_seen") >= clock.date() - timedelta(days=settings.WARNING_ACTIVE_DAYS))
    return rows.filter((pl.col("last_seen") >= start) & (pl.col("first_seen") < end))


def test_the_warning_tiles_count_every_warning_when_the_list_is_cut(app, con, monkeypatch):
    monkeypatch.setattr(settings, "LIST_ROWS", 1)
    app.run()
    app.switch_page("views/warnings.py").run()
    clock = shown_clock(app)
    for only_active in (True, False):
        if not only_active:
            app.toggle(key="warn_active").set_value(False).run()
        today = clock.date()
        live = (live_warnings(con, clock) if only_active else
                live_warnings(con, clock, today - timedelta(days=29), today + timedelta(days=1)))
        assert live.height > 1, "the demo city has more warnings than the cut list shows"
        assert shown_table(app, "kind_label").height == 1
        assert int(metric(app, "生效预警")) == live.height
        assert int(metric(app, "待确认")) == live.filter(live["status"] == "new").height
        assert int(metric(app, "突增")) == live.filter(live["kind"] == "surge").height
        assert int(metric(app, "持续上升")) == live.filter(live["kind"] == "rising").height


def test_the_forecast_is_the_citys_or_the_chosen_districts_summed(app, con):
    import polars as pl

    forecasts = con.execute("select * from forecasts").pl()
    chosen = ["朝阳区", "海淀区"]
    app.run()
    app.switch_page("views/warnings.py").run()
    city = forecasts.filter(pl.col("district") == "全市").sort("day")
    assert metric(app, "明日预测") == f"{city['expected'][0]:,.0f}"
    app.session_state["f_districts"] = chosen
    app.run()
    summed = forecasts.filter(pl.col("district").is_in(chosen)).sort("day")
    first = summed.filter(pl.col("day") == summed["day"][0])
    assert first.height == len(chosen)
    assert metric(app, "明日预测") == f"{first['expected'].sum():,.0f}"
    shown = shown_table(app, "name")
    assert shown["name"].to_list() == chosen
    for district in chosen:
        own = summed.filter(pl.col("district") == district)
        row = shown.filter(pl.col("name") == district).row(0, named=True)
        assert {day: row[f"{day:%m-%d}"] for day in own["day"]} == dict(zip(own["day"], own["expected"].round(0)))


@pytest.mark.parametrize("districts", [(), ("延庆区",)])
def test_open_incidents_by_severity_equal_the_open_rows(cursor, clock, con, districts):
    import polars as pl

    import queries

    flt = queries.Filter(clock.date() - timedelta(days=29), clock.date() + timedelta(days=1), districts=districts)
    rows = con.execute("select * from incidents").pl().filter(
        (pl.col("detected_at") <= clock) & (pl.col("closed_at").is_null() | (pl.col("closed_at") > clock))
        & (pl.col("district").is_in(districts) if districts else pl.lit(True)))
    expected = dict(rows["severity"].value_counts().iter_rows())
    got = queries.run(cursor, "open_incidents_by_severity", flt, clock)
    assert dict(got.iter_rows()) == expected and sum(expected.values()) > 0


def test_the_scorecard_tiles_count_the_months_indicators(app, con):
    import polars as pl

    app.run()
    app.switch_page("views/evaluation.py").run()
    month = app.session_state["eval_month"]
    card = con.execute("select * from indicators join indicator_definitions using (code) "
                       "where period = ? and district is null", [month]).pl()
    assert card.height > 0
    assert int(metric(app, "指标数")) == card.height
    assert int(metric(app, "未达标")) == card.filter(pl.col("score") < 100).height
    assert metric(app, "平均得分") == f"{card['score'].mean():.1f}"
    assert metric(app, "自动计算占比") == f"{card['computed'].mean() * 100:.0f}%"


def test_the_upload_preview_reads_a_file_without_writing(tmp_path):
    from data.ingest import preview
    from tests.test_ingest import nyc_rows, write_csv

    rows = nyc_rows(30)
    path = write_csv(tmp_path / "311.csv", rows)
    read = preview(path)
    assert read.fmt == "csv"
    assert read.columns["request_id"] == "Unique Key", "known as NYC 311 by its headers"
    assert read.rows["Unique Key"].to_list() == [str(row["Unique Key"]) for row in rows[:20]]
    assert "_raw" not in read.rows.columns
    assert list(tmp_path.iterdir()) == [path]


def test_the_english_page_names_places_in_english(app, con):
    app.query_params["lang"] = "en"
    app.run()
    app.switch_page("views/requests.py").run()
    english = dict(con.execute("select district, name_en from districts").fetchall())
    shown = shown_table(app, "response_rate")["name"].to_list()
    assert shown and set(shown) <= set(english.values())


def test_the_tiles_say_a_running_period_is_compared_with_the_same_stretch(app, con):
    app.run()  # the presets end with today: the period is still running
    captions = [str(c.value) for c in app.caption]
    assert any("较上期同期" in c for c in captions)
    last = con.execute("select max(received_at)::date from requests").fetchone()[0]
    first = (last.replace(day=1) - timedelta(days=1)).replace(day=1)  # the whole month before the last one
    app.query_params.update({"period": "custom", "from": first.isoformat(),
                             "to": (last.replace(day=1) - timedelta(days=1)).isoformat()})
    app.session_state["f_period"] = "custom"
    app.session_state["f_range"] = (first, last.replace(day=1) - timedelta(days=1))
    app.run()
    captions = [str(c.value) for c in app.caption]
    assert any("较上期" in c for c in captions) and not any("较上期同期" in c for c in captions)


def closed_ticket(con, outside: str) -> dict:
    """A ticket called back well before the clock, in a district other than outside, as the database holds it."""
    query = ("select * from requests where callback_at < (select max(received_at) from requests) - interval 30 day "
             "and district <> ? order by request_id limit 1")
    return con.execute(query, [outside]).pl().row(0, named=True)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_ticket_link_opens_its_life_cycle_whatever_the_filters(app, con, lang):
    row = closed_ticket(con, "延庆区")
    app.query_params.update({"period": "7d", "district": "延庆区", "lang": lang, "ticket": row["request_id"]})
    app.run()
    app.switch_page("views/requests.py").run()
    assert not app.exception
    assert app.session_state["f_districts"] == ["延庆区"]
    assert app.text[0].value.startswith(f"{row['request_id']} · ")
    assert "****" in app.text[1].value or app.text[1].value == row["text"]  # masked, never the raw phone number
    stages = app.dataframe[0].value
    assert stages["at"].dt.to_pydatetime().tolist() == [
        row[c] for c in ("received_at", "dispatched_at", "responded_at", "handled_at", "callback_at")]
    assert stages["stage"].tolist()[0] == ("已受理" if lang == "zh" else "Received")


def test_an_unknown_ticket_says_so_in_one_quiet_line(app):
    app.query_params["ticket"] = "**nope**<b>'); drop table requests; --"
    app.run()
    app.switch_page("views/requests.py").run()
    assert not app.exception
    said = [str(c.value) for c in app.caption if "没有编号为" in str(c.value)]
    assert said == ["没有编号为 \\*\\*nope\\*\\*\\<b\\>\\'\\)\\; drop table requests\\; \\-\\- 的工单"]
    assert not app.text, "no ticket detail"


def arrival(con, now: datetime) -> datetime:
    """When data last arrived by the raw rows: the newest request, incident or import, not after now."""
    newest = [con.execute(f"select max({column}) from {table}").fetchone()[0]  # names from this test
              for table, column in (("requests", "received_at"), ("incidents", "detected_at"), ("imports", "started_at"))]
    return min(max(at for at in newest if at is not None), now)


def quiet_copy(city_path, tmp_path, hours: int) -> Path:
    """A copy of the city whose last request and incident came hours ago, as a new file (as an import writes one)."""
    quiet = tmp_path / f"quiet-{hours}.duckdb"
    quiet.write_bytes(city_path.read_bytes())
    with duckdb.connect(str(quiet)) as con:
        cut = datetime.now() - timedelta(hours=hours)
        con.execute("delete from requests where received_at > ?", [cut])
        con.execute("delete from incidents where detected_at > ?", [cut])
        con.execute("update meta set value = ? where key = 'data_version'", [str(quiet)])
    return quiet


@pytest.mark.parametrize("page", ["views/overview.py", "views/requests.py", "views/evaluation.py"])
def test_every_page_says_when_data_last_arrived_and_turns_amber_when_none_came(city_path, tmp_path, monkeypatch,
                                                                              page):
    quiet = quiet_copy(city_path, tmp_path, hours=3)
    monkeypatch.setenv("CITYOPS_DB", str(quiet))
    app = AppTest.from_file(APP, default_timeout=90)
    app.run()
    app.switch_page(page).run()
    with duckdb.connect(str(quiet), read_only=True) as con:
        came = arrival(con, datetime.now())
    line = next(str(c.value) for c in app.caption if "数据截至" in str(c.value))
    assert f"数据截至 {came:%H:%M}" in line or f"数据截至 {came:%Y-%m-%d %H:%M}" in line
    assert re.search(r":orange-badge\[:material/schedule: \d+ 小时无新数据\]", line)
    monkeypatch.setattr(settings, "STALE_MINUTES", 4 * 60)
    app.run()
    assert not any("无新数据" in str(c.value) for c in app.caption), "quiet for less than the setting"


@pytest.mark.parametrize("wall", [False, True])
def test_a_serving_dashboard_sees_a_replaced_database_without_a_restart(city_path, tmp_path, monkeypatch, con, wall):
    served = tmp_path / "served.duckdb"
    served.write_bytes(city_path.read_bytes())
    monkeypatch.setenv("CITYOPS_DB", str(served))
    row = closed_ticket(con, "")
    app = AppTest.from_file(APP, default_timeout=90)
    app.query_params.update({"ticket": row["request_id"], **({"wall": "1"} if wall else {})})
    app.run()
    app.switch_page("views/overview.py").run()
    assert not any("无新数据" in str(c.value) for c in app.caption)
    app.switch_page("views/requests.py").run()
    assert app.text[0].value.startswith(row["request_id"])
    replacement = quiet_copy(city_path, tmp_path, hours=3)
    with duckdb.connect(str(replacement)) as replaced:
        replaced.execute("update requests set text = '新的诉求内容' where request_id = ?", [row["request_id"]])
    os.replace(replacement, served)  # what an import does
    app.run()
    assert app.text[1].value == "新的诉求内容"
    app.switch_page("views/overview.py").run()
    assert any("小时无新数据" in str(c.value) for c in app.caption), "the overview shows the new file's arrival"


def test_a_serving_dashboard_sees_a_batch_imported_in_place_without_a_restart(city_path, tmp_path, monkeypatch, con):
    """The import runs in another process while this one holds the file open: the reader lets go for it."""
    served = tmp_path / "served.duckdb"
    served.write_bytes(city_path.read_bytes())
    monkeypatch.setenv("CITYOPS_DB", str(served))
    row = {**closed_ticket(con, ""), "request_id": "LIVE-1", "source": "hotline", "text": "刚刚打进来的诉求"}
    batch = tmp_path / "batch.csv"
    pl.DataFrame([row]).write_csv(batch)
    app = AppTest.from_file(APP, default_timeout=90)
    app.query_params["ticket"] = "LIVE-1"
    app.run()
    app.switch_page("views/requests.py").run()
    assert any("没有编号为 LIVE\\-1" in str(c.value) for c in app.caption)
    inode = served.stat().st_ino
    imported = subprocess.run([sys.executable, "-m", "data.ingest", str(batch), "--db", str(served)], cwd=ROOT,
                              capture_output=True, text=True, timeout=300)
    assert imported.returncode == 0 and "loaded=1 " in imported.stdout, imported.stderr
    assert served.stat().st_ino == inode, "written in place, not replaced"
    app.run()
    assert not app.exception
    assert app.text[0].value.startswith("LIVE-1 · ") and app.text[1].value == "刚刚打进来的诉求"


def test_a_request_text_is_shown_as_text_not_markdown(city_path, tmp_path, monkeypatch):
    beacon = "![x](http://127.0.0.1:9/beacon) **bold** [link](http://127.0.0.1:9/)"
    copy = tmp_path / "city.duckdb"
    copy.write_bytes(city_path.read_bytes())
    with duckdb.connect(str(copy)) as con:
        con.execute("update requests set text = ? where request_id in (select request_id from topic_samples)",
                    [beacon])
        con.execute("update meta set value = 'hostile-texts' where key = 'data_version'")  # not the cached panels
    monkeypatch.setenv("CITYOPS_DB", str(copy))
    app = AppTest.from_file(APP, default_timeout=90)
    app.run()
    app.switch_page("views/topics.py").run()
    shown = [str(m.value) for m in app.markdown]
    assert any("beacon" in text for text in shown), "the sample texts are on the page"
    assert not any("](http" in text.replace("\\]\\(http", "") for text in shown), "no link or image markup left"
