"""The real thing: every page in headless Chromium at 1920×1080, on the desk and on the wall.

Screenshots go to test-artifacts/ (kept out of git), one per page and mode.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dashboard.first_paint import CHROMIUM, PAGES, chromium, first_paint, serve

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
TILES = {"": 9, "requests": 5, "incidents": 3, "evaluation": 4}  # KPI tiles each page shows at least

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists() or shutil.which("chromium") is None,
                                reason="Debian's chromium is not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
def browser(city_path):
    with serve(city_path) as url, chromium() as driver:
        yield url, driver


@pytest.mark.parametrize("mode", ["", "?wall=1"])
@pytest.mark.parametrize("path", list(PAGES))
def test_page_renders_in_chromium(browser, path, mode):
    url, driver = browser
    context = driver.new_context(viewport={"width": 1920, "height": 1080})
    _, page = first_paint(context, f"{url}/{path}{mode}")
    page.wait_for_function("!document.querySelector('[data-testid=stStatusWidget]')", timeout=60_000)
    assert page.locator("[data-testid=stException]").count() == 0
    assert PAGES[path] in page.locator("[data-testid=stMain]").inner_text()
    page.wait_for_function(f"document.querySelectorAll('[data-testid=stMetric]').length >= {TILES[path]}",
                           timeout=60_000)  # a busy server may finish the status widget before every tile
    assert page.locator("[data-testid=stSidebar]").is_visible() == (mode == "")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{path or 'overview'}{'-wall' if mode else ''}.png"), full_page=True)
    context.close()


def test_a_bulletin_shows_chinese_text_in_chromium(browser, con, tmp_path):
    from datetime import timedelta

    import queries
    from dashboard import bulletin

    day = queries.clock(queries.prepare(con)).date() - timedelta(days=2)
    html, _ = bulletin.make_text(con, "week", day, None, "zh")
    path = tmp_path / "bulletin.html"
    path.write_text(html, encoding="utf-8")
    page = browser[1].new_page(viewport={"width": 1000, "height": 1400})
    page.goto(path.as_uri())
    assert page.evaluate("document.fonts.check('16px \"Noto Sans CJK SC\"', '全市共受理诉求')")
    assert "全市共受理诉求" in page.locator("[data-narrative]").inner_text()
    assert page.locator("figure svg").count() >= 2
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "bulletin-week.png"), full_page=True)


def test_the_wall_map_draws_its_boundaries_offline(browser):
    """Every request the page makes stays on the dashboard's own server; the deck canvas is drawn."""
    from io import BytesIO

    from PIL import Image

    url, driver = browser
    context = driver.new_context(viewport={"width": 1920, "height": 1080})
    outside = []

    def only_ours(route):
        if route.request.url.startswith((url, "data:", "blob:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_ours)
    page = context.new_page()
    page.goto(f"{url}/?wall=1")
    page.wait_for_selector("[data-testid=stDeckGlJsonChart] canvas", timeout=60_000)
    page.wait_for_timeout(3000)
    chart = page.locator("[data-testid=stDeckGlJsonChart]")
    ARTIFACTS.mkdir(exist_ok=True)
    image = Image.open(BytesIO(chart.screenshot(path=str(ARTIFACTS / "map-wall.png")))).convert("RGB")
    pixels = list(image.get_flattened_data())
    background = (10, 22, 38)  # dashboard/static/dark.json
    drawn = sum(1 for p in pixels if max(abs(a - b) for a, b in zip(p, background)) > 30) / len(pixels)
    outline = sum(1 for r, g, b in pixels if r > 150 and g > 180 and b > 210)  # the pale blue district lines
    assert drawn > 0.08, f"only {drawn:.1%} of the map is drawn"
    assert outline > 300, "no district boundaries"
    assert outside == [], f"the page reached outside: {outside[:5]}"
    context.close()


def test_a_ticket_link_and_a_quiet_feed_in_chromium(browser, city_path, con, monkeypatch):
    """A pasted ticket link opens its life cycle; with a zero-minute quiet allowance the line turns amber."""
    row = con.execute("select request_id from requests where callback_at is not null order by request_id limit 1").fetchone()
    monkeypatch.setenv("CITYOPS_STALE_MINUTES", "-1")
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(city_path) as url:  # a server of its own, reading the setting; the module's browser
        context = browser[1].new_context(viewport={"width": 1600, "height": 1000})
        for path, name in ((f"requests?ticket={row[0]}", "requests-ticket"), ("?wall=1", "overview-wall-quiet")):
            _, page = first_paint(context, f"{url}/{path}")
            page.wait_for_function("!document.querySelector('[data-testid=stStatusWidget]')", timeout=60_000)
            assert page.locator("[data-testid=stException]").count() == 0
            assert page.locator("[data-testid=stCaptionContainer] .stMarkdownBadge").first.is_visible()
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
            if name == "requests-ticket":  # the times themselves are in a canvas grid: tests/test_pages.py reads them
                assert page.locator("[data-testid=stText]").first.inner_text().startswith(row[0])
        context.close()
