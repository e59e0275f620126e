"""The map: a bounded payload, clicks that set the filter, boundaries or not."""

from __future__ import annotations

import shutil
from datetime import timedelta

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

import queries
from queries import Filter


@pytest.fixture
def citymap(city_path, monkeypatch):
    monkeypatch.setenv("CITYOPS_DB", str(city_path))
    from dashboard import citymap

    return citymap


def a_month(con, **lists) -> tuple[Filter, object]:
    clock = queries.clock(queries.prepare(con))
    return Filter(clock.date() - timedelta(days=29), clock.date() + timedelta(days=1), **lists), clock


def test_the_deck_is_small_and_its_hexagons_hold_every_request(citymap, con):
    import pydeck as pdk

    flt, clock = a_month(con)
    layers, box = citymap.layers_of(flt, clock, list(citymap.LAYERS), "satisfaction_rate", extrude=True)
    deck = pdk.Deck(layers=layers, initial_view_state=citymap.view(box, 560), map_style=citymap.STYLE)
    assert len(deck.to_json().encode()) < 5_000_000
    hexagons = next(layer for layer in layers if layer.id == "hexagons")
    counted = con.execute("select count(*) from requests where received_at >= ? and received_at <= ?",
                          [flt.start, clock]).fetchone()[0]
    assert sum(cell["requests"] for cell in hexagons.data) == counted
    assert len(hexagons.data) <= 50_000
    whistles = next(layer for layer in layers if layer.id == "whistles")
    blown = con.execute("""select count(*) from requests where whistle <> 'none' and received_at >= ?
                           and received_at <= ? and whistle_at <= ?""", [flt.start, clock, clock]).fetchone()[0]
    assert len(whistles.data) == min(blown, citymap.WHISTLE_POINTS)
    ids = [layer.id for layer in layers]
    assert ids.index("districts") < ids.index("hexagons") < ids.index("districts_outline") < ids.index("incidents")
    west, south, east, north = box
    assert 115 < west < east < 118 and 39 < south < north < 42  # Beijing, from its own boundaries


def test_a_chosen_district_brings_its_streets_and_its_box(citymap, con):
    flt, clock = a_month(con, districts=("延庆区",))
    layers, box = citymap.layers_of(flt, clock, ["areas"], "received", extrude=False)
    streets = next(layer for layer in layers if layer.id == "streets")
    names = {f["properties"]["name"] for f in streets.data["features"]}
    assert names == {s for s, in con.execute("select street from streets where district = '延庆区'").fetchall()}
    busy = {s for s, in con.execute("""select distinct street from requests where district = '延庆区'
                                        and received_at >= ? and received_at <= ?""", [flt.start, clock]).fetchall()}
    filled = {f["properties"]["name"] for f in streets.data["features"] if f["properties"]["fill"][3] > 0}
    assert filled == busy  # each street with requests coloured by the measure
    lon, lat = con.execute("select centroid_lon, centroid_lat from districts where district = '延庆区'").fetchone()
    assert box[0] < lon < box[2] and box[1] < lat < box[3] and box[2] - box[0] < 1.5


def test_an_imported_city_without_boundaries_still_gets_hexagons(city_path, tmp_path, monkeypatch):
    bare = tmp_path / "bare.duckdb"
    shutil.copy(city_path, bare)
    with duckdb.connect(str(bare)) as con:
        con.execute("update districts set geometry = null")
        con.execute("update streets set geometry = null")
    monkeypatch.setenv("CITYOPS_DB", str(bare))
    from dashboard import citymap

    with duckdb.connect(str(bare), read_only=True) as con:
        flt, clock = a_month(con)
        lat_min, lat_max = con.execute("select min(lat), max(lat) from requests").fetchone()
    layers, box = citymap.layers_of(flt, clock, list(citymap.LAYERS), "received", extrude=False)
    assert {layer.id for layer in layers} >= {"hexagons", "incidents"}
    assert not {"districts", "streets"} & {layer.id for layer in layers}
    assert lat_min - 0.05 < box[1] < box[3] < lat_max + 0.05


def click_script():
    """A page with the filter bar and buttons standing in for clicks on the map."""
    from datetime import date
    from types import SimpleNamespace

    import streamlit as st

    from dashboard import citymap, filters

    filters.restore()
    picked = st.session_state.get("street_to_click")
    st.session_state["fake_map"] = SimpleNamespace(selection={"objects": {
        "streets": [{"properties": {"name": picked, "district": "朝阳区"}}]} if picked else {
        "districts": [{"properties": {"name": "海淀区", "district": "海淀区"}}]}})
    st.button("click", on_click=citymap.choose_area, args=("fake_map",))
    filters.bar(date.today())


def test_a_click_on_the_map_sets_the_filter(city_path, monkeypatch, con):
    monkeypatch.setenv("CITYOPS_DB", str(city_path))
    app = AppTest.from_function(click_script, default_timeout=60).run()
    app.button[0].click().run()
    assert app.session_state["f_districts"] == ["海淀区"]
    street = con.execute("select street from streets where district = '朝阳区' order by street limit 1").fetchone()[0]
    app.session_state["street_to_click"] = street
    app.run()
    app.button[0].click().run()
    assert not app.exception
    assert app.session_state["f_streets"] == [street]
    assert app.session_state["f_districts"] == ["海淀区", "朝阳区"]


def test_a_configured_tile_server_becomes_the_basemap(citymap, monkeypatch):
    assert citymap.basemap() == citymap.STYLE
    monkeypatch.setattr(citymap.settings, "TILE_URL", "http://tiles.intranet/{z}/{x}/{y}.png")
    assert citymap.basemap()["sources"]["tiles"]["tiles"] == ["http://tiles.intranet/{z}/{x}/{y}.png"]
