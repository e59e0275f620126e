"""Dropping points outside every district of a city that has district boundaries (the row loads without).

The box check in SQL is cheap but a city is not a box. When districts.geometry holds polygons,
the candidates that passed every other check are streamed out in Arrow chunks and tested with
shapely against the union of the districts (prepared, vectorised), so millions of rows take
seconds and never sit in Python lists. A point on a boundary is inside.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import shapely

CHUNK = 1_000_000
NOTE = "{'reason': 'point outside every district', 'field': 'lat,lon', 'detail': lat || ', ' || lon}"


def city_area(con: duckdb.DuckDBPyConnection) -> shapely.Geometry | None:
    """The union of the district polygons, prepared for fast point tests; None without boundaries."""
    shapes = [text for text, in con.execute("select geometry from districts where geometry is not null").fetchall()]
    if not shapes:
        return None
    area = shapely.union_all(shapely.from_geojson(shapes))
    shapely.prepare(area)
    return area


def drop_outside(con: duckdb.DuckDBPyConnection) -> int:
    """Drop the point of every good candidate whose point lies outside all districts, noting it; return how many."""
    area = city_area(con)
    if area is None:
        return 0
    reader = con.execute("select _line, lon, lat from candidates where reason is null and lat is not null") \
        .to_arrow_reader(CHUNK)
    outside = []
    for batch in reader:
        inside = shapely.intersects_xy(area, batch.column("lon").to_numpy(zero_copy_only=False),
                                     batch.column("lat").to_numpy(zero_copy_only=False))
        outside.append(pc.filter(batch.column("_line"), pa.array(~inside)))
    lines = pa.table({"_line": pa.chunked_array(outside, type=pa.int64())})
    if not lines.num_rows:
        return 0
    con.register("outside_lines", lines)
    con.execute(f"update candidates set notes = list_append(notes, {NOTE}), lat = null, lon = null "
                "where _line in (select _line from outside_lines)")
    con.unregister("outside_lines")
    return lines.num_rows
