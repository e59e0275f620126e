-- Where the same problems come back (重复诉求): repeat requests in the period
-- by street and subcategory, with the share of all requests there.
-- grain: district street category subcategory
select
    district, street, subcategory,
    total(repeats) as repeats,
    total(received) as received,
    rate(total(repeats), total(received)) as repeat_share
from facts
group by all
having total(repeats) > 0
order by repeats desc, repeat_share desc, street, subcategory
limit $limit
