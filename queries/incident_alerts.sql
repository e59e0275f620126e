-- For the alert strip and emergency mode (平急转换): incidents open at $t in
-- the chosen places, how many are severe (重大 and above) and how many have
-- been open longer than $late_hours.
-- span: all
select count(*) as open,
       count(*) filter (where severity >= 3) as severe_open,
       count(*) filter (where detected_at < $t - to_hours($late_hours::bigint)) as late
from events
where incident_open(detected_at, closed_at, $t)
