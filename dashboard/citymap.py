"""一张图: the city on one map, drawn offline from DuckDB aggregates.

Boundaries come from the districts/streets tables, request density from hexagons counted in
DuckDB (queries/map_cells.sql), never raw points; the basemap is a style with a background and
nothing else (dashboard/static/dark.json), or the tiles named by CITYOPS_TILE_URL. A click on a
district or street sets the filter bar through the chart's selection callback.
"""

from __future__ import annotations

import json
import math
from datetime import datetime

import polars as pl
import pydeck as pdk
import shapely
import streamlit as st

from dashboard import filters, number_formats, wall
from dashboard.i18n import labeller, name, t
from dashboard.store import acted, has, panel
from queries import Filter, settings

STYLE = "app/static/dark.json"  # a background and no sources: nothing to fetch
LAYERS = ("hexagons", "areas", "incidents", "whistles", "warnings")
MEASURES = ("received", "per_10k", "response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate")
# Sequential ramps, low to high: blue-violet-amber for density, red-amber-green for rates (green is good).
DENSITY = [(38, 70, 140), (72, 61, 190), (146, 59, 200), (214, 74, 152), (250, 128, 84), (253, 200, 72)]
GOOD = [(215, 48, 39), (244, 109, 67), (253, 174, 97), (166, 217, 106), (26, 152, 80)]
SEVERITY = {1: (143, 163, 191), 2: (245, 197, 66), 3: (255, 138, 61), 4: (255, 59, 59)}
INCIDENT_POINTS = 3000  # the most severe and oldest open incidents drawn
WARNING_COLOURS = {"surge": [255, 59, 59], "rising": [255, 176, 32]}
WARNING_POINTS = 300
WHISTLE_POINTS = 400  # the latest whistles drawn: enough to see where streets call for help, few enough to see the map


def ramp(values: pl.Series, colours: list[tuple[int, int, int]], alpha: int) -> list[list[int]]:
    """Each value's colour on the ramp, by its rank (quantiles read better than a linear scale)."""
    if values.is_empty():
        return []
    ranks = values.fill_null(values.min()).rank("average") / max(values.len(), 1)
    last = len(colours) - 1
    return [[*colours[min(int(r * last + 0.5), last)], alpha] for r in ranks.to_list()]


def choose_area(key: str) -> None:
    """The map's click callback: a district or street clicked becomes the filter."""
    picked = st.session_state[key].selection.get("objects", {})
    for layer, field in (("streets", "streets"), ("districts", "districts")):
        for feature in picked.get(layer, []):
            properties = feature.get("properties", feature)
            if field == "streets":
                districts = st.session_state.get("f_districts") or []
                if properties["district"] not in districts:
                    filters.choose("districts", [*districts, properties["district"]])
            filters.choose(field, [properties["name"]])
            return


def features(rows: pl.DataFrame, measure: pl.DataFrame | None, key: str) -> dict:
    """A GeoJSON FeatureCollection of the boundaries, each with its tooltip and (choropleth) fill."""
    values = dict(zip(measure["name"], measure[key])) if measure is not None else {}
    received = dict(zip(measure["name"], measure["received"])) if measure is not None else {}
    colours = dict(zip(measure["name"], ramp(measure[key], GOOD if key.endswith("_rate") else DENSITY, 170))) \
        if measure is not None else {}
    collection = []
    for row in rows.iter_rows(named=True):
        value = values.get(row["name"])
        shown = number_formats.percent(value) if key.endswith("_rate") else number_formats.count(value)
        tip = f"<b>{name(row['name'])}</b>"
        if measure is not None:
            tip += f"<br/>{t(key if key != 'per_10k' else 'per_10k')}: {shown}<br/>{t('requests')}: " \
                   f"{number_formats.count(received.get(row['name']))}"
        properties = {"name": row["name"], "district": row["district"], "tip": tip,
                      "fill": colours.get(row["name"], [0, 0, 0, 0])}
        collection.append({"type": "Feature", "geometry": json.loads(row["geometry"]), "properties": properties,
                           "tip": tip})
    return {"type": "FeatureCollection", "features": collection}


