-- How many incidents are open at $t, by severity.
-- span: all
select severity, count(*) as open
from events
where incident_open(detected_at, closed_at, $t)
group by all
order by severity desc
