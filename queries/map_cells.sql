-- Requests per hexagonal cell (queries/hexes.sql) in the period, counted in
-- DuckDB, so the browser gets one row per occupied cell whatever the volume.
-- grain: hex_q hex_r
select hex_q as q, hex_r as r, total(received) as requests, total(open) as open,
       hex_lat(hex_q, hex_r) as lat, hex_lon(hex_q, hex_r) as lon, getvariable('hex_km') as cell_km
from facts
where hex_q is not null
group by all
order by requests desc, q, r
