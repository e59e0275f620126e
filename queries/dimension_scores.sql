-- Mean score of each district in each of the four dimensions for $month:
-- the district × dimension heatmap.
select district, dimension, avg(score) as score, count(*) filter (where score < 100) as below_target
from indicators
where period = $month::date and district is not null and score is not null
group by all
order by district, dimension
