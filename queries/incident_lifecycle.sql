-- Incidents detected in the period by type, severity, unit or district
-- ($level): how many, how many still open at $t, and how long detect → on
-- site (minutes) and detect → closed (hours) took, mean and p90.
select
    case $level when 'type' then type when 'severity' then severity::varchar
                when 'unit' then unit else district end as name,
    count(*) as incidents,
    count(*) filter (where incident_open(detected_at, closed_at, $t)) as open,
    avg(epoch(onsite_at - detected_at) / 60) filter (where onsite_at <= $t) as onsite_minutes_mean,
    quantile_cont(epoch(onsite_at - detected_at) / 60, 0.9) filter (where onsite_at <= $t) as onsite_minutes_p90,
    avg(epoch(closed_at - detected_at) / 3600) filter (where closed_at <= $t) as close_hours_mean,
    quantile_cont(epoch(closed_at - detected_at) / 3600, 0.9) filter (where closed_at <= $t) as close_hours_p90
from events
group by name
order by incidents desc, name
