-- Requests per hexagonal cell of about $cell_km across, binned in SQL from
-- each request's point (flat-top hexagons on a local equirectangular plane),
-- so the browser gets at most one row per occupied cell whatever the volume.
with points as (
    select lon * cos(radians($lat0)) * 111.32 / $cell_km as x, lat * 111.32 / $cell_km as y
    from tickets
    where lat is not null and lon is not null
), axial as (
    select (2.0 / 3) * x as q, (-1.0 / 3) * x + (sqrt(3) / 3) * y as r from points
), rounded as (
    select round(q) as rq, round(r) as rr, round(-q - r) as rs,
           abs(round(q) - q) as dq, abs(round(r) - r) as dr, abs(round(-q - r) - (-q - r)) as ds
    from axial
), cells as (
    select case when dq > dr and dq > ds then -rr - rs else rq end as q,
           case when dr > ds and not (dq > dr and dq > ds) then -rq - rs else rr end as r
    from rounded
)
select q, r, count(*) as requests,
       (sqrt(3) * (r + q / 2.0)) * $cell_km / 111.32 as lat,
       (1.5 * q) * $cell_km / (111.32 * cos(radians($lat0))) as lon
from cells
group by q, r
order by requests desc, q, r
