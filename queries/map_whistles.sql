-- 吹哨 on the map: the whistles blown in the period, the latest first, with
-- whether the summoned department had reported on site by $t.
-- rows: whistled
select lat, lon, whistle, street, subcategory, whistle_at, coalesce(arrived_at <= $t, false) as arrived
from tickets
where whistle <> 'none' and whistle_at <= $t and lat is not null
order by whistle_at desc
limit $limit
