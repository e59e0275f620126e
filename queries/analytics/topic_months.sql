-- A topic's month-by-month volume and three rates, over the requests the
-- clustering assigned to it (registered as `members`), with the dashboard's own
-- metric definitions (queries/metrics.sql) as of $t.
select date_trunc('month', r.received_at)::date as for_month, count(*)::integer as volume,
       rate(total(responded_in_time(r.received_at, r.responded_at, $t)::int),
            total(due_for_response(r.source, r.received_at, r.responded_at, $t)::int)) as response_rate,
       rate(total(resolved_at_callback(r.callback_at, r.resolved, $t)::int),
            total(called_back(r.callback_at, $t)::int)) as resolution_rate,
       rate(total(satisfied_at_callback(r.callback_at, r.satisfied, $t)::int),
            total(called_back(r.callback_at, $t)::int)) as satisfaction_rate
from requests r
join members m using (request_id)
group by all
order by for_month
