-- Requests per district and day up to $until, for the forecast; the city's
-- total is the sum over districts plus the requests that name none.
select received_at::date as day, coalesce(district, '') as district, count(*)::integer as n
from requests
where received_at < $until
group by all
