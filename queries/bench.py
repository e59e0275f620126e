"""python -m queries.bench: every panel over random filters, beside the usual pandas way.

The pandas way is what most Streamlit dashboards do: load whole tables into
pandas once, then filter and group on every rerun. Each way runs in its own
process so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import date, datetime, timedelta

import duckdb
import numpy as np
import pandas as pd

import queries
from queries import Filter, settings
from queries.page_panels import pages
from queries.settings import LIST_ROWS

FILTERS = 30
DAY = pd.Timedelta(days=1)


def filter_sets(con: duckdb.DuckDBPyConnection, today: date, n: int, seed: int) -> list[Filter]:
    """Filters a manager would pick: a day to a year, mostly the whole city, sometimes a district or a topic."""
    rng = np.random.default_rng(seed)
    districts = [d for d, in con.execute("select district from districts order by district").fetchall()]
    streets = dict(con.execute("select street, district from streets").fetchall())
    categories = [c for c, in con.execute("select distinct category from categories order by 1").fetchall()]
    chosen = []
    for _ in range(n):
        days = int(rng.choice([1, 7, 30, 30, 90, 365]))
        end = today + timedelta(days=1) - timedelta(days=int(rng.choice([0, 0, 0, 7, 30])))
        picked = tuple(rng.choice(districts, size=int(rng.choice([0, 0, 1, 3])), replace=False).tolist())
        street = ()
        if picked and rng.random() < 0.3:
            street = (str(rng.choice([s for s, d in streets.items() if d == picked[0]])),)
        topic = tuple(rng.choice(categories, size=int(rng.choice([0, 0, 0, 1, 2])), replace=False).tolist())
        channel = ("hotline",) if rng.random() < 0.1 else ()
        chosen.append(Filter(end - timedelta(days=days), end, districts=picked, streets=street,
                             categories=topic, channels=channel))
    return chosen


def context(path: str) -> tuple[datetime, date, list[Filter]]:
    with duckdb.connect(path, read_only=True) as con:
        t = queries.clock(con)
        month = con.execute("select max(period) - interval 1 month from indicators").fetchone()[0].date()
        return t, month, filter_sets(con, t.date(), FILTERS, seed=1)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cityops_way(path: str) -> dict:
    t, month, flts = context(path)
    cursor = queries.prepare(duckdb.connect(path, read_only=True))
    panel_ms: dict[str, list[float]] = {}
    rows: dict[str, int] = {}
    page_ms: dict[str, list[float]] = {}
    for page, calls in pages(month).items():
        for flt in flts:
            started = time.perf_counter()
            for name, extra in calls:
                began = time.perf_counter()
                result = queries.run(cursor, name, flt, t, **extra)
                key = name + "".join(f" {v}" for k, v in extra.items() if k in ("level", "bucket"))
                panel_ms.setdefault(key, []).append(1000 * (time.perf_counter() - began))
                rows[key] = max(rows.get(key, 0), result.height)
            page_ms.setdefault(page, []).append(1000 * (time.perf_counter() - started))
    return {"panel_ms": panel_ms, "rows": rows, "page_ms": page_ms, "rss_mb": peak_rss_mb()}


def pandas_way(path: str) -> dict:
    t, month, flts = context(path)
    started = time.perf_counter()
    with duckdb.connect(path, read_only=True) as con:
        con.execute("set enable_progress_bar = false")
        requests, incidents, indicators, population = (load(con, sql) for sql in (
            "select * from requests", "select * from incidents", "select * from indicators",
            "select district, population from districts"))
        cells = tuple(float(queries.meta(con)[key]) for key in ("hex_km", "hex_lat0"))
    load_s = time.perf_counter() - started
    t = pd.Timestamp(t)
    page_ms: dict[str, list[float]] = {}
    for page, draw in (("overview", overview), ("requests", requests_page), ("incidents", incidents_page),
                       ("evaluation", evaluation)):
        for flt in flts:
            began = time.perf_counter()
            if page == "incidents":
                draw(incidents, flt, t)
            elif page == "evaluation":
                draw(indicators, pd.Timestamp(month))
            elif page == "overview":
                draw(requests, incidents, population, cells, flt, t)
            else:
                draw(requests, flt, t)
            page_ms.setdefault(page, []).append(1000 * (time.perf_counter() - began))
    return {"page_ms": page_ms, "load_s": load_s, "rss_mb": peak_rss_mb()}


# The pandas way, panel by panel -------------------------------------------------------------

def load(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    """Through Arrow, the thriftiest way into pandas (DuckDB's .df() makes Python strings: 24 GB at 25 M rows)."""
    return con.execute(sql).arrow().read_all().to_pandas(self_destruct=True, split_blocks=True)


def cut(df: pd.DataFrame, flt: Filter, t: pd.Timestamp, since: date | None = None) -> pd.DataFrame:
    keep = (df["received_at"] >= pd.Timestamp(since or flt.start)) & (df["received_at"] < pd.Timestamp(flt.end)) \
        & (df["received_at"] <= t)
    for column, values in (("district", flt.districts), ("street", flt.streets), ("category", flt.categories),
                           ("channel", flt.channels)):
        if values:
            keep &= df[column].isin(values)
    return df[keep]


def measures(df: pd.DataFrame, t: pd.Timestamp) -> pd.DataFrame:
    window = df["received_at"] + pd.Timedelta(hours=24)
    called = df["callback_at"] <= t
    return pd.DataFrame({
        "received": 1,
        "in_time": df["responded_at"] <= window.clip(upper=t),
        "due": (df["responded_at"] <= t) | (window <= t),
        "called": called, "resolved": called & (df["resolved"] == True),  # noqa: E712
        "satisfied": called & (df["satisfied"] == True),  # noqa: E712
        "on_time": df["handled_at"] <= df["deadline_at"].clip(upper=t),
        "due_handling": (df["handled_at"] <= t) | (df["deadline_at"] <= t),
    }, index=df.index)


def rates(df: pd.DataFrame, t: pd.Timestamp, by: str | pd.Series) -> pd.DataFrame:
    summed = measures(df, t).groupby(df[by] if isinstance(by, str) else by).sum()
    return summed.assign(response_rate=summed["in_time"] / summed["due"],
                         resolution_rate=summed["resolved"] / summed["called"],
                         satisfaction_rate=summed["satisfied"] / summed["called"],
                         on_time_rate=summed["on_time"] / summed["due_handling"])


def headline(df: pd.DataFrame, flt: Filter, t: pd.Timestamp) -> pd.DataFrame:
    span = cut(df, flt, t, since=flt.start - (flt.end - flt.start))
    return rates(span, t, span["received_at"] >= pd.Timestamp(flt.start))


def open_now(df: pd.DataFrame, t: pd.Timestamp) -> tuple[int, int]:
    live = df[(df["received_at"] <= t) & ~(df["handled_at"] <= t)]
    return len(live), int((live["deadline_at"] < t).sum())


def trend(df: pd.DataFrame, flt: Filter, t: pd.Timestamp, freq: str) -> pd.DataFrame:
    span = cut(df, flt, t, since=flt.start - timedelta(days=364))
    current = span["received_at"] >= pd.Timestamp(flt.start)
    shifted = span["received_at"].where(current, span["received_at"] + pd.Timedelta(days=364))
    return span.groupby([shifted.dt.to_period(freq), current]).size().unstack()


def top_topics(df: pd.DataFrame, flt: Filter, t: pd.Timestamp, column: str, limit: int) -> pd.DataFrame:
    span = cut(df, flt, t, since=flt.start - (flt.end - flt.start))
    counts = span.groupby([column, span["received_at"] >= pd.Timestamp(flt.start)]).size().unstack(fill_value=0)
    return counts.reindex(columns=[True, False], fill_value=0).sort_values(True, ascending=False).head(limit)


def open_incidents(df: pd.DataFrame, flt: Filter, t: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    live = df[(df["detected_at"] <= t) & ~(df["closed_at"] <= t)]
    if flt.districts:
        live = live[live["district"].isin(flt.districts)]
    return (live.groupby(["severity", "type"]).size(),
            live.sort_values(["severity", "detected_at"], ascending=[False, True]).head(LIST_ROWS))


def hexagons(df: pd.DataFrame, km: float, lat0: float) -> pd.Series:
    """Requests per map hexagon, binned in numpy the way queries/hexes.sql bins them in DuckDB."""
    x = df["lon"].to_numpy() * np.cos(np.radians(lat0)) * 111.32 / km
    y = df["lat"].to_numpy() * 111.32 / km
    q, r = 2 / 3 * x, -x / 3 + np.sqrt(3) / 3 * y
    rq, rr, rs = np.round(q), np.round(r), np.round(-q - r)
    dq, dr, ds = np.abs(rq - q), np.abs(rr - r), np.abs(rs + q + r)
    far_q = (dq > dr) & (dq > ds)
    cell_q = np.where(far_q, -rr - rs, rq)
    cell_r = np.where(~far_q & (dr > ds), -rq - rs, rr)
    return pd.Series(1, index=df.index).groupby([cell_q, cell_r]).sum()


def overview(requests: pd.DataFrame, incidents: pd.DataFrame, population: pd.DataFrame, cells: tuple[float, float],
             flt: Filter, t: pd.Timestamp) -> None:
    hexagons(cut(requests, flt, t), *cells)
    headline(requests, flt, t)
    open_now(requests, t)
    by_district = rates(cut(requests, flt, t), t, "district")
    by_district.join(population.set_index("district"))
    trend(requests, flt, t, "D")
    top_topics(requests, flt, t, "subcategory", 10)
    open_incidents(incidents, flt, t)


def requests_page(requests: pd.DataFrame, flt: Filter, t: pd.Timestamp) -> None:
    headline(requests, flt, t)
    trend(requests, flt, t, "W")
    period = cut(requests, flt, t)
    period.groupby(["channel", "kind"]).size()
    top_topics(requests, flt, t, "category", 15)
    top_topics(requests, flt, t, "subcategory", 20)
    rates(period, t, "street")
    rates(period, t, "unit")
    everything = cut(requests, Filter(date(1900, 1, 1), flt.end, flt.districts, flt.streets, (), flt.categories,
                                      (), flt.channels), t)
    late = everything[~(everything["handled_at"] <= t) & (everything["deadline_at"] < t)]
    late.sort_values("deadline_at").head(LIST_ROWS)
    period.assign(repeat=period["repeat_of"].notna()).groupby(["street", "subcategory"])["repeat"].agg(["sum", "count"])
    blown = period[(period["whistle"] != "none") & (period["whistle_at"] <= t)]
    hours = (blown["arrived_at"] - blown["whistle_at"]).dt.total_seconds() / 3600
    hours.where(blown["arrived_at"] <= t).groupby(blown["whistle"]).agg(["count", "mean", lambda h: h.quantile(0.9)])


def incidents_page(incidents: pd.DataFrame, flt: Filter, t: pd.Timestamp) -> None:
    open_incidents(incidents, flt, t)
    keep = (incidents["detected_at"] >= pd.Timestamp(flt.start)) & (incidents["detected_at"] < pd.Timestamp(flt.end)) \
        & (incidents["detected_at"] <= t)
    if flt.districts:
        keep &= incidents["district"].isin(flt.districts)
    period = incidents[keep]
    onsite = (period["onsite_at"] - period["detected_at"]).dt.total_seconds() / 60
    closed = (period["closed_at"] - period["detected_at"]).dt.total_seconds() / 3600
    for by in ("type", "severity"):
        pd.DataFrame({"onsite": onsite, "closed": closed, by: period[by]}).groupby(by).agg(
            ["count", "mean", lambda x: x.quantile(0.9)])
    period.groupby([period["detected_at"].dt.floor("D"), "severity"]).size()


def evaluation(indicators: pd.DataFrame, month: pd.Timestamp) -> None:
    this_month = indicators[indicators["period"] == month]
    districts = this_month[this_month["district"].notna()]
    districts.assign(rank=districts.groupby("code")["score"].rank(ascending=False, method="min"))
    districts.groupby(["district", "dimension"])["score"].mean()
    districts[districts["score"] < 100].sort_values("score")


# Report --------------------------------------------------------------------------------------

def cap_memory(gigabytes: float) -> None:
    """Make a way that outgrows its share fail with MemoryError instead of waking the kernel's OOM killer."""
    limit = int(gigabytes * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def in_process(function, path: str, memory_gb: float) -> dict | None:
    """Run one way in a fresh process; None when it runs out of memory."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                             initializer=cap_memory, initargs=(memory_gb,)) as pool:
        try:
            return pool.submit(function, path).result()
        except (BrokenProcessPool, MemoryError, OSError, duckdb.OutOfMemoryException):
            return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m queries.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=str(settings.value("CITYOPS_DB")))
    parser.add_argument("--requests", type=int, help="generate a demo city of this size at --db first")
    parser.add_argument("--memory-gb", type=float, default=12.0, help="address space allowed to each way")
    args = parser.parse_args(argv)
    if args.requests:  # the generator's own command: the query layer imports no other layer
        subprocess.run([sys.executable, "-m", "data.generate", "--db", args.db, "--requests", str(args.requests),
                        "--incidents", str(max(args.requests * 3 // 40, 100))], check=True)
    with duckdb.connect(args.db, read_only=True) as con:
        n_requests = con.execute("select count(*) from requests").fetchone()[0]
    ours = in_process(cityops_way, args.db, args.memory_gb)
    theirs = in_process(pandas_way, args.db, args.memory_gb)
    print(f"{'panel':<34}{'p50 ms':>9}{'p95 ms':>9}{'rows':>8}")
    for name, times in ours["panel_ms"].items():
        print(f"{name:<34}{np.percentile(times, 50):>9.1f}{np.percentile(times, 95):>9.1f}{ours['rows'][name]:>8}")
    print(f"\n{'page':<14}{'cityops p95 ms':>16}{'pandas p95 ms':>15}{'ratio':>8}")
    ratios = []
    for page, times in ours["page_ms"].items():
        pandas_ms = theirs["page_ms"][page] if theirs else [float("nan")]
        ratios.append(np.median(pandas_ms) / np.median(times))
        print(f"{page:<14}{np.percentile(times, 95):>16.1f}{np.percentile(pandas_ms, 95):>15.1f}{ratios[-1]:>8.1f}")
    if theirs:
        print(f"\npandas load of the tables: {theirs['load_s']:.1f} s (once per process)")
    else:
        print(f"\nthe pandas way ran out of memory (over {args.memory_gb:g} GB) before finishing")
    p95_max = max(np.percentile(times, 95) for times in ours["panel_ms"].values())
    page_max = max(np.percentile(times, 95) for times in ours["page_ms"].values())
    print(f"bench: requests={n_requests} panels={len(ours['panel_ms'])} p95_max_ms={p95_max:.1f} "
          f"page_ms_max={page_max:.1f} pandas_ratio_min={min(ratios):.1f} rss_mb={ours['rss_mb']:.0f} "
          f"pandas_rss_mb={theirs['rss_mb'] if theirs else float('nan'):.0f}")


if __name__ == "__main__":
    main()
