-- Requests received per day, week or month ($bucket) in the period, beside
-- the same period a year earlier (52 weeks back, so weekdays line up).
-- grain: day
-- span: year_ago
with counted as (
    select date_trunc($bucket, case when day >= $start then day else day + 364 end) as bucket,
           day >= $start as current, total(received) as received
    from facts
    where day >= $start or day < $end - 364
    group by all
)
select bucket,
       sum(received) filter (where current)::bigint as received,
       sum(received) filter (where not current)::bigint as received_year_ago
from counted
group by bucket
order by bucket
