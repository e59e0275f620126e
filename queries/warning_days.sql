-- One warning's chart: each day's requests against the expected band.
select day, observed, expected, low, high
from warning_days
where warning_id = $warning_id
order by day
