-- The facts every request panel sums: one row per request with its
-- dimensions and its measures as of time t (0/1 flags and sums), taken from
-- the table named src ('requests', or 'requests_live' on the rollup path),
-- received in [since, until) and by t.
-- Panels only ever sum these measures, so the same panel SQL runs on raw
-- rows and on the pre-aggregated rollups (queries/rollups.sql), which hold
-- the same columns.
create or replace temp macro request_facts(src, t, since, until) as table
select
    received_at::date as day,
    district, street, unit, category, subcategory, channel, kind,
    hex_round_q(axial_q, axial_r) as hex_q, hex_round_r(axial_q, axial_r) as hex_r,
    1 as received,
    responded_in_time(received_at, responded_at, t)::int as responded_in_time,
    due_for_response(source, received_at, responded_at, t)::int as due_for_response,
    called_back(callback_at, t)::int as called_back,
    resolved_at_callback(callback_at, resolved, t)::int as resolved,
    satisfied_at_callback(callback_at, satisfied, t)::int as satisfied,
    coalesce(handled_on_time(handled_at, deadline_at, t), false)::int as handled_on_time,
    due_for_handling(handled_at, deadline_at, t)::int as due_for_handling,
    coalesce(handled_at <= t, false)::int as handled,
    case when handled_at <= t then (epoch(handled_at - received_at) // 60)::int else 0 end as handling_minutes,
    is_open(received_at, handled_at, t)::int as open,
    is_overdue(received_at, handled_at, deadline_at, t)::int as overdue,
    (repeat_of is not null)::int as repeats,
    coalesce(reopened and callback_at <= t, false)::int as reopened,
    coalesce(whistle <> 'none' and whistle_at <= t, false)::int as whistles,
    -- after this moment none of the measures above can change: the row may be rolled up
    settled_at(received_at, responded_at, handled_at, callback_at, whistle_at) as settled_at
from (
    select *, hex_axial_q(lat, lon) as axial_q, hex_axial_r(lat, lon) as axial_r
    from query_table(src)
    where received_at >= since and received_at < until and received_at <= t
);
