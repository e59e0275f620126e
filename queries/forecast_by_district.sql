-- The forecast volume of each chosen district (every district when none is
-- chosen), rounded: its days ahead in order, one list per district (the days
-- of forecast_ahead.sql, the same for every district).
select district as name, list(round(expected) order by day) as expected
from forecasts
where district <> '全市' and chosen(district, $districts)
group by all
order by name
