-- For the alert strip and emergency mode (平急转换): incidents open at $t in
-- the chosen places, how many are severe (重大 and above) and how many are
-- late (open too long).
-- span: all
select count(*) as open,
       count(*) filter (where severe(severity)) as severe_open,
       count(*) filter (where incident_late(detected_at, $t)) as late
from events
where incident_open(detected_at, closed_at, $t)
