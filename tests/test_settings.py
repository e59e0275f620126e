"""Every setting is documented in the README, with its default."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_in_the_readme_with_its_default():
    source = (ROOT / "dashboard" / "settings.py").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.findall(r'_(?:number|text)\("(CITYOPS_[A-Z_]+)", "?([^")]*)"?\)', source)
    assert len(found) >= 8
    for name, default in found:
        shown = re.escape(default) if default else "(none|—)"
        assert re.search(rf"\| `{name}` \| {shown} \|", readme), f"{name} (default {default or 'none'}) undocumented"
