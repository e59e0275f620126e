-- Where the same problems come back (重复诉求): repeat requests in the period
-- by street and subcategory, with the share of all requests there.
select
    district, street, subcategory,
    count(*) filter (where repeat_of is not null) as repeats,
    count(*) as received,
    rate(count(*) filter (where repeat_of is not null), count(*)) as repeat_share
from tickets
group by all
having count(*) filter (where repeat_of is not null) > 0
order by repeats desc, repeat_share desc, street, subcategory
limit $limit
