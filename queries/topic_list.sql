-- 每月一题: the month's ($month) candidate topics in the chosen places, strongest first.
select rank, topic_id, keywords, district, street, subcategory, volume, expected, growth,
       repeat_rate, unsatisfied_rate, score
from topics
where month = $month and chosen(district, $districts) and chosen(street, $streets)
order by rank
limit $limit
