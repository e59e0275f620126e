"""Every setting is in the README with its default and meaning, the README lists no other, and only the registry
reads the environment for them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from queries import settings
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
