"""Login, roles and the manager's scope: local accounts round trip, each role sees and does exactly its part, a
district manager's panels, choices, exports and bulletins hold only their districts, failed logins are throttled,
wall keys open read-only and stop when revoked."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from polars.testing import assert_frame_equal
from streamlit.testing.v1 import AppTest

import queries
from dashboard import auth
from dashboard.first_paint import CHROMIUM, chromium, free_port, serve
from data import accounts, audit
from queries import Filter
from tests.test_pages import metric, received_in, shown_clock

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")
ARTIFACTS = ROOT / "test-artifacts"
PASSWORD = "correct horse battery staple"
SCOPE = ("朝阳区", "海淀区")


@pytest.fixture
def city(city_path, tmp_path, monkeypatch) -> Path:
    """The session's city seen through a link of its own, so its accounts, audit and actions files are this test's."""
    linked = tmp_path / "city.duckdb"
    linked.symlink_to(city_path)
    monkeypatch.setenv("CITYOPS_DB", str(linked))
    auth.throttle.clear()  # one per process: a test's failures are not the next one's
    return linked


def log_in(app: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    """Type a name and password into the login form and submit it."""
    app.run()
    app.text_input(key="login_name").input(name)
    app.text_input(key="login_password").input(password)
    next(button for button in app.button if button.label == "登录").click().run()
    assert not app.exception, app.exception
    return app


def as_role(database: Path, *roles: str, districts: tuple[str, ...] = ()) -> AppTest:
    """A dashboard session logged in through the form as a new local account with these roles."""
    name = "-".join(roles)
    accounts.add(database, name, PASSWORD, list(roles), list(districts))
    return log_in(AppTest.from_file(APP, default_timeout=120), name)


def shown(app: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("title", "markdown", "caption", "error", "info", "text")
                     for e in [*app.get(kind), *app.sidebar.get(kind)])


def reachable(app: AppTest, page: str) -> bool:
    try:
        app.switch_page(page)
    except ValueError:  # "Could not find a navigation page": not offered to this user
        return False
    app.run()
    assert not app.exception, app.exception
    return True


def test_accounts_keep_only_a_hash_and_verify_enable_disable_and_reset(tmp_path):
    database = tmp_path / "city.duckdb"
    accounts.add(database, "wang", PASSWORD, ["duty"])
    kept = accounts.path_for(database)
    assert PASSWORD not in kept.read_text() and "$argon2id$" in kept.read_text()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert accounts.verify(database, "wang", PASSWORD).roles == ["duty"]
    assert accounts.verify(database, "wang", "guess") is None and accounts.verify(database, "li", PASSWORD) is None
    with pytest.raises(ValueError, match="exists"):
        accounts.add(database, "wang", "x", ["viewer"])
    with pytest.raises(ValueError, match="role"):
        accounts.add(database, "li", "x", ["root"])
    accounts.disable(database, "wang")
    assert accounts.verify(database, "wang", PASSWORD) is None and accounts.configured(database)
    accounts.reset(database, "wang", "new one", ["manager"], ["朝阳区"])
    assert accounts.verify(database, "wang", PASSWORD) is None
    assert accounts.verify(database, "wang", "new one").districts == ["朝阳区"]


def test_the_accounts_command_adds_lists_disables_and_is_audited(tmp_path):
    database = tmp_path / "city.duckdb"

    def command(*args: str, typed: str = "") -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "data.accounts", "--db", str(database), *args], input=typed,
                              capture_output=True, text=True, cwd=ROOT)

    assert command("add", "zhao", "--role", "manager", "--district", "海淀区", "--password-stdin",
                   typed=PASSWORD + "\n").returncode == 0
    assert accounts.verify(database, "zhao", PASSWORD).districts == ["海淀区"]
    assert command("disable", "zhao").returncode == 0
    listed = command("list").stdout
    assert "zhao\tmanager\t海淀区\tdisabled" in listed and PASSWORD not in listed
    refused = command("add", "zhao", "--password-stdin", typed="x\n")
    assert refused.returncode == 2 and refused.stderr.strip() == "accounts: account 'zhao' exists: use reset to " \
                                                                 "change its password or roles"
    assert [(e["action"], json.loads(e["details"])["change"]) for e in audit.read(database).reverse().to_dicts()] == [
        ("account", "add"), ("account", "disable")]


def test_failed_logins_wait_longer_each_time_per_account_and_per_client():
    now = [0.0]
    throttle = auth.Throttle(failures=3, seconds=10, clock=lambda: now[0])
    for _ in range(2):
        throttle.failure("account:wang", "client:1.2.3.4")
    assert throttle.wait("account:wang", "client:1.2.3.4") == 0
    throttle.failure("account:wang", "client:1.2.3.4")
    assert throttle.wait("account:wang", "client:5.6.7.8") == 10  # the account waits, from any address
    assert throttle.wait("account:li", "client:1.2.3.4") == 10  # and the address, for any account
    assert throttle.wait("account:li", "client:5.6.7.8") == 0
    now[0] = 10
    throttle.failure("account:wang")
    assert throttle.wait("account:wang") == 20  # doubled
    throttle.success("account:wang")
    assert throttle.wait("account:wang") == 0


def test_a_local_login_round_trip_is_audited_and_throttled(city, monkeypatch):
    accounts.add(city, "wang", PASSWORD, ["duty"])
    app = AppTest.from_file(APP, default_timeout=120).run()
    assert [title.value for title in app.title] == ["登录"] and not app.metric, "nothing but the login page"
    log_in(app, "wang", "guess")
    assert [error.value for error in app.error] == ["账号或密码不对"] and not app.metric
    log_in(app, "wang")
    assert app.metric and "wang · 值班员" in shown(app)
    next(button for button in app.sidebar.button if button.label == "退出登录").click().run()
    assert [title.value for title in app.title] == ["登录"]
    events = audit.read(city).reverse().select("user", "role", "action").rows()
    assert events == [("wang", "", "login_failed"), ("wang", "duty", "login"), ("wang", "duty", "logout")]

    monkeypatch.setenv("CITYOPS_LOGIN_FAILURES", "2")
    auth.throttle.clear()
    for _ in range(2):
        log_in(app, "wang", "guess")
    log_in(app, "wang")  # the right password, too soon: not even checked
    assert app.error[0].value.startswith("登录失败次数过多") and not app.metric
    assert audit.read(city)["action"].head(1).to_list() == ["login_failed"]
    assert json.loads(audit.read(city)["details"][0])["reason"] == "throttled"


def test_a_disabled_account_is_logged_out_at_its_next_click(city):
    app = as_role(city, "viewer")
    assert app.metric
    accounts.disable(city, "viewer")
    app.run()
    assert [title.value for title in app.title] == ["登录"]


def test_without_any_login_the_dashboard_is_read_only_and_says_how_to_log_in(city):
    app = AppTest.from_file(APP, default_timeout=120).run()
    assert app.metric and "python -m data.accounts add" in shown(app)
    assert not reachable(app, "views/admin.py") and not reachable(app, "views/audit.py")
    assert reachable(app, "views/warnings.py") and not [b for b in app.button if b.key and b.key.startswith("warn_")]
    assert reachable(app, "views/incidents.py")
    assert "emergency_toggle" not in {toggle.key for toggle in app.get("toggle")}


@pytest.mark.parametrize("roles,acts,imports", [(("viewer",), False, False), (("duty",), True, False),
                                                (("admin",), False, True), (("duty", "admin"), True, True)])
def test_each_role_sees_and_does_exactly_its_part(city, roles, acts, imports):
    app = as_role(city, *roles)
    assert reachable(app, "views/admin.py") == imports
    assert reachable(app, "views/accounts.py") == imports and reachable(app, "views/audit.py") == imports
    assert reachable(app, "views/warnings.py")
    assert bool([b for b in app.button if b.key == "warn_acknowledged"]) == acts
    assert reachable(app, "views/incidents.py")
    assert ("emergency_toggle" in {toggle.key for toggle in app.get("toggle")}) == acts


def test_a_claim_names_roles_as_a_list_or_a_string_and_an_unknown_role_reads():
    assert auth.known_roles(auth.listed(["duty", "admin"])) == ("duty", "admin")
    assert auth.known_roles(auth.listed("duty, manager")) == ("duty", "manager")
    assert auth.known_roles(auth.listed(["superuser"])) == ("viewer",) == auth.known_roles(auth.listed(None))
    manager = auth.User("zhao", ("manager", "duty"), SCOPE, via="oidc")
    assert manager.scope == SCOPE and manager.can("act") and not manager.can("import")
    assert auth.User("wall:1", ("admin",), via="wall").can("import") is False  # a wall never acts, whatever it says


def received(con, start: datetime, until: datetime, districts: tuple[str, ...]) -> dict[str, int]:
    """Requests per district, counted straight from the table."""
    return dict(con.execute("select district, count(*) from requests where received_at >= ? and received_at <= ? "
                            "and list_contains(?, district) group by all", [start, until, list(districts)]).fetchall())


def test_a_scope_holds_every_panel_to_the_districts(con, cursor, clock):
    start = clock.date() - timedelta(days=89)
    scoped = Filter(start, clock.date() + timedelta(days=1), scope=SCOPE)
    counted = received(con, datetime.combine(start, datetime.min.time()), clock, SCOPE)
    by_district = queries.run(cursor, "rates_by", scoped, clock, level="district")
    assert dict(by_district.select("name", "received").rows()) == counted
    assert queries.run(cursor, "headline_rates", scoped, clock)["received"][0] == sum(counted.values())
    raw = queries.run(cursor, "rates_by", scoped, clock, rollups=False, level="district")
    assert_frame_equal(by_district, raw)
    outside = Filter(scoped.start, scoped.end, districts=("延庆区",), scope=SCOPE)  # choosing past the scope
    assert queries.run(cursor, "headline_rates", outside, clock)["received"].sum() == 0
    assert queries.run(cursor, "ticket", Filter(start, start, scope=SCOPE), clock, ticket=con.execute(
        "select request_id from requests where district = '延庆区' limit 1").fetchone()[0]).is_empty()
    for name, extra, column in [
            ("ticket_list", {"limit": 10**6}, "district"), ("incident_list", {"limit": 10**6}, "district"),
            ("map_boundaries", {"level": "district"}, "name"), ("map_areas", {"level": "street"}, None),
            ("forecast_by_district", {}, "name"), ("overdue_requests", {"limit": 10**6}, None),
            ("warning_list", {"acted_ids": [], "acted_status": [], "active": False, "limit": 10**6}, "district"),
            ("rectification_list", {"month": clock.date().replace(day=1) - timedelta(days=1)}, "district")]:
        rows = queries.run(cursor, name, scoped, clock, **extra)
        whole = queries.run(cursor, name, Filter(scoped.start, scoped.end), clock, **extra)
        assert rows.height < whole.height or whole.is_empty(), name
        if column and column in rows.columns:
            assert set(rows[column].drop_nulls()) <= set(SCOPE), name
    choices = queries.run(cursor, "filter_choices", Filter(start, start, scope=SCOPE), clock)
    assert set(choices.filter(dimension="district")["value"]) == set(SCOPE)
    streets = {street for street, in con.execute("select street from streets where list_contains(?, district)",
                                                 [list(SCOPE)]).fetchall()}
    assert set(choices.filter(dimension="street")["value"]) == streets


def test_a_scope_equals_the_city_with_every_other_district_deleted(city_path, tmp_path, clock):
    """The independent computation: a copy holding only the scope's rows, read without a scope."""
    copy = tmp_path / "only.duckdb"
    copy.write_bytes(city_path.read_bytes())
    with duckdb.connect(str(copy)) as writer:
        for name, in writer.execute("select distinct table_name from duckdb_columns() where column_name = "
                                    "'district' and schema_name = 'main'").fetchall():
            kept = "district is null or " if name == "units" else ""  # a city department is no place
            writer.execute(f'delete from "{name}" where not coalesce({kept}list_contains(?, district), false)',
                           [list(SCOPE)])
        for name, rule in queries.THROUGH.items():
            writer.execute(f'delete from "{name}" where not ({rule})')
    full, only = duckdb.connect(str(city_path), read_only=True), duckdb.connect(str(copy), read_only=True)
    whole, trimmed = queries.prepare(full), queries.prepare(only)
    start = clock.date() - timedelta(days=59)
    flt = Filter(start, clock.date() + timedelta(days=1))
    for name, extra in [("headline_rates", {}), ("rates_by", {"level": "street"}),
                        ("requests_trend", {"bucket": "day"}), ("top_topics", {"level": "subcategory", "limit": 10}),
                        ("channels_and_kinds", {}), ("open_now", {}), ("whistles", {}), ("map_cells", {}),
                        ("incident_alerts", {}), ("open_incidents_by_severity", {}), ("filter_choices", {}),
                        ("map_boundaries", {"level": "street"}), ("unit_quality", {"level": "street"}),
                        ("incident_lifecycle", {"level": "type"})]:
        assert_frame_equal(queries.run(whole, name, replace(flt, scope=SCOPE), clock, **extra),
                           queries.run(trimmed, name, flt, clock, **extra), check_row_order=False), name
    full.close()
    only.close()


