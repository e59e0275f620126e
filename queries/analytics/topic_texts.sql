-- The requests of [$since, $until) to cluster: their place, topic, how they
-- went, and their text with the place names cut out (a topic is a problem,
-- and the street is kept as its own column). With $street set, that street's only.
select request_id, received_at, district, street, subcategory, text,
       repeat_of is not null or reopened as repeated,
       case when callback_at is not null then not coalesce(satisfied, false) end as unsatisfied
from requests
where received_at >= $since and received_at < $until and text is not null and street is not null
  and ($street is null or street = $street)
