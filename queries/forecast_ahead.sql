-- The next days' forecast volume with its 80 % interval: the city's own
-- forecast ('全市'), or the chosen districts' forecasts summed.
select day, sum(expected) as expected, sum(low) as low, sum(high) as high
from forecasts
where case when len($districts::varchar[]) = 0 then district = '全市'
           else district <> '全市' and chosen(district, $districts) end
group by all
order by day