def view(bounds: tuple[float, float, float, float], height: int) -> pdk.ViewState:
    """The camera that fits the box (west, south, east, north) into a map about 1000 px wide."""
    west, south, east, north = bounds
    width = 1000
    lon_zoom = math.log2(width * 360 / max(east - west, 1e-6) / 512)
    mercator = math.log(math.tan(math.pi / 4 + math.radians(north) / 2)) - \
        math.log(math.tan(math.pi / 4 + math.radians(south) / 2))
    lat_zoom = math.log2(height * 2 * math.pi / max(mercator, 1e-6) / 512)
    return pdk.ViewState(latitude=(south + north) / 2, longitude=(west + east) / 2,
                         zoom=min(lon_zoom, lat_zoom) - 0.15, pitch=0, bearing=0)


def layers_of(flt: Filter, clock: datetime, shown: list[str], measure: str, extrude: bool) -> tuple[list, tuple]:
    """The deck's layers, bottom to top, and the box they cover.

    The areas are filled below the hexagons and outlined above them; they alone take clicks, so a
    click anywhere in a district picks the district.
    """
    layers, outlines, box = [], [], None
    districts = panel("map_boundaries", flt, clock, level="district")
    chosen = list(flt.districts)
    if not districts.is_empty():
        areas = panel("map_areas", flt, clock, level="street" if chosen else "district") if "areas" in shown else None
        inside = districts.filter(pl.col("name").is_in(chosen)) if chosen else districts
        box = tuple(shapely.bounds(shapely.union_all(shapely.from_geojson(inside["geometry"].to_list()))).tolist())
        for level, rows, line, width in (
                ("districts", districts, [200, 225, 255, 230], 1.6),
                ("streets", panel("map_boundaries", flt, clock, level="street") if chosen else None,
                 [150, 190, 230, 170], 0.6)):
            if rows is None:
                continue
            coloured = areas if (level == "streets") == bool(chosen) else None
            collection = features(rows, coloured, measure)
            layers.append(pdk.Layer("GeoJsonLayer", collection, id=level, pickable=True, stroked=False, filled=True,
                                    get_fill_color="properties.fill"))
            outlines.append(pdk.Layer("GeoJsonLayer", collection, id=f"{level}_outline", stroked=True, filled=False,
                                      get_line_color=line, line_width_min_pixels=width))
    if "hexagons" in shown:
        cells = panel("map_cells", flt, clock)
        if not cells.is_empty():
            km = float(cells["cell_km"][0])
            data = cells.select("lat", "lon", "requests").with_columns(
                colour=pl.Series(ramp(cells["requests"], DENSITY, 150 if "areas" in shown else 215)))
            top = max(cells["requests"].max(), 1)
            layers.append(pdk.Layer("ColumnLayer", data.to_dicts(), id="hexagons", disk_resolution=6,
                                    radius=km * 1000 * 0.92, angle=0, get_position=["lon", "lat"],
                                    get_fill_color="colour", extruded=extrude, get_elevation="requests",
                                    elevation_scale=25_000 * km / top))
            box = box or (cells["lon"].min(), cells["lat"].min(), cells["lon"].max(), cells["lat"].max())
    layers.extend(outlines)
    if "incidents" in shown:
        layers.extend(incident_layers(flt, clock))
    if "whistles" in shown:
        layers.extend(whistle_layers(flt, clock))
    if "warnings" in shown:
        layers.extend(warning_layers(flt, clock))
    return layers, box or (-180.0, -60.0, 180.0, 75.0)


