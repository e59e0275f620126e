-- Incidents detected per day, week or month ($bucket) in the period, by severity.
select date_trunc($bucket, detected_at) as bucket, severity, count(*) as incidents
from events
group by all
order by bucket, severity
