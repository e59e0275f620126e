"""python -m dashboard.first_paint --db PATH: how long each page takes to paint in headless Chromium.

Starts `streamlit run` on a free port against the database, opens every page at 1920×1080
(desk and wall mode) and times the way from navigation to the page's first KPI tile or chart: the
first visit of a fresh browser (nothing cached), then the best of the next visits in the same browser
(its static files cached, as on a wall screen or a manager's desk).
The browser tests drive the dashboard through the same serve() and chromium().
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from queries import settings

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
PAGES = {"": "城市运行一网统管", "requests": "接诉即办", "incidents": "城市运行", "evaluation": "综合评价"}
PAINTED = "[data-testid=stMetric], [data-testid=stVegaLiteChart], [data-testid=stDeckGlJsonChart]"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serve(db: str | Path, *options: str, timeout: float = 60, port: int | None = None) -> Iterator[str]:
    """The dashboard on a free port (or this one), reading db, with more streamlit options; yields its base URL."""
    port = port or free_port()
    env = settings.environment(CITYOPS_DB=db)
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"), "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false", *options],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start: {process.stderr.read().decode()[-2000:]}")
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@contextmanager
def chromium():
    """Debian's Chromium, headless, through Playwright (which cannot download its own browsers here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"])
        try:
            yield browser
        finally:
            browser.close()


def first_paint(context, url: str) -> tuple[float, object]:
    """Milliseconds from navigation to the first tile or chart on the page, and the open page."""
    page = context.new_page()
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(PAINTED, timeout=60_000)
    return 1000 * (time.perf_counter() - started), page


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m dashboard.first_paint", description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=str(ROOT / "data" / "city.duckdb"))
    parser.add_argument("--rounds", type=int, default=3, help="visits per page; the first warms the caches")
    args = parser.parse_args(argv)
    worst = 0.0
    with serve(args.db) as url, chromium() as browser:
        print(f"{'page':<24}{'first ms':>10}{'warm ms':>10}")
        for path in PAGES:
            for mode in ("", "?wall=1"):
                times = []
                context = browser.new_context(viewport={"width": 1920, "height": 1080})  # a browser's own cache
                for _ in range(args.rounds):
                    ms, page = first_paint(context, f"{url}/{path}{mode}")
                    times.append(ms)
                    page.close()
                context.close()
                worst = max(worst, min(times[1:] or times))
                print(f"{(path or 'overview') + mode:<24}{times[0]:>10.0f}{min(times[1:] or times):>10.0f}")
    print(f"paint: pages={len(PAGES) * 2} warm_max_ms={worst:.0f}")


if __name__ == "__main__":
    main()
