-- Requests received in [$start, $end) up to $t, per district, busiest first.
select district, count(*) as requests
from requests
where received_at >= $start and received_at < $end and received_at <= $t
group by all
order by requests desc
