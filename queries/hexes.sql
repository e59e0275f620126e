-- Flat-top hexagonal cells on a local equirectangular plane, so the map gets
-- one row per occupied cell whatever the volume. The cell size and the
-- plane's reference latitude are the variables hex_km and hex_lat0, chosen
-- for the data's extent when the rollups are built (data/rollups.py).
create or replace temp macro hex_x(lon) as
    lon * cos(radians(getvariable('hex_lat0'))) * 111.32 / getvariable('hex_km');
create or replace temp macro hex_y(lat) as
    lat * 111.32 / getvariable('hex_km');

-- Cube rounding of fractional axial coordinates (q, r) to the nearest cell.
create or replace temp macro hex_far(q, r) as
    abs(round(q) - q) > abs(round(r) - r) and abs(round(q) - q) > abs(round(-q - r) + q + r);
create or replace temp macro hex_round_q(q, r) as
    case when hex_far(q, r) then -round(r) - round(-q - r) else round(q) end::integer;
create or replace temp macro hex_round_r(q, r) as
    case when not hex_far(q, r) and abs(round(r) - r) > abs(round(-q - r) + q + r)
         then -round(q) - round(-q - r) else round(r) end::integer;

-- Fractional axial coordinates of a point; a query computes them once per row
-- (a projection below the rounding), since the rounding reads each twice.
create or replace temp macro hex_axial_q(lat, lon) as (2.0 / 3) * hex_x(lon);
create or replace temp macro hex_axial_r(lat, lon) as (-1.0 / 3) * hex_x(lon) + (sqrt(3) / 3) * hex_y(lat);

-- A cell's centre.
create or replace temp macro hex_lat(q, r) as
    sqrt(3) * (r + q / 2.0) * getvariable('hex_km') / 111.32;
create or replace temp macro hex_lon(q, r) as
    1.5 * q * getvariable('hex_km') / (111.32 * cos(radians(getvariable('hex_lat0'))));
