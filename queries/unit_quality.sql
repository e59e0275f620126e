-- 办结不等于解决 (closed is not fixed), by unit, street or district ($level):
-- of the requests received in the period and handled by $t, how many were
-- sent back after a failed callback (reopened), and how many came back: a new
-- request about the same subcategory in the same grid within 30 days of the
-- handling (counted against the earlier request's unit and street); of those
-- called back, how many were called resolved but unsatisfied, and how many not
-- resolved at all. quality ranks the rows: 100 × (1 − the mean of the four
-- shares' percent ranks), 100 for the best on every count. (Ranks, because the
-- shares live on different scales: how often a grid's problem recurs within a
-- month depends on how busy the grid is.) Later requests are read from the
-- whole table up to 30 days past the period.
with handled as (
    select case $level when 'district' then district when 'street' then street else unit end as name,
           grid, subcategory, handled_at,
           coalesce(reopened and callback_at <= $t, false) as sent_back,
           called_back(callback_at, $t) as called,
           resolved_at_callback(callback_at, resolved, $t) as fixed,
           satisfied_at_callback(callback_at, satisfied, $t) as pleased
    from tickets
    where handled_at <= $t
),
arrivals as (
    select grid, subcategory, received_at
    from requests
    where received_at > $since and received_at <= least($t, $until + interval 30 day) and grid is not null
),
followed as (
    select h.*, a.received_at <= h.handled_at + interval 30 day as came_back
    from handled h
    asof left join arrivals a
      on h.grid = a.grid and h.subcategory = a.subcategory and a.received_at > h.handled_at
),
counted as (
    select name,
           count(*) as handled,
           rate(count(*) filter (where sent_back), count(*)) as reopen_rate,
           rate(count(*) filter (where came_back), count(*)) as came_back_rate,
           count(*) filter (where called) as called_back,
           rate(count(*) filter (where fixed and not pleased), count(*) filter (where called)) as resolved_unsatisfied_rate,
           rate(count(*) filter (where called and not fixed), count(*) filter (where called)) as not_resolved_rate,
           rate(count(*) filter (where fixed), count(*) filter (where called)) as resolution_rate,
           rate(count(*) filter (where pleased), count(*) filter (where called)) as satisfaction_rate
    from followed
    group by name
)
select *,
       100 * (1 - (percent_rank() over (order by reopen_rate) + percent_rank() over (order by came_back_rate)
                   + percent_rank() over (order by resolved_unsatisfied_rate)
                   + percent_rank() over (order by not_resolved_rate)) / 4) as quality
from counted
where name is not null
order by quality, handled desc, name
