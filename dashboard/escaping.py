"""Text from outside (the data, a URL) made safe to put inside a markdown line.

Streamlit renders markdown: a request text holding ![x](http://host/beacon) would make every viewer's browser
fetch that address, and a street name holding **, [ or # would change the page. Every character markdown may
read is escaped, so the text shows as it came.
"""

from __future__ import annotations

import re

MARKDOWN = re.compile(r"([!-/:-@\[-`{-~])")  # ASCII punctuation, each of which markdown may read


def plain(text: object) -> str:
    return "" if text is None else MARKDOWN.sub(r"\\\1", str(text))


def one_line(text: object) -> str:
    """Text from outside in a Markdown line or table cell: escaped, and its line breaks made spaces."""
    return " ".join(plain(text).split())
