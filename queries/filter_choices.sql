-- What the filter bar offers, with each value's parent (a street's district,
-- a subcategory's category) and its English name: districts, streets,
-- categories, subcategories, units, channels, kinds and incident types.
select 'district' as dimension, district as value, null as parent, name_en from districts
union all
select 'street', street, district, name_en from streets
union all
select distinct 'category', category, null, category_en from categories
union all
select 'subcategory', subcategory, category, subcategory_en from categories
union all
select 'unit', unit, district, unit_en from units
union all
select 'type', type, null, type_en from incident_types
union all
select distinct unnest(['channel', 'kind']), unnest([channel, kind]), null, null
from (select channel, kind from rollup_requests_channel_month union all select channel, kind from requests_live)
order by all
