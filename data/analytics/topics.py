"""每月一题: the month's candidate problems, found in the request texts.

The texts are cut to the problem (the operator's preamble, place names and
digits removed), tokenised with jieba (rjieba, its Rust port: ~90,000 texts a
second), weighed by TF-IDF and clustered with mini-batch k-means (scikit-learn),
the clusters learnt from a sample of the month and every request then assigned.
A candidate is a cluster in a street — a problem in a place, which is what a
district can take on — ranked by

    volume × growth × (1 + repeat rate) × (1 + unsatisfied rate)

where growth = (volume − expected) / (expected + 1) and expected is what last
month and the rest of the city predict for the cell (see candidates). Growth
is an excess, not a ratio, so a big steady problem scores about nothing and a
city-wide seasonal rise (heating in November) is no local surprise; the rates
enter as (1 + rate) so a problem nobody has called back yet is not scored 0.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import rjieba
from scipy import sparse
from sklearn.cluster import MiniBatchKMeans
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

import queries
from data import db

SAMPLE = 120_000           # texts the clusters are learnt from
CHUNK = 100_000            # texts tokenised and assigned at a time, so a month at 25 M fits in memory
PREVIOUS_SAMPLE = 300_000  # last month's texts assigned, to estimate what it predicted
TOP = 20
HISTORY_TOPICS = 10        # topics whose month-by-month history is kept
SAMPLES_PER_TOPIC = 5
KEYWORDS = 5
CONCENTRATION = 0.3        # a word is about a problem when this share of its uses is in one subcategory
PREAMBLE = r"^[^：:]{0,40}[：:]"  # "市民王先生（联系电话138****1234）来电反映："
NOISE = r"[0-9０-９*＊#＃]+"  # digits and the marks that mask them; words in any script stay
STOPWORDS = frozenset(
    "反映 来电 市民 希望 要求 尽快 处理 相关 部门 解决 协调 核实 请求 给予 答复 情况 问题 目前 现在 一直 已经 没有 "
    "进行 存在 影响 出现 多次 附近 周边 居民 我们 他们 自己 这个 那个 一个 什么 怎么 如何 是否 可以 能否 还是 但是 "
    "而且 因为 所以 如果 虽然 时候 之前 之后 以后 以来 相关单位 实际 上次 回复 已经 自行 联系 过 不到位 派人 查看".split())


@dataclass
class Model:
    names: list[str]      # place names cut out of every text
    vectorizer: TfidfVectorizer
    centres: np.ndarray   # [cluster, word], each of unit length
    keywords: list[str]

    def assign(self, texts: pl.Series) -> np.ndarray:
        """Each text's cluster by cosine, -1 when it shares no telling word with any.

        Cosine rather than k-means' own distance: a loose cluster's centre sits near the origin and
        would otherwise catch every text with rare words, the newest problems first. Texts equal once
        cut to the problem are tokenised once, CHUNK distinct texts at a time.
        """
        rows = pl.DataFrame({"text": cleaned(texts, self.names)})
        distinct = rows.unique("text").with_row_index("at")
        found = [np.zeros(0, dtype=np.int32)]
        for start in range(0, distinct.height, CHUNK):
            docs = tokens(distinct["text"][start:start + CHUNK].to_list())
            similarity = np.asarray(self.vectorizer.transform(docs) @ self.centres.T)
            found.append(np.where(similarity.max(axis=1) > 0, similarity.argmax(axis=1), -1).astype(np.int32))
        clusters = np.concatenate(found)
        return clusters[rows.join(distinct, on="text", how="left", maintain_order="left")["at"].to_numpy()]


def place_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every district, street and community name the database knows, longest first."""
    rows = con.execute("select district from districts union select street from streets "
                       "union select community from communities").fetchall()
    return sorted({name for name, in rows if name and len(name) > 1}, key=len, reverse=True)


def cleaned(texts: pl.Series, names: list[str]) -> pl.Series:
    """The problem as written, without who called, where, or any number."""
    text = texts.str.replace(PREAMBLE, "").str.replace_all(NOISE, " ")
    return text.str.replace_many(names, [" "] * len(names)) if names else text


def tokens(texts: list[str]) -> list[list[str]]:
    """Words of each text (single characters are mostly particles and punctuation, and are dropped)."""
    return [[w for w in rjieba.cut(text) if len(w) > 1 and w not in STOPWORDS and not w.isspace()] for text in texts]


