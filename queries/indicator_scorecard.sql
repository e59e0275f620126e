-- The evaluation scorecard (综合评价) for one month ($month) and one district
-- ($district, NULL = the city): value, target, score, rank among the
-- districts (1 = best), last month's value and the change since (trend).
with this_month as (
    select * from indicators where period = $month::date
), ranked as (
    select code, district,
           rank() over (partition by code order by score desc,
                        case when higher_is_better then -value else value end) as rank,
           count(*) over (partition by code) as ranked_among
    from this_month
    where district is not null
), last_month as (
    select code, value as previous_value from indicators
    where period = ($month::date - interval 1 month)::date and district is not distinct from $district
)
select d.dimension, d.dimension_en, d.aim, d.aim_en, m.code, d.name, d.name_en, m.value, m.measure_unit,
       m.target, m.higher_is_better, m.score, r.rank, r.ranked_among, l.previous_value,
       m.value - l.previous_value as trend, d.computed,
       d.definition, d.definition_en, m.responsible_unit
from this_month m
join indicator_definitions d using (code)
left join ranked r on r.code = m.code and r.district = m.district
left join last_month l on l.code = m.code
where m.district is not distinct from $district
order by m.code
