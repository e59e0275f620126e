-- Requests received per day, week or month ($bucket) in the period, beside
-- the same period a year earlier (52 weeks back, so weekdays line up). A
-- bucket still running at $t is not complete; its year-ago twin is counted
-- only as far as the runner cuts it (the same stretch a year earlier).
-- grain: day
-- span: year_ago
with counted as (
    select date_trunc($bucket, case when day >= $start then day else day + 364 end) as bucket,
           day >= $start as current, total(received) as received
    from facts
    group by all
)
select bucket,
       sum(received) filter (where current)::bigint as received,
       sum(received) filter (where not current)::bigint as received_year_ago,
       least(bucket + ('1 ' || $bucket)::interval, $end::timestamp) <= $t as complete
from counted
group by bucket
order by bucket
