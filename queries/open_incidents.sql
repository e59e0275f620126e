-- Incidents open at $t, whatever day they were detected: the most severe and
-- the oldest first, with the stage each has reached by $t.
-- span: all
select
    incident_id, type, severity, source, detected_at,
    round(epoch($t - detected_at) / 60)::bigint as age_minutes,
    case when onsite_at <= $t then 'onsite' when dispatched_at <= $t then 'dispatched'
         when acknowledged_at <= $t then 'acknowledged' else 'detected' end as stage,
    district, street, unit, lat, lon
from events
where incident_open(detected_at, closed_at, $t)
order by severity desc, detected_at, incident_id
limit $limit
