-- Closed is not fixed (办结≠解决): per unit (承办单位), street or district ($level), the requests received
-- in the period, how many were handled by $t, and how often "handled" did not fix the problem:
--   reopen_rate              called-back requests sent back to the unit after a failed callback (重新派单),
--                            out of the called-back requests: the evaluation's D1.2;
--   repeat_30d_rate          handled requests whose problem came back: another request with the same grid
--                            and subcategory was received after the handled_at and within 30 days of it (and
--                            by $t), whatever its channel, kind or unit; out of the handled requests with a
--                            grid. It counts against the earlier request's unit and street. One handled less
--                            than 30 days before $t has had less time to come back;
--   resolved_unsatisfied_rate  called back, resolved and not satisfied, out of the called-back requests;
--   closed_not_resolved_rate   called back and not resolved, out of the called-back requests;
-- beside the 解决率 and 满意率 (queries/metrics.sql). quality_score = 100 × (1 − the mean of those four
-- rates, leaving out one without a denominator): 100 when nothing came back and nobody was left unhappy.
-- quality_rank 1 is the best score.
with flagged as (
    select
        case $level when 'district' then district when 'street' then street else unit end as name,
        -- the problem as one 64-bit hash of grid and subcategory: the ASOF join below takes a third of the time
        -- it takes on the two strings; two of 10⁶ problems share a hash with a chance below 10⁻⁷
        case when grid is not null then hash(grid, subcategory) end as problem,
        handled_at,
        1 as received,
        coalesce(handled_at <= $t, false)::int as handled,
        coalesce(handled_at <= $t and grid is not null, false)::int as handled_in_grid,
        called_back(callback_at, $t)::int as called_back,
        coalesce(reopened and called_back(callback_at, $t), false)::int as reopened,
        resolved_at_callback(callback_at, resolved, $t)::int as resolved,
        satisfied_at_callback(callback_at, satisfied, $t)::int as satisfied,
        coalesce(called_back(callback_at, $t) and resolved and not satisfied, false)::int as resolved_unsatisfied,
        coalesce(called_back(callback_at, $t) and not resolved, false)::int as not_resolved
    from tickets
),
later as (
    -- every request that can bring a handled one's problem back. The filter chooses the handled requests,
    -- not the ones that come back, so these are read from requests: received after the period began (no
    -- handled request is older) and by $t, not only before $until (a request handled after the period
    -- can come back 30 days after that), and only about the problems in the period.
    select hash(grid, subcategory) as problem, received_at
    from requests
    where received_at >= $since and received_at <= $t
      and hash(grid, subcategory) in (select problem from flagged)
),
measured as (
    -- the first request about the same problem after the handling (ASOF), if it came within 30 days; a
    -- request without a grid has no problem to match and never counts as repeated
    select flagged.*, coalesce(later.received_at <= flagged.handled_at + interval 30 day, false)::int as repeated_30d
    from flagged
    asof left join later on later.problem = flagged.problem and flagged.handled_at < later.received_at
),
rated as (
    select
        name,
        total(received) as received,
        total(handled) as handled,
        rate(total(reopened), total(called_back)) as reopen_rate,
        total(repeated_30d) as repeated_30d,
        rate(total(repeated_30d), total(handled_in_grid)) as repeat_30d_rate,
        rate(total(resolved_unsatisfied), total(called_back)) as resolved_unsatisfied_rate,
        rate(total(not_resolved), total(called_back)) as closed_not_resolved_rate,
        rate(total(resolved), total(called_back)) as resolution_rate,
        rate(total(satisfied), total(called_back)) as satisfaction_rate
    from measured
    group by name
),
scored as (
    select *, 100 * (1 - list_avg([reopen_rate, repeat_30d_rate, resolved_unsatisfied_rate,
                                   closed_not_resolved_rate])) as quality_score
    from rated
)
select *,
       case when quality_score is not null then rank() over (order by quality_score desc nulls last) end
           as quality_rank
from scored
order by quality_score desc nulls last, received desc, name
