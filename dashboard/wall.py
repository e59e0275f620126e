"""Wall mode (?wall=1): no sidebar, type sized for 1920×1080 and 3840×2160, a clock, live refresh, page rotation."""

from __future__ import annotations

import time

import streamlit as st

from dashboard.i18n import t
from queries import settings

DARK = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
header[data-testid="stHeader"], [data-testid="stToolbar"] {display: none !important;}
html {font-size: clamp(16px, 0.94vw, 40px);}
.stApp {background: #07111f;}
[data-testid="stMainBlockContainer"] {padding: 0.8rem 1.6rem 1rem 1.6rem; max-width: 100%;}
.stApp, .stApp p, .stApp label, .stApp h1, .stApp h2, .stApp h3, .stApp h4, .stApp th, .stApp td,
[data-testid="stMarkdownContainer"] {color: #dce6f2;}
.stApp th, .stApp td {background: #0d1b2e !important; border-color: #1f3656 !important;}
[data-testid="stCaptionContainer"] p {color: #8fa3bf;}
[data-testid="stCaptionContainer"] .stMarkdownBadge {background-color: #f59e0b !important; color: #1f1300 !important;
    font-weight: 600;}
[data-testid="stMetric"] {background: transparent;}
[data-testid="stMetricValue"] {font-size: 2.4rem; color: #ffffff;}
[data-testid="stMetricLabel"] p {font-size: 1.05rem;}
[data-testid="stMetricDelta"] {background: #12263f !important;}
[data-testid="stMetricDelta"] p, [data-testid="stMetricDelta"] div {color: inherit !important;}
.stApp button {background: #0d1b2e; color: #dce6f2; border-color: #1f3656;}
.stApp button p {color: inherit;}
[data-testid="stVerticalBlock"]:has(> [data-testid="stElementContainer"] > [data-testid="stMetric"])
    {background: #0d1b2e; border-color: #1f3656 !important;}
</style>
"""

CLOCK = """
<div style="text-align:right;font-family:'Noto Sans CJK SC',sans-serif;color:#dce6f2;line-height:1.15">
  <div id="wall-clock" style="font-size:2.2rem;font-weight:700;letter-spacing:0.04em"></div>
  <div id="wall-date" style="font-size:0.95rem;color:#8fa3bf"></div>
</div>
<script>
(function tick() {
  const now = new Date(), pad = n => String(n).padStart(2, "0");
  const clock = document.getElementById("wall-clock"), day = document.getElementById("wall-date");
  if (!clock) return;
  clock.textContent = pad(now.getHours()) + ":" + pad(now.getMinutes()) + ":" + pad(now.getSeconds());
  day.textContent = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
  setTimeout(tick, 1000 - now.getMilliseconds());
})();
</script>
"""


def on() -> bool:
    """Whether this session is a wall screen (decided once, from the URL)."""
    if "wall" not in st.session_state:
        st.session_state.wall = st.query_params.get("wall") == "1"
    return st.session_state.wall


def dress() -> None:
    st.html(DARK)


def header(title: str, subtitle: str) -> None:
    """The wall screen's title bar: what it shows on the left, the clock on the right."""
    left, right = st.columns([5, 1.2], vertical_alignment="bottom")
    left.markdown(f"## {title}")
    left.caption(subtitle)
    with right:
        st.html(CLOCK, unsafe_allow_javascript=True)


def rotate(pages: list[st.Page]) -> None:
    """With ?rotate=1, move to the next page every ROTATE_SECONDS."""
    if not on() or st.query_params.get("rotate") != "1" or len(pages) < 2:
        return

    @st.fragment(run_every=settings.ROTATE_SECONDS)
    def turn() -> None:
        shown_since = st.session_state.setdefault("rotation_since", time.monotonic())
        if time.monotonic() - shown_since >= settings.ROTATE_SECONDS * 0.9:
            st.session_state.rotation_since = time.monotonic()
            current = st.session_state.get("rotation_page", 0)
            st.session_state.rotation_page = (current + 1) % len(pages)
            st.switch_page(pages[st.session_state.rotation_page])

    turn()
    st.caption(t("rotating"))
