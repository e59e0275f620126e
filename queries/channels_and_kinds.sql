-- Requests by intake channel and by kind (咨询/求助/投诉/举报/建议) in the period.
-- grain: channel kind
select channel, kind, total(received) as received
from facts
where day >= $start
group by all
order by received desc, channel, kind
