-- A few of a topic's requests to read, personal data masked.
select r.request_id, r.received_at, r.street, r.subcategory, mask_personal(r.text) as text
from topic_samples s
join requests r using (request_id)
where s.month = $month and s.topic_id = $topic_id
order by r.received_at desc
