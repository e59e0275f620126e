"""Analytics beside the query layer: early warnings (未诉先办), the volume forecast, topics (每月一题).

They read the request rows, write their own tables, and are run after a
generation or an import, or on demand (``python -m queries.analytics``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent


@cache
def sql(name: str) -> str:
    return (HERE / f"{name}.sql").read_text(encoding="utf-8")