def telling(docs: list[list[str]], subcategories: list[str]) -> list[str]:
    """Words that say what the problem is: at least CONCENTRATION of their uses fall in one subcategory.

    "存在安全隐患" or "希望尽快处理" follow every kind of problem; clustered on, they would gather
    requests by how they are phrased instead of what they are about.
    """
    counter = CountVectorizer(analyzer=lambda words: words, min_df=3, binary=True)
    counts = counter.fit_transform(docs)
    codes, index = np.unique(subcategories, return_inverse=True)
    by_subcategory = counts.T @ sparse.csr_matrix((np.ones(len(index)), (np.arange(len(index)), index)),
                                                   shape=(len(index), len(codes)))
    totals = np.asarray(by_subcategory.sum(axis=1)).ravel()
    peak = np.asarray(by_subcategory.max(axis=1).todense()).ravel()
    return [word for word, keep in zip(counter.get_feature_names_out(), peak >= CONCENTRATION * totals) if keep]


def learn(rows: pl.DataFrame, names: list[str], seed: int = 0) -> Model | None:
    """Clusters learnt from a sample of the rows (text and subcategory); None when no word tells problems apart."""
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(rows.height, min(SAMPLE, rows.height), replace=False))
    picked = rows[chosen]
    sample = tokens(cleaned(picked["text"], names).to_list())
    try:
        vocabulary = telling(sample, picked["subcategory"].to_list())
    except ValueError:  # scikit-learn's "empty vocabulary": no word is used three times
        return None
    if len(vocabulary) < 2:
        return None
    vectorizer = TfidfVectorizer(analyzer=lambda words: words, vocabulary=vocabulary, sublinear_tf=True)
    matrix = vectorizer.fit_transform(sample)
    k = int(np.clip(len(sample) // 400, 8, 80))
    centres = MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=3, batch_size=4096).fit(matrix).cluster_centers_
    centres = centres / np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-12)
    words = vectorizer.get_feature_names_out()
    keywords = ["、".join(words[np.argsort(centre)[::-1][:KEYWORDS]]) for centre in centres]
    return Model(names, vectorizer, centres, keywords)


def month_rows(cursor: duckdb.DuckDBPyConnection, month: date, street: str | None = None,
               months: int = 1) -> pl.DataFrame:
    since = datetime.combine(month, datetime.min.time())
    until = datetime.combine(add_months(month, months), datetime.min.time())
    return cursor.execute(queries.sql("analytics/topic_texts"), {"since": since, "until": until, "street": street}).pl()


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def sampled(rows: pl.DataFrame, limit: int) -> tuple[pl.DataFrame, float]:
    """At most limit rows, chosen by their id's hash so a rerun picks the same; and the fraction kept."""
    if rows.height <= limit:
        return rows, 1.0
    fraction = limit / rows.height
    kept = rows.filter(pl.col("request_id").hash(seed=7) % 1_000_000 < int(fraction * 1_000_000))
    return kept, kept.height / rows.height


def candidates(now: pl.DataFrame, before: pl.DataFrame, kept: float) -> pl.DataFrame:
    """Cluster × street cells scored; before holds the kept fraction of last month's rows.

    A cell is expected to hold the larger of last month's volume there, scaled by how its subcategory
    changed city-wide (the season), and its street's share of this month's city-wide volume of the
    cluster (what a problem spread evenly would bring). The first keeps a steady local problem at
    zero growth, the second a seasonal one whose street was quiet last month.
    """
    change = (now.group_by("subcategory").agg(now_sub=pl.len())
              .join(before.group_by("subcategory").agg(before_sub=pl.len() / kept), on="subcategory", how="left")
              .select("subcategory", change=(pl.col("now_sub") + 1) / (pl.col("before_sub").fill_null(0) + 1)))
    share = now.group_by("street").agg(street_share=pl.len() / now.height)
    city = now.group_by("cluster").agg(city=pl.len())
    last = before.group_by("cluster", "street").agg(last=pl.len() / kept)
    cells = now.group_by("cluster", "district", "street").agg(
        volume=pl.len(), subcategory=pl.col("subcategory").mode().sort().first(),
        repeat_rate=pl.col("repeated").mean(), unsatisfied_rate=pl.col("unsatisfied").mean().fill_null(0.0))
    return (cells.join(last, on=["cluster", "street"], how="left").join(change, on="subcategory", how="left")
            .join(share, on="street").join(city, on="cluster")
            .with_columns(expected=pl.max_horizontal(pl.col("last").fill_null(0) * pl.col("change"),
                                                     pl.col("city") * pl.col("street_share")))
            .with_columns(growth=(pl.col("volume") - pl.col("expected")) / (pl.col("expected") + 1))
            .with_columns(score=pl.col("volume") * pl.col("growth").clip(lower_bound=0)
                          * (1 + pl.col("repeat_rate")) * (1 + pl.col("unsatisfied_rate")))
            .drop("last", "change", "street_share", "city")
            .sort("score", "volume", descending=True))