def incident_layers(flt: Filter, clock: datetime) -> list:
    """Open incidents coloured by severity and sized by age; the severe ones ringed (and haloed on the wall)."""
    rows = panel("open_incidents", flt, clock, limit=INCIDENT_POINTS).drop_nulls(["lat", "lon"])
    if rows.is_empty():
        return []
    rows = rows.with_columns(
        colour=pl.col("severity").replace_strict({k: [*v, 230] for k, v in SEVERITY.items()},
                                                 return_dtype=pl.List(pl.Int64)),
        radius=(pl.col("age_minutes").clip(1, None).sqrt() * 12 + 120 * pl.col("severity")),
        tip=pl.format("<b>{}</b> · {}<br/>{} {}", pl.col("type"), pl.col("severity").cast(pl.String),
                      pl.col("street"), pl.col("stage")))
    data = rows.select("lat", "lon", "severity", "colour", "radius", "tip").to_dicts()
    layers = [pdk.Layer("ScatterplotLayer", data, id="incidents", get_position=["lon", "lat"], get_fill_color="colour",
                        get_radius="radius", radius_min_pixels=2.5, radius_max_pixels=18, stroked=True,
                        get_line_color=[255, 255, 255, 200], line_width_min_pixels=0.5, pickable=True)]
    severe = [row for row in data if row["severity"] >= settings.SEVERE]
    if severe and wall.on():
        layers.append(pdk.Layer("ScatterplotLayer", severe, id="severe", get_position=["lon", "lat"],
                                get_fill_color=[255, 59, 59, 40], get_line_color=[255, 90, 90, 220], stroked=True,
                                get_radius="radius", radius_scale=4, radius_min_pixels=10,
                                line_width_min_pixels=2))
    return layers


def whistle_layers(flt: Filter, clock: datetime) -> list:
    """Whistles blown in the period (cyan, hollow until the department arrived) and the demo's injected events."""
    layers = []
    whistles = panel("map_whistles", flt, clock, limit=WHISTLE_POINTS)
    if not whistles.is_empty():
        data = whistles.with_columns(
            tip=pl.format("<b>{}</b><br/>{} · {}", pl.col("whistle").replace(
                {code: t(f"whistle_{code}") for code in ("routine", "tough", "emergency")}),
                pl.col("street"), pl.col("subcategory")),
            fill=pl.when(pl.col("arrived")).then(pl.lit([0, 229, 255, 200])).otherwise(pl.lit([0, 229, 255, 30])),
        ).select("lat", "lon", "tip", "fill").to_dicts()
        layers.append(pdk.Layer("ScatterplotLayer", data, id="whistles", get_position=["lon", "lat"],
                                get_fill_color="fill", get_line_color=[0, 229, 255, 230], stroked=True,
                                get_radius=150, radius_min_pixels=2.5, line_width_min_pixels=1, pickable=True))
    events = panel("map_events", flt, clock)
    if not events.is_empty():
        data = events.with_columns(tip=pl.format("<b>{}</b><br/>{}<br/>{} → {}", pl.col("place"),
                                                 pl.col("description"), pl.col("starts_at").dt.date(),
                                                 pl.col("ends_at").dt.date())).select("lat", "lon", "tip").to_dicts()
        layers.append(pdk.Layer("ScatterplotLayer", data, id="events", get_position=["lon", "lat"],
                                get_fill_color=[255, 255, 255, 25], get_line_color=[255, 255, 255, 230],
                                stroked=True, get_radius=2500, radius_min_pixels=14, line_width_min_pixels=2.5,
                                pickable=True))
    return layers


def warning_layers(flt: Filter, clock: datetime) -> list:
    """Active warnings at their street's (or district's) label point: red rings for surges, amber for rising."""
    if not has("warnings"):
        return []
    rows = panel("warning_list", flt, clock, active=True, limit=WARNING_POINTS, **acted()) \
        .filter(pl.col("status") != "closed").drop_nulls(["lat", "lon"])
    if rows.is_empty():
        return []
    data = rows.with_columns(
        tip=pl.format("<b>{}</b><br/>{} · {}<br/>{} {} / {} {}", pl.col("kind").replace(
            {kind: t(f"warning_{kind}") for kind in WARNING_COLOURS}), pl.coalesce("street", "district"),
            pl.coalesce("subcategory", "category"), pl.lit(t("observed")), pl.col("observed").round(0),
            pl.lit(t("expected")), pl.col("expected").round(1)),
        colour=pl.col("kind").replace_strict(WARNING_COLOURS, return_dtype=pl.List(pl.Int64)),
        fill=pl.col("kind").replace_strict({k: [*c, 50] for k, c in WARNING_COLOURS.items()},
                                           return_dtype=pl.List(pl.Int64)),
        radius=pl.col("score").clip(1, 100).log10() * 1500 + 1200,  # metres: stronger warnings ring wider
    ).select("lat", "lon", "tip", "colour", "fill", "radius").to_dicts()
    return [pdk.Layer("ScatterplotLayer", data, id="warnings", get_position=["lon", "lat"], get_fill_color="fill",
                      get_line_color="colour", stroked=True, get_radius="radius", radius_min_pixels=9,
                      line_width_min_pixels=2.5, pickable=True)]


