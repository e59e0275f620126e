-- The three rates (响应率, 解决率, 满意率) and the on-time rate for requests
-- received in [$start, $end), counted as of $t; plus how many are open at $t.
select
    count(*) as received,
    rate(count(*) filter (where responded_in_time(received_at, responded_at, $t)),
         count(*) filter (where due_for_response(received_at, responded_at, $t))) as response_rate,
    rate(count(*) filter (where resolved_at_callback(callback_at, resolved, $t)),
         count(*) filter (where called_back(callback_at, $t))) as resolution_rate,
    rate(count(*) filter (where satisfied_at_callback(callback_at, satisfied, $t)),
         count(*) filter (where called_back(callback_at, $t))) as satisfaction_rate,
    rate(count(*) filter (where handled_on_time(handled_at, deadline_at, $t)),
         count(*) filter (where due_for_handling(handled_at, deadline_at, $t))) as on_time_rate,
    count(*) filter (where is_open(received_at, handled_at, $t)) as open_now
from requests
where received_at >= $start and received_at < $end and received_at <= $t
