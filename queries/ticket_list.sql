-- 工单列表: the latest requests in the period with the stage each has reached
-- by $t and every life-cycle time, for the list and its detail view; free
-- text masked.
select
    request_id, received_at,
    case when callback_at <= $t then 'closed' when handled_at <= $t then 'handled'
         when is_overdue(received_at, handled_at, deadline_at, $t) then 'overdue'
         when responded_at <= $t then 'responded' when dispatched_at <= $t then 'dispatched'
         else 'received' end as stage,
    district, street, unit, category, subcategory, channel, kind,
    mask_personal(text) as text,
    case when dispatched_at <= $t then dispatched_at end as dispatched_at,
    case when responded_at <= $t then responded_at end as responded_at,
    case when handled_at <= $t then handled_at end as handled_at,
    case when callback_at <= $t then callback_at end as callback_at,
    deadline_at,
    case when callback_at <= $t then resolved end as resolved,
    case when callback_at <= $t then satisfied end as satisfied,
    repeat_of, whistle
from tickets
order by received_at desc, request_id
limit $limit
