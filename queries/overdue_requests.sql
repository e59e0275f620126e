-- Requests open past their deadline at $t (超期未办结), the longest overdue first.
-- span: all
-- rows: open
select
    request_id, received_at, deadline_at,
    round(epoch($t - deadline_at) / 3600, 1) as hours_overdue,
    district, street, unit, category, subcategory, channel,
    mask_personal(text) as text
from tickets
where is_overdue(received_at, handled_at, deadline_at, $t)
order by deadline_at, request_id
limit $limit
