"""One small demo city per test session, built by the real generator."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

import queries
from data.demo.generate import generate

SMALL = dict(requests=60_000, incidents=6_000, months=13, seed=11)


@pytest.fixture(scope="session")
def city_path(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("city") / "city.duckdb", **SMALL)


@pytest.fixture(scope="session")
def con(city_path):
    connection = duckdb.connect(str(city_path), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def cursor(con):
    return queries.prepare(con)


@pytest.fixture(scope="module")
def clock(cursor):
    return queries.clock(cursor)


def rebuilt(city_path, tmp_path, table: str, order: str, build) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A table of a copy of the city before and after build(connection, copy) writes it again."""
    copy = tmp_path / "again.duckdb"
    copy.write_bytes(city_path.read_bytes())
    with duckdb.connect(str(copy)) as connection:
        query = f"select * exclude (computed_at) from {table} order by {order}"  # names from the tests themselves
        before = connection.execute(query).pl()
        build(connection, copy)
        return before, connection.execute(query).pl()
