-- 整改清单: every district indicator below its target in $month (for the
-- chosen districts), the furthest from target first, with who answers for it.
select i.district, i.dimension, i.aim, i.code, i.name, d.name_en, i.value, i.measure_unit, i.target,
       i.higher_is_better, i.score, i.value - i.target as gap, i.responsible_unit
from indicators i
join indicator_definitions d using (code)
where i.period = $month::date and i.district is not null and i.score < 100 and chosen(i.district, $districts)
order by i.score, i.district, i.code
