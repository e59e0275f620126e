-- The demo city's injected events (storm, rising problem, outage) that
-- overlap the period, placed at the centre of the street or district they
-- hit; empty for an imported city.
select e.kind, e.description, e.subcategory, e.starts_at, e.peaks_at, e.ends_at,
       coalesce(s.street, d.district) as place,
       coalesce(s.centroid_lat, d.centroid_lat) as lat, coalesce(s.centroid_lon, d.centroid_lon) as lon
from demo_events e
left join streets s on s.street = e.street
left join districts d on d.district = e.district
where e.starts_at < $until and e.ends_at >= $since and coalesce(s.centroid_lat, d.centroid_lat) is not null
  and chosen(e.district, $districts)
order by e.starts_at
