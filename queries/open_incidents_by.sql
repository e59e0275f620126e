-- How many incidents are open at $t, by severity and type.
-- span: all
select severity, type, count(*) as open
from events
where incident_open(detected_at, closed_at, $t)
group by all
order by severity desc, open desc, type
