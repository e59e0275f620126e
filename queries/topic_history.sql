-- One topic's volume and three rates, month by month.
select for_month, volume, response_rate, resolution_rate, satisfaction_rate
from topic_months
where month = $month and topic_id = $topic_id
order by for_month
