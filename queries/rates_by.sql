-- 三率 and the on-time rate ranked by district, street or unit ($level), with
-- the volume and the open and overdue requests at $t.
-- grain: $level
select
    case $level when 'district' then district when 'street' then street else unit end as name,
    total(received) as received,
    rate(total(responded_in_time), total(due_for_response)) as response_rate,
    rate(total(resolved), total(called_back)) as resolution_rate,
    rate(total(satisfied), total(called_back)) as satisfaction_rate,
    rate(total(handled_on_time), total(due_for_handling)) as on_time_rate,
    total(repeats) as repeats
from facts
group by all
order by satisfaction_rate desc nulls last, received desc, name
