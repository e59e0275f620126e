"""Every setting is in the README with its default and meaning, the README lists no other, only the registry reads
the environment for them, and the thresholds (severe, late, active) are written once and counted as they say."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import polars as pl

import queries
from queries import Filter, settings
from queries.settings import SETTINGS

ROOT = Path(__file__).resolve().parent.parent


def shown(default: object) -> str:
    if default is None:
        return "none"
    if isinstance(default, Path):
        return f"`{default.as_posix()}`"
    return f"{default:g}" if isinstance(default, float) else str(default)


def readme_rows() -> dict[str, tuple[str, str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return {name: (default, meaning)
            for name, default, meaning in re.findall(r"^\| `(CITYOPS_\w+)` \| (.*?) \| (.*) \|$", readme, re.M)}


def test_every_setting_is_in_the_readme_with_its_default():
    documented = readme_rows()
    for setting in SETTINGS.values():
        assert documented.get(setting.env) == (shown(setting.default), setting.meaning), f"{setting.env} undocumented"


def test_the_readme_documents_only_settings_of_the_registry():
    assert len(readme_rows()) >= 10
    assert set(readme_rows()) <= set(SETTINGS)


def test_only_the_registry_reads_the_environment_for_a_setting():
    readers = re.compile(r"environ(?:\.get)?\(\s*\"CITYOPS_|environ\[\"CITYOPS_|getenv\(\"CITYOPS_|\"CITYOPS_\w+\":")
    code = [path for folder in ("dashboard", "data", "queries") for path in (ROOT / folder).rglob("*.py")]
    found = [path.relative_to(ROOT).as_posix() for path in code if readers.search(path.read_text(encoding="utf-8"))]
    assert found == []


def test_a_setting_is_read_from_the_environment_when_asked(monkeypatch, tmp_path):
    monkeypatch.setenv("CITYOPS_DB", str(tmp_path / "x.duckdb"))
    monkeypatch.setenv("CITYOPS_DEMO_REQUESTS", "4000.0")
    assert (settings.value("CITYOPS_DB"), settings.value("CITYOPS_DEMO_REQUESTS")) == (tmp_path / "x.duckdb", 4000)
    monkeypatch.setenv("CITYOPS_DB", "")
    assert settings.value("CITYOPS_DB") == ROOT / "data" / "city.duckdb"


def test_the_module_values_come_from_the_environment_at_import():
    code = "from queries import settings; print(settings.LIST_ROWS, settings.INCIDENT_LATE_HOURS, settings.TILE_URL)"
    env = {"CITYOPS_LIST_ROWS": "7", "CITYOPS_INCIDENT_LATE_HOURS": "6", "CITYOPS_TILE_URL": "http://t/{z}"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["7", "6", "http://t/{z}"]


def test_no_threshold_is_written_out_twice():
    written = re.compile(r"severity\W*>=\s*\d|to_(?:hours|days)\(\$(?:late_hours|active_days)")
    code = [path for folder in ("dashboard", "data", "queries") for suffix in ("py", "sql")
            for path in (ROOT / folder).rglob(f"*.{suffix}")]
    assert [path.name for path in code if written.search(path.read_text(encoding="utf-8"))] == []


def test_the_alert_strip_counts_severe_and_late_incidents_by_the_thresholds(cursor, clock):
    incidents = cursor.execute("select * from incidents").pl()
    last_severe = incidents.filter(pl.col("severity") >= 3)["detected_at"].max()  # a moment with one open
    seen = {"severe_open": 0, "late": 0}
    for t in (clock, last_severe + timedelta(minutes=1)):
        flt = Filter(t.date() - timedelta(days=30), t.date() + timedelta(days=1))
        counts = queries.run(cursor, "incident_alerts", flt, t).row(0, named=True)
        rows = incidents.filter(pl.col("detected_at") <= t, pl.col("closed_at").is_null() | (pl.col("closed_at") > t))
        late_from = t - timedelta(hours=settings.INCIDENT_LATE_HOURS)
        expected = {"open": rows.height, "severe_open": rows.filter(pl.col("severity") >= 3).height,
                    "late": rows.filter(pl.col("detected_at") < late_from).height}
        assert counts == expected
        seen = {key: seen[key] + counts[key] for key in seen}
    assert min(seen.values()) > 0


def test_a_warning_is_active_for_the_set_days(cursor, clock):
    flt = Filter(clock.date() - timedelta(days=30), clock.date() + timedelta(days=1))
    listed = queries.run(cursor, "warning_list", flt, clock, active=True, limit=10**6, acted_ids=[], acted_status=[])
    alerts = queries.run(cursor, "warning_alerts", flt, clock, active=True, acted_ids=[],
                         acted_status=[]).row(0, named=True)
    since = clock.date() - timedelta(days=settings.WARNING_ACTIVE_DAYS)
    active = cursor.execute("select * from warnings").pl().filter(pl.col("last_seen") >= since)
    assert sorted(listed["warning_id"]) == sorted(active["warning_id"])
    assert alerts["active"] == active.filter(pl.col("status") != "closed").height > 0
