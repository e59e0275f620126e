-- The next seven days' forecast volume, with its 80 % interval, for the whole
-- city ('全市') and for each chosen district (every district when none is chosen).
select district, day, expected, low, high
from forecasts
where district = '全市' or chosen(district, $districts)
order by district = '全市' desc, district, day
