-- For the alert strip and emergency mode: warnings in the chosen places that
-- are active at $t (fired lately) and nobody has closed, by kind
-- and level, with the strongest one's place and topic. $acted_ids/$acted_status
-- as in warning_list.sql.
with warned as (
    select * replace (coalesce(list_extract($acted_status::varchar[], list_position(
        $acted_ids::varchar[], warning_id)), status) as status)
    from warnings
)
select count(*) as active,
       count(*) filter (where status = 'new') as unacknowledged,
       count(*) filter (where kind = 'surge' and level = 'district' and status = 'new') as district_surges,
       arg_max(coalesce(street, district) || ' · ' || coalesce(subcategory, category), score) as strongest
from warned
where warning_active(last_seen, $t) and status <> 'closed'
  and chosen(district, $districts) and (street is null or chosen(street, $streets))
  and chosen(category, $categories) and (subcategory is null or chosen(subcategory, $subcategories))
