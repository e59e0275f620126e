"""One small demo city per test session, built by the real generator."""

from __future__ import annotations

import duckdb
import pytest

from data.generate import generate

SMALL = dict(requests=60_000, incidents=6_000, months=13, seed=11)


@pytest.fixture(scope="session")
def city_path(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("city") / "city.duckdb", **SMALL)


@pytest.fixture(scope="session")
def con(city_path):
    connection = duckdb.connect(str(city_path), read_only=True)
    yield connection
    connection.close()
