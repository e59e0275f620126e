-- For the alert strip, emergency mode and the warnings page's tiles: warnings
-- in the chosen places that nobody has closed, all of them (not a capped
-- list), by status, kind and level, with the strongest one's place and topic.
-- $active chooses them as in warning_list.sql (active at $t, else fired in the
-- period); $acted_ids/$acted_status as there too.
with warned as (
    select * replace (coalesce(list_extract($acted_status::varchar[], list_position(
        $acted_ids::varchar[], warning_id)), status) as status)
    from warnings
)
select count(*) as active,
       count(*) filter (where status = 'new') as unacknowledged,
       count(*) filter (where kind = 'surge') as surges,
       count(*) filter (where kind = 'rising') as rising,
       count(*) filter (where kind = 'surge' and level = 'district' and status = 'new') as district_surges,
       arg_max(coalesce(street, district) || ' · ' || coalesce(subcategory, category), score) as strongest
from warned
where (case when $active then warning_active(last_seen, $t)
            else last_seen >= $start and first_seen < $end end)
  and status <> 'closed'
  and chosen(district, $districts) and (street is null or chosen(street, $streets))
  and chosen(category, $categories) and (subcategory is null or chosen(subcategory, $subcategories))