def test_every_table_is_scoped_or_named_citywide(con):
    tables = {name for name, in con.execute("select table_name from duckdb_tables() where schema_name = 'main'")
              .fetchall()}
    placed = {name for name, in con.execute("select distinct table_name from duckdb_columns() where column_name = "
                                            "'district' and schema_name = 'main'").fetchall()}
    assert tables - placed - set(queries.THROUGH) - queries.CITYWIDE == set()


def test_a_manager_sees_only_their_districts_in_choices_panels_exports_and_bulletins(city, con):
    app = as_role(city, "manager", districts=SCOPE)
    assert "manager · 区负责人 · 朝阳区、海淀区" in shown(app)
    assert app.sidebar.multiselect(key="f_districts").options == list(SCOPE)
    clock = shown_clock(app)
    start = datetime.combine(clock.date() - timedelta(days=29), datetime.min.time())
    assert metric(app, "受理诉求") == f"{received_in(con, start, clock, list(SCOPE)):,}"
    app.switch_page("views/requests.py").run()
    listed = [frame.value for frame in app.dataframe if "district" in frame.value.columns]
    assert listed, "the ticket list, whose rows are also what its export writes"
    for rows in listed:
        assert set(rows["district"].dropna()) <= set(SCOPE)
    app.switch_page("views/bulletins.py").run()
    assert not app.exception and "朝阳区" in shown(app)
    html = app.get("iframe")[0].proto.srcdoc
    assert "朝阳区" in html and "延庆区" not in html and "西城区" not in html and "海淀区" not in html


