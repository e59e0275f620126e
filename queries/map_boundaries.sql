-- Boundaries the map draws, as GeoJSON text: the districts, or ($level =
-- 'street') the streets of the chosen districts (all when none is chosen).
-- Imported cities without boundary tables give no rows.
select district as name, name_en, district, geometry, centroid_lat, centroid_lon
from districts
where $level = 'district' and geometry is not null
union all
select street, name_en, district, geometry, centroid_lat, centroid_lon
from streets
where $level = 'street' and geometry is not null and chosen(district, $districts)
order by name
