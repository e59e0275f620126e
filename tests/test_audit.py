"""The audit log: appended to, never rewritten; an entry for each thing people do, written where they do it (in
the browser for the downloads, whose data is made only when clicked); read and downloaded by admins only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.first_paint import CHROMIUM, chromium, serve
from data import accounts, actions, audit
from tests.test_admin import city, copy, page, uploads  # noqa: F401 (fixtures: a city, the page)
from tests.test_auth import APP, ARTIFACTS, PASSWORD, as_role, reachable
from tests.test_ingest import nyc_rows, write_csv


def details(event: dict) -> dict:
    return json.loads(event["details"])


def test_the_log_is_only_appended_to_and_a_broken_line_is_skipped(tmp_path):
    database = tmp_path / "city.duckdb"
    audit.record(database, "wang", "duty", "warning", warning_id="w1", status="acknowledged")
    first = audit.path_for(database).read_bytes()
    with open(audit.path_for(database), "a", encoding="utf-8") as out:
        out.write("not json\n")
    workers = [subprocess.Popen([sys.executable, "-c", (
        "import sys\nfrom data import audit\n"
        "for i in range(200):\n    audit.record(sys.argv[1], f'u{sys.argv[2]}', 'viewer', 'export', rows=i)\n"),
        str(database), str(n)], cwd=Path(__file__).resolve().parent.parent) for n in range(3)]
    assert all(worker.wait(timeout=120) == 0 for worker in workers)
    assert audit.path_for(database).read_bytes().startswith(first)
    events = audit.read(database)
    assert events.height == 601 and events["action"][-1] == "warning"  # newest first; the broken line skipped
    assert sorted(events.filter(user="u1")["details"].map_elements(lambda d: json.loads(d)["rows"],
                                                                    return_dtype=int).to_list()) == list(range(200))
    assert oct(os.stat(audit.path_for(database)).st_mode & 0o777) == "0o600"
    with pytest.raises(ValueError, match="audit action"):
        audit.record(database, "wang", "duty", "delete everything")


def test_an_import_is_audited_with_its_files_and_counts(page, tmp_path, copy):  # noqa: F811
    rows = nyc_rows(5, start=2000)
    rows[0]["Created Date"] = "yesterday"
    page.file_uploader(key="admin_files").set_value(("新数据.csv", write_csv(tmp_path / "b.csv", rows).read_bytes(),
                                                     "text/csv")).run()
    page.button(key="admin_import").click().run()
    assert not page.exception and not page.error
    event = audit.read(copy).row(0, named=True)
    assert (event["user"], event["role"], event["action"]) == ("admin", "admin", "import")
    said = details(event)
    assert (said["files"], said["kind"], said["read"], said["loaded"], said["rejected"]) == (
        ["新数据.csv"], "requests", 5, 4, 1)


def test_a_failed_import_is_audited_too(page, tmp_path, copy, monkeypatch):  # noqa: F811
    def full_disk(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr("data.ingest.ingest", full_disk)  # the page imports it from there on every run
    page.file_uploader(key="admin_files").set_value(("311.csv", write_csv(tmp_path / "a.csv", nyc_rows(5))
                                                     .read_bytes(), "text/csv")).run()
    page.button(key="admin_import").click().run()
    assert page.error
    event = audit.read(copy).row(0, named=True)
    assert event["action"] == "import" and details(event)["files"] == ["311.csv"] and "failed" in details(event)


def test_acknowledge_close_and_reopen_are_audited(city_path, tmp_path, monkeypatch):
    linked = tmp_path / "city.duckdb"
    linked.symlink_to(city_path)
    monkeypatch.setenv("CITYOPS_DB", str(linked))
    with duckdb.connect(str(city_path), read_only=True) as con:
        for warning_id, in con.execute("select warning_id from warnings").fetchall():
            actions.record(linked, warning_id, "closed")  # all closed: the first shown is reopened, then stays first
    app = as_role(linked, "duty")
    app.switch_page("views/warnings.py").run()
    for status in ("new", "acknowledged", "closed"):
        app.button(key=f"warn_{status}").click().run()
        assert not app.exception
    events = audit.read(linked).filter(action="warning").reverse()
    assert [details(e)["status"] for e in events.to_dicts()] == ["new", "acknowledged", "closed"]
    assert [details(e)["previous"] for e in events.to_dicts()] == ["closed", "new", "acknowledged"]
    assert set(events["user"]) == {"duty"} and len(set(events["details"].map_elements(
        lambda d: json.loads(d)["warning_id"], return_dtype=str))) == 1


def test_the_audit_page_is_for_admins_and_shows_the_log(city_path, tmp_path, monkeypatch):
    linked = tmp_path / "city.duckdb"
    linked.symlink_to(city_path)
    monkeypatch.setenv("CITYOPS_DB", str(linked))
    audit.record(linked, "wang", "duty", "emergency", on=True)
    app = as_role(linked, "admin")
    assert reachable(app, "views/audit.py")
    shown = app.dataframe[0].value
    assert shown["action"].tolist()[:2] == ["login", "emergency"] and shown["user"].tolist()[1] == "wang"
    app.multiselect(key="audit_actions").set_value(["emergency"]).run()
    assert app.dataframe[0].value["action"].tolist() == ["emergency"]
    assert not reachable(as_role(linked, "duty"), "views/audit.py")


def test_wall_keys_made_and_revoked_on_the_page_are_audited(city_path, tmp_path, monkeypatch):
    linked = tmp_path / "city.duckdb"
    linked.symlink_to(city_path)
    monkeypatch.setenv("CITYOPS_DB", str(linked))
    app = as_role(linked, "admin")
    assert reachable(app, "views/accounts.py")
    app.text_input(key="wall_label").input("一号大屏").run()
    app.button(key="wall_create").click().run()
    link = app.code[0].value
    key = link.split("key=")[1]
    assert accounts.wall_key(linked, key).label == "一号大屏"
    app.run()  # the admin's next click: the list now holds the key
    app.selectbox(key="wall_revoking").set_value(next(iter(accounts.load(linked)[1]))).run()
    app.button(key="wall_revoke").click().run()
    assert accounts.wall_key(linked, key) is None
    changes = [details(e)["change"] for e in audit.read(linked).filter(action="wall_key").reverse().to_dicts()]
    assert changes == ["create", "revoke"]
    assert key not in audit.path_for(linked).read_text(), "the key itself is never written down"


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)")
def test_a_local_login_export_bulletin_and_emergency_switch_in_chromium(city_path, tmp_path):
    """The browser round trip of a local account; the downloads' entries are written when their data is made."""
    linked = tmp_path / "city.duckdb"
    linked.symlink_to(city_path)
    accounts.add(linked, "wang", PASSWORD, ["duty"])
    with serve(linked) as url, chromium() as browser:
        page = browser.new_context(viewport={"width": 1600, "height": 1000}, accept_downloads=True).new_page()
        page.goto(url)
        page.get_by_label("账号").fill("wang", timeout=60_000)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_selector("[data-testid=stMetric]", timeout=60_000)
        assert "wang · 值班员" in page.locator("[data-testid=stSidebar]").inner_text()
        page.wait_for_function("!document.querySelector('[data-testid=stStatusWidget]')", timeout=60_000)
        page.locator("[data-testid=stPopover] button").first.click()
        with page.expect_download() as csv:
            page.locator("[data-testid=stPopoverBody]").get_by_role("button", name="CSV").click()
        assert csv.value.suggested_filename.endswith(".csv")
        page.locator("[data-testid=stSidebarNav]").get_by_text("通报").click()  # a local login lasts the tab's session
        with page.expect_download(timeout=60_000) as html:
            page.get_by_role("button", name="HTML").click(timeout=60_000)
        assert "<html" in Path(html.value.path()).read_text(encoding="utf-8")
        page.locator("[data-testid=stSidebarNav]").get_by_text("城市运行").click()
        page.get_by_text("平急转换（应急状态）").click(timeout=60_000)
        page.wait_for_timeout(1500)
        page.wait_for_function("!document.querySelector('[data-testid=stStatusWidget]')", timeout=60_000)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "login-local-incidents.png"))
    events = {e["action"]: e for e in audit.read(linked).reverse().to_dicts()}
    assert (events["login"]["user"], events["login"]["role"]) == ("wang", "duty")
    assert details(events["export"])["format"] == "csv" and details(events["export"])["rows"] >= 0
    assert details(events["bulletin"])["format"] == "html" and details(events["bulletin"])["kind"] == "day"
    assert details(events["emergency"]) == {"on": True}
    assert all(e["user"] == "wang" for e in events.values())


def test_without_an_account_nobody_can_reach_the_audit_page(city_path, tmp_path, monkeypatch):
    linked = tmp_path / "city.duckdb"
    linked.symlink_to(city_path)
    monkeypatch.setenv("CITYOPS_DB", str(linked))
    app = AppTest.from_file(APP, default_timeout=120).run()
    assert not reachable(app, "views/audit.py") and not reachable(app, "views/accounts.py")