def test_a_wall_key_opens_read_only_until_revoked(city):
    key = accounts.create_key(city, "大屏一号", "admin")
    accounts.add(city, "someone", PASSWORD, ["admin"])  # login is configured: without the key, the login page
    app = AppTest.from_file(APP, default_timeout=120)
    app.query_params.update({"wall": "1", "key": key})
    app.run()
    assert not app.exception and app.metric
    assert not reachable(app, "views/admin.py")
    del app.query_params["key"]  # a rotating wall's page switch clears the URL: the session keeps the key
    assert app.run().metric
    digest = next(iter(accounts.load(city)[1]))
    accounts.revoke_key(city, digest)
    app.run()
    assert [error.value for error in app.error] == ["大屏密钥无效或已被撤销"] and not app.metric
    stranger = AppTest.from_file(APP, default_timeout=120)
    stranger.query_params.update({"wall": "1", "key": "guessed"})
    assert not stranger.run().metric


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)")
def test_an_oidc_login_round_trip_in_chromium(city, tmp_path):
    """Streamlit's st.login against a local provider: roles and districts from the ID token, audited, and out."""
    from oidc_provider_mock import User as Person
    from oidc_provider_mock import run_server_in_thread

    people = [Person(sub="duty1", claims={"email": "duty1@city.example", "roles": ["duty"]}),
              Person(sub="mgr1", claims={"email": "mgr1@city.example", "roles": ["manager"], "districts": ["朝阳区"]})]
    port = free_port()
    base = f"http://localhost:{port}"  # the host the browser uses, in redirect_uri too
    with run_server_in_thread(free_port(), user_claims=people) as provider:
        secrets = tmp_path / "secrets.toml"
        secrets.write_text(f'''[auth]
redirect_uri = "{base}/oauth2callback"
cookie_secret = "{'x' * 32}"
client_id = "cityops"
client_secret = "cityops-secret"
server_metadata_url = "http://localhost:{provider.server_port}/.well-known/openid-configuration"
''', encoding="utf-8")
        with serve(city, "--secrets.files", str(secrets), port=port), chromium() as browser:
            for sub, said, acts in (("duty1", "duty1@city.example · 值班员", True),
                                    ("mgr1", "mgr1@city.example · 区负责人 · 朝阳区", False)):
                page = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
                page.goto(base)
                page.get_by_role("button", name="使用 单位统一身份认证 登录").click(timeout=60_000)
                page.locator("input[name=sub]").fill(sub, timeout=30_000)
                page.get_by_role("button", name="Authorize").click()
                page.wait_for_selector("[data-testid=stMetric]", timeout=60_000)
                assert said in page.locator("[data-testid=stSidebar]").inner_text()
                page.goto(f"{base}/warnings")
                page.wait_for_selector("[data-testid=stMetric]", timeout=60_000)
                page.wait_for_function("!document.querySelector('[data-testid=stStatusWidget]')", timeout=60_000)
                assert page.get_by_role("button", name="确认").count() == (1 if acts else 0)
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / f"login-oidc-{sub}.png"))
                page.get_by_role("button", name="退出登录").click()
                page.get_by_role("button", name="End session").click(timeout=60_000)  # the provider's, then back
                page.get_by_role("button", name="使用 单位统一身份认证 登录").wait_for(timeout=60_000)
                page.context.close()
    events = audit.read(city).reverse().select("user", "role", "action").rows()
    assert ("duty1@city.example", "duty", "login") in events and ("mgr1@city.example", "manager", "logout") in events
