-- Incidents detected per day, week or month ($bucket) in the period, by
-- severity; a bucket still running at $t is not complete.
select date_trunc($bucket, detected_at) as bucket, severity, count(*) as incidents,
       least(bucket + ('1 ' || $bucket)::interval, $end::timestamp) <= $t as complete
from events
group by all
order by bucket, severity