def legend(shown: list[str], measure: str) -> str:
    swatch = '<span style="display:inline-block;width:14px;height:10px;background:rgb({},{},{});margin-right:1px"></span>'
    parts = []
    if "hexagons" in shown:
        parts.append(f"{t('map_density')} {t('low')} {''.join(swatch.format(*c) for c in DENSITY)} {t('high')}")
    if "areas" in shown:
        colours = GOOD if measure.endswith("_rate") else DENSITY
        parts.append(f"{t(measure)} {t('low')} {''.join(swatch.format(*c) for c in colours)} {t('high')}")
    if "incidents" in shown:
        parts.append(" ".join(f"{swatch.format(*SEVERITY[s])}{t(f'severity_{s}')}" for s in SEVERITY))
    if "whistles" in shown:
        parts.append(f"{swatch.format(0, 229, 255)}{t('layer_whistles')} ◯ {t('map_event')}")
    if "warnings" in shown:
        parts.append(" ".join(f"{swatch.format(*WARNING_COLOURS[k])}{t(f'warning_{k}')}" for k in WARNING_COLOURS))
    return '<div style="font-size:0.8rem;line-height:1.9">' + " &nbsp;·&nbsp; ".join(parts) + "</div>"


def basemap() -> str | dict:
    """The offline style, or a raster style over the site's own tile server when one is configured."""
    if not settings.TILE_URL:
        return STYLE
    return {"version": 8, "sources": {"tiles": {"type": "raster", "tiles": [settings.TILE_URL], "tileSize": 256}},
            "layers": [{"id": "tiles", "type": "raster", "source": "tiles"}]}


def show(flt: Filter, clock: datetime, *, key: str = "map", height: int = 560,
         layers: tuple[str, ...] = ("hexagons", "incidents", "warnings")) -> None:
    """The map for the page's filter: controls (not on the wall), the deck, the legend."""
    shown, measure, extrude = list(layers), "received", False
    if not wall.on():
        shown = st.pills(t("map_layers"), LAYERS, selection_mode="multi", default=list(layers),
                         key=f"{key}_layers", format_func=labeller(LAYERS, lambda k: t(f"layer_{k}"))) or []
        middle, right, reset = st.columns([3, 1.2, 1.5], vertical_alignment="bottom")  # the pills get a row
        measure = middle.selectbox(t("map_measure"), MEASURES, key=f"{key}_measure",
                                   format_func=labeller(MEASURES, t)) or "received"
        extrude = right.toggle(t("map_extrude"), key=f"{key}_extrude")
        if reset.button(t("map_reset"), icon=":material/recenter:", width="stretch"):
            st.session_state[f"{key}_round"] = st.session_state.get(f"{key}_round", 0) + 1
    deck_layers, bounds = layers_of(flt, clock, shown, measure, extrude)
    deck = pdk.Deck(layers=deck_layers, initial_view_state=view(bounds, height), map_style=basemap(),
                    tooltip={"html": "{tip}", "style": {"fontSize": "13px", "backgroundColor": "#0d1b2e",
                                                        "color": "#e6eef8"}})
    if extrude:
        deck.initial_view_state.pitch = 40
    chart_key = f"{key}_{st.session_state.get(f'{key}_round', 0)}"  # a new key brings the opening view back
    st.pydeck_chart(deck, height=height, key=chart_key, on_select=lambda: choose_area(chart_key),
                    selection_mode="single-object")
    if panel("map_boundaries", flt, clock, level="district").is_empty() and "areas" in shown:
        st.caption(t("map_no_boundaries"))
    st.html(legend(shown, measure))
