-- 三率 and the on-time rate for the period and the period before it (环比; for a
-- running period only as far into it as $t is into this one, like for like),
-- counted as of $t, beside each rate's target from the evaluation scheme;
-- running: whether the period is still running at $t.
-- span: previous
with targets as (
    select max(target) filter (where code = 'C1.1') / 100 as response_target,
           max(target) filter (where code = 'C2.1') / 100 as resolution_target,
           max(target) filter (where code = 'C3.1') / 100 as satisfaction_target,
           max(target) filter (where code = 'C1.2') / 100 as on_time_target
    from indicator_definitions
)
select
    day >= $start as current,
    $t::timestamp < $until::timestamp as running,
    total(received) as received,
    rate(total(responded_in_time), total(due_for_response)) as response_rate,
    rate(total(resolved), total(called_back)) as resolution_rate,
    rate(total(satisfied), total(called_back)) as satisfaction_rate,
    rate(total(handled_on_time), total(due_for_handling)) as on_time_rate,
    any_value(targets.response_target) as response_target,
    any_value(targets.resolution_target) as resolution_target,
    any_value(targets.satisfaction_target) as satisfaction_target,
    any_value(targets.on_time_target) as on_time_target
from facts, targets
group by all
order by current desc
