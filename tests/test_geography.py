"""The demo city's places: nested, named once, and points inside their grids."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
import shapely

from data.demo.geography import POINTS_PER_GRID, build_city


@pytest.fixture(scope="module")
def city():
    return build_city(7)


def shapes(frame, key):
    return {k: shapely.from_geojson(g) for k, g in zip(frame[key].to_list(), frame["geometry"].to_list())}


def test_names_are_unique_at_every_level(city):
    assert city.districts.height == 16
    assert 250 <= city.streets.height <= 360
    for frame, key in ((city.streets, "street"), (city.communities, "community"), (city.grids, "grid_id")):
        assert frame[key].n_unique() == frame.height, key


def test_streets_tile_their_district(city):
    districts = shapes(city.districts, "district")
    streets = shapes(city.streets, "street")
    for district, outline in districts.items():
        mine = [streets[s] for s in city.streets.filter(city.streets["district"] == district)["street"]]
        union = shapely.union_all(mine)
        assert abs(union.area - outline.area) / outline.area < 0.01, district
        assert union.difference(outline).area / outline.area < 0.001, district


def test_points_fall_in_their_grid_in_grid_order(city):
    grids = city.grids["geometry"].to_list()
    assert city.points.height == POINTS_PER_GRID * city.grids.height
    assert city.points["grid_id"].to_list()[::POINTS_PER_GRID] == city.grids["grid_id"].to_list()
    lon, lat = city.points["lon"].to_numpy(), city.points["lat"].to_numpy()
    for row in np.random.default_rng(0).choice(city.points.height, 2000, replace=False).tolist():
        grid = shapely.from_geojson(grids[row // POINTS_PER_GRID])
        assert grid.buffer(1e-6).contains(shapely.Point(lon[row], lat[row]))


def test_population_adds_up_and_the_core_is_dense(city):
    by_district = dict(zip(city.districts["district"], city.districts["population"]))
    street_sum = city.streets.group_by("district").agg(pl.col("population").sum())
    for district, people in zip(street_sum["district"], street_sum["population"]):
        assert abs(people - by_district[district]) <= 50
    density = {d: p / a for d, p, a in city.districts.select("district", "population", "area_km2").iter_rows()}
    assert min(density["东城区"], density["西城区"]) > 20 * max(density["延庆区"], density["怀柔区"], density["密云区"])
    assert json.loads(city.districts["geometry"][0])["type"] in ("Polygon", "MultiPolygon")


def test_same_seed_same_city(city):
    again = build_city(7)
    assert again.points.equals(city.points) and again.streets.equals(city.streets)
