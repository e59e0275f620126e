-- 三率 and the on-time rate for the period and the period before it (环比),
-- counted as of $t; open and overdue requests at $t whatever their day.
-- span: previous
select
    day >= $start as current,
    total(received) as received,
    rate(total(responded_in_time), total(due_for_response)) as response_rate,
    rate(total(resolved), total(called_back)) as resolution_rate,
    rate(total(satisfied), total(called_back)) as satisfaction_rate,
    rate(total(handled_on_time), total(due_for_handling)) as on_time_rate
from facts
group by all
order by current desc
