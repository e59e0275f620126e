"""Points must fall inside the city: inside one of its district boundaries, when it has them.

The extent box (validate.place_checks) catches a swapped latitude and longitude or a point in
another city; a boundary also catches the corners of the box that are not the city. Shapely tests
every point against the union of the districts, prepared, in one vectorised call per chunk.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import shapely

CHUNK = 1_000_000


def union(con: duckdb.DuckDBPyConnection) -> shapely.Geometry | None:
    shapes = [g for g, in con.execute("select geometry from districts where geometry is not null").fetchall()]
    if not shapes:
        return None
    whole = shapely.union_all(shapely.from_geojson(shapes))
    shapely.prepare(whole)
    return whole


def refuse_outside(con: duckdb.DuckDBPyConnection) -> int:
    """Give every good candidate whose point lies outside all district boundaries its reason; return how many."""
    whole = union(con)
    if whole is None:
        return 0
    outside: list[np.ndarray] = []
    offset = 0
    while True:
        chunk = con.execute("select _line, lat, lon from candidates where reason is null and lat is not null "
                            "order by _line limit ? offset ?", [CHUNK, offset]).fetchnumpy()
        if len(chunk["_line"]) == 0:
            break
        inside = shapely.contains_xy(whole, chunk["lon"], chunk["lat"])
        outside.append(chunk["_line"][~inside])
        offset += CHUNK
    lines = pa.table({"line": np.concatenate(outside) if outside else np.zeros(0, dtype=np.int64)})
    con.register("outside_lines", lines)
    try:
        con.execute("""update candidates set reason = 'point ' || lat || ', ' || lon || ' is outside every district boundary'
                       where _line in (select line from outside_lines)""")
    finally:
        con.unregister("outside_lines")
    return lines.num_rows
