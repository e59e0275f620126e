-- The scorecard's tiles for one month ($month) and one district ($district,
-- NULL = the city), over the indicators indicator_scorecard.sql lists: how
-- many, how many below target, their mean score, and the share of them
-- computed from the request data.
select count(*) as indicators,
       count(*) filter (where m.score < 100) as below_target,
       avg(m.score) as mean_score,
       avg(d.computed::integer) as computed_share
from indicators m
join indicator_definitions d using (code)
where m.period = $month::date and m.district is not distinct from $district