def history(cursor: duckdb.DuckDBPyConnection, model: Model, topic: dict, first: date, months: int,
            t: datetime) -> pl.DataFrame:
    """The topic's street, every month: the requests its cluster would have taken, and their three rates.

    Only the subcategories the topic's requests carry this month are read: a topic is that problem,
    and a street's every text over a year would take most of the time the topics have.
    """
    rows = month_rows(cursor, first, topic["street"], months)
    rows = rows.filter(pl.col("subcategory").is_in(topic["subcategories"]))
    members = rows.filter(pl.Series(model.assign(rows["text"])) == topic["cluster"]).select("request_id")
    cursor.register("members", members)
    try:
        return cursor.execute(queries.sql("analytics/topic_months"), {"t": t}).pl()
    finally:
        cursor.unregister("members")


def build_topics(con: duckdb.DuckDBPyConnection, month: date, seed: int = 0) -> pl.DataFrame:
    """Find and store the month's topics (replacing any earlier run for it); returns them."""
    cursor = queries.defined(con)
    names = place_names(cursor)
    now = month_rows(cursor, month)
    empty = pl.DataFrame(schema={"month": pl.Date, "rank": pl.Int32})
    if now.height < 50:
        return empty
    before, kept = sampled(month_rows(cursor, add_months(month, -1)), PREVIOUS_SAMPLE)
    model = learn(now, names, seed)
    if model is None:
        return empty
    now = now.with_columns(cluster=pl.Series(model.assign(now["text"])))
    before = before.with_columns(cluster=pl.Series(model.assign(before["text"]), dtype=pl.Int32))
    top = candidates(now.filter(pl.col("cluster") >= 0), before, kept).head(TOP).with_row_index("rank", offset=1)
    top = top.with_columns(
        month=pl.lit(month), keywords=pl.col("cluster").map_elements(lambda c: model.keywords[c], pl.String),
        topic_id=pl.format("{}-{}-{}", pl.lit(f"{month:%Y-%m}"), pl.col("cluster"), pl.col("street")),
        computed_at=pl.lit(datetime.now()))
    samples = (now.join(top.select("cluster", "street", "topic_id"), on=["cluster", "street"])
               .sort(pl.col("request_id").hash(seed=seed)).group_by("topic_id", maintain_order=True)
               .head(SAMPLES_PER_TOPIC).select(pl.lit(month).alias("month"), "topic_id", "request_id"))
    earliest = cursor.execute("select min(received_at) from requests").fetchone()[0]
    first = date(earliest.year, earliest.month, 1)
    span = (month.year - first.year) * 12 + month.month - first.month + 1
    t = cursor.execute("select max(received_at) from requests").fetchone()[0]
    histories = []
    for topic in top.head(HISTORY_TOPICS).to_dicts():
        topic["subcategories"] = now.filter((pl.col("cluster") == topic["cluster"])
                                            & (pl.col("street") == topic["street"]))["subcategory"].unique().to_list()
        histories.append(history(cursor, model, topic, first, span, t).with_columns(
            month=pl.lit(month), topic_id=pl.lit(topic["topic_id"])))
    con.execute("begin")
    for table in ("topics", "topic_samples", "topic_months"):
        con.execute(f"delete from {table} where month = ?", [month])
    con.execute("insert into topics by name select * exclude (cluster) from top")
    con.execute("insert into topic_samples by name select * from samples")
    if histories:
        months_frame = pl.concat(histories)
        con.execute("insert into topic_months by name select * from months_frame")
    con.execute("commit")
    return top


def months_to_build(cursor: duckdb.DuckDBPyConnection) -> list[date]:
    """The data's last month, and the one before when the last has under two weeks in it."""
    latest = cursor.execute("select max(received_at) from requests").fetchone()[0]
    if latest is None:
        return []
    last = date(latest.year, latest.month, 1)
    return [add_months(last, -1), last] if latest.day < 15 else [last]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data.analytics.topics", description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=db.db_path())
    parser.add_argument("--month", help="YYYY-MM (default: the data's last month)")
    args = parser.parse_args(argv)
    if not args.db.is_file():
        print(f"topics: failed: no database at {args.db}", file=sys.stderr)
        return 1
    with db.writing(args.db), db.opened_when_free(args.db) as con:  # build_topics commits each month
        db.create_schema(con)
        months = [date.fromisoformat(f"{args.month}-01")] if args.month else months_to_build(con)
        for month in months:
            started = time.perf_counter()
            top = build_topics(con, month)
            count = con.execute("select count(*) from requests where date_trunc('month', received_at) = ?",
                                [month]).fetchone()[0]
            print(f"topics: month={month:%Y-%m} requests={count} topics={top.height} "
                  f"seconds={time.perf_counter() - started:.1f}")
        db.set_meta(con, {"data_version": f"topics-{datetime.now().isoformat(timespec='seconds')}"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
