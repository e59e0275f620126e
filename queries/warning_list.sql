-- 预警: the warnings in the chosen places and topics that fired in the period
-- (or, with $active, the ones active at $t), strongest first,
-- placed at their street's (else district's) label point for the map.
-- A street filter keeps district-level warnings of the streets' districts.
-- $acted_ids/$acted_status: what people did since the analytics last ran (the actions file).
with warned as (
    select * replace (coalesce(list_extract($acted_status::varchar[], list_position(
        $acted_ids::varchar[], warning_id)), status) as status)
    from warnings
)
select w.warning_id, w.kind, w.level, w.district, w.street, w.category, w.subcategory,
       w.first_seen, w.last_seen, w.observed, w.expected, w.observed / nullif(w.expected, 0) as ratio,
       w.score, w.status, coalesce(s.centroid_lat, d.centroid_lat) as lat,
       coalesce(s.centroid_lon, d.centroid_lon) as lon
from warned w
left join streets s on s.street = w.street
left join districts d on d.district = w.district
where (case when $active then warning_active(w.last_seen, $t)
            else w.last_seen >= $start and w.first_seen < $end end)
  and chosen(w.district, $districts) and chosen(w.category, $categories)
  and (w.street is null or chosen(w.street, $streets))
  and (w.subcategory is null or chosen(w.subcategory, $subcategories))
order by w.status = 'closed', w.last_seen desc, w.score desc
limit $limit
