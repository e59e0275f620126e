-- 事件列表: incidents detected in the period, the latest first, with the stage
-- each has reached by $t and its life-cycle times for the detail view.
select
    incident_id, detected_at, type, severity, source,
    case when closed_at <= $t then 'closed' when onsite_at <= $t then 'onsite'
         when dispatched_at <= $t then 'dispatched' when acknowledged_at <= $t then 'acknowledged'
         else 'detected' end as stage,
    district, street, unit,
    case when acknowledged_at <= $t then acknowledged_at end as acknowledged_at,
    case when dispatched_at <= $t then dispatched_at end as dispatched_at,
    case when onsite_at <= $t then onsite_at end as onsite_at,
    case when closed_at <= $t then closed_at end as closed_at,
    case when onsite_at <= $t then epoch(onsite_at - detected_at) / 60 end as onsite_minutes
from events
order by detected_at desc, incident_id
limit $limit
