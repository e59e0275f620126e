"""Every setting is documented in the README, with its default."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_in_the_readme_with_its_default():
    source = (ROOT / "dashboard" / "settings.py").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.findall(r'_number\("(CITYOPS_[A-Z_]+)", ([\d.]+)\)', source)
    assert len(found) >= 7
    for name, default in found:
        assert re.search(rf"\| `{name}` \| {re.escape(default)} \|", readme), f"{name} (default {default}) undocumented"
