-- The most frequent categories or subcategories ($level) in the period, with
-- the count in the period before it and the change (环比).
-- grain: category subcategory
-- span: previous
with counted as (
    select case $level when 'category' then category else subcategory end as name,
           any_value(category) as category,
           total(case when day >= $start then received else 0 end) as received,
           total(case when day < $start then received else 0 end) as received_before
    from facts
    group by name
)
select *, rate(received - received_before, received_before) as change
from counted
order by received desc, name
limit $limit
