"""The benchmark runs end to end and ends with its one-line summary (figures are read, not asserted)."""

from __future__ import annotations

import re

from queries import bench


def test_bench_prints_its_summary_line(city_path, capsys):
    bench.main(["--db", str(city_path)])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert re.fullmatch(r"bench: requests=\d+ panels=\d+ p95_max_ms=[\d.]+ page_ms_max=[\d.]+ "
                        r"pandas_ratio_min=[\d.]+ rss_mb=\d+ pandas_rss_mb=\d+", last), last
