"""The one refresh pipeline, its command and its old name, and the layers it keeps apart."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
from polars.testing import assert_frame_equal

from data import db
from data.analytics import schedule

ROOT = Path(__file__).resolve().parent.parent
ORDER = "day, district, street, unit, category, subcategory"


def rollup(path: Path) -> object:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(f"select * from rollup_requests_fine order by {ORDER}").pl()


def command(*args: str | Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env=env)


def test_the_command_rebuilds_the_rollups_the_generator_built(city_path, tmp_path):
    copy = tmp_path / "city.duckdb"
    copy.write_bytes(city_path.read_bytes())
    with duckdb.connect(str(copy)) as con:
        con.execute("delete from rollup_requests_fine")
    done = command("data.refresh", "--db", str(copy), "--steps", "rollups")
    assert done.returncode == 0, done.stderr
    assert_frame_equal(rollup(copy), rollup(city_path))
    assert not list(tmp_path.glob("city.duckdb.*-*")), "the work file is gone"


def test_the_old_analytics_command_recomputes_the_warnings(city_path, tmp_path):
    copy = tmp_path / "city.duckdb"
    copy.write_bytes(city_path.read_bytes())
    with duckdb.connect(str(copy)) as con:
        con.execute("delete from warnings")
    done = command("queries.analytics", "--db", str(copy))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("analytics: warnings=")
    query = "select warning_id, kind, level, first_seen from warnings order by warning_id"
    with duckdb.connect(str(copy), read_only=True) as again, duckdb.connect(str(city_path), read_only=True) as made:
        assert_frame_equal(again.execute(query).pl(), made.execute(query).pl())


def test_an_unknown_step_fails_in_one_line_and_leaves_the_file(city_path, tmp_path):
    copy = tmp_path / "city.duckdb"
    copy.write_bytes(city_path.read_bytes())
    before = copy.read_bytes()
    done = command("data.refresh", "--db", str(copy), "--steps", "rollups,everything")
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "everything" in done.stderr
    assert copy.read_bytes() == before


def test_the_query_layer_imports_no_other_layer_and_data_no_dashboard():
    for package, forbidden in (("queries", {"data", "dashboard"}), ("data", {"dashboard"})):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else []
                assert not {name.split(".")[0] for name in names} & forbidden, (path, names)


def test_two_imports_started_together_both_land(tmp_path):
    from tests.test_ingest import nyc_rows, write_csv

    target = tmp_path / "city.duckdb"
    files = [write_csv(tmp_path / f"batch{i}.csv", nyc_rows(40_000, start=1 + i * 100_000)) for i in range(2)]
    processes = [subprocess.Popen([sys.executable, "-m", "data.ingest", str(path), "--db", str(target)],
                                  cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for path in files]
    outputs = [process.communicate(timeout=600) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    loaded = [int(out.decode().rsplit("loaded=", 1)[1].split()[0]) for out, _ in outputs]
    with duckdb.connect(str(target), read_only=True) as con:
        stored = con.execute("select count(*), count(distinct request_id) from requests").fetchone()
        imports = con.execute("select count(*) from imports").fetchone()[0]
    assert stored == (sum(loaded), sum(loaded)) and imports == 2
    assert not list(tmp_path.glob("city.duckdb.*-*")), "no work file left behind"


def test_an_import_leaves_the_analytics_to_their_schedule_which_runs_them_once_when_due(city_path, tmp_path):
    from tests.test_ingest import nyc_rows, write_csv

    copy = tmp_path / "city.duckdb"
    copy.write_bytes(city_path.read_bytes())
    query = "select warning_id, computed_at from warnings order by warning_id"
    with duckdb.connect(str(copy), read_only=True) as con:
        warnings_before = con.execute(query).fetchall()
    assert command("data.ingest", write_csv(tmp_path / "batch.csv", nyc_rows(30)), "--db", str(copy)).returncode == 0
    with duckdb.connect(str(copy), read_only=True) as con:
        assert con.execute(query).fetchall() == warnings_before, "the import ran no analytics"
        stamps = dict(con.execute("select key, value from meta").fetchall())
    assert stamps["changed_at"] != stamps["analytics_of"]
    assert not schedule.due(stamps, datetime.fromisoformat(stamps["analytics_at"]) + timedelta(minutes=14))
    assert schedule.due(stamps, datetime.fromisoformat(stamps["analytics_at"]) + timedelta(minutes=15))
    soon = {**os.environ, "CITYOPS_ANALYTICS_MINUTES": "0.001"}
    due = [command("data.refresh", "--db", str(copy), "--steps", "analytics", "--if-due", env=soon) for _ in range(2)]
    assert due[0].stdout.startswith("analytics: warnings=") and due[1].stdout == "", "once, then not due"
    with duckdb.connect(str(copy), read_only=True) as con:
        after = dict(con.execute("select key, value from meta").fetchall())
        assert con.execute("select min(computed_at) from warnings").fetchone()[0] > warnings_before[0][1]
    assert after["analytics_of"] == after["changed_at"] == stamps["changed_at"]


def test_the_analytics_step_aside_for_an_import_between_their_steps(city_path, tmp_path, monkeypatch):
    from data.analytics import run

    copy = tmp_path / "city.duckdb"
    copy.write_bytes(city_path.read_bytes())
    batch = tmp_path / "batch.csv"
    with duckdb.connect(str(copy), read_only=True) as con:  # the city's own rows under new ids
        con.execute(f"copy (select 'NEW-' || request_id as request_id, * exclude (request_id) from requests "
                    f"order by request_id limit 30) to {db.literal(batch)} (header)")
    imports = []
    original = run.forecast.build_forecast

    def forecast_while_an_import_waits(con):
        imports.append(subprocess.Popen([sys.executable, "-m", "data.ingest", str(batch), "--db", str(copy)],
                                        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        deadline = datetime.now() + timedelta(seconds=60)
        while not db.busy(copy) and datetime.now() < deadline:
            pass
        return original(con)

    monkeypatch.setattr(run.forecast, "build_forecast", forecast_while_an_import_waits)
    done = run.beside(copy)
    out, err = imports[0].communicate(timeout=300)
    assert imports[0].returncode == 0 and "loaded=30 " in out, err
    assert not done.failed
    with duckdb.connect(str(copy), read_only=True) as con:
        assert con.execute("select count(*) from requests where request_id like 'NEW-%'").fetchone()[0] == 30
        assert con.execute("select count(*) from warnings").fetchone()[0] == done.warnings
