-- 吹哨报到: whistles blown in the period by level, how many departments have
-- reported on site by $t, and the time from whistle to arrival (mean, p90).
-- rows: whistled
select
    whistle,
    count(*) as whistles,
    count(*) filter (where arrived_at <= $t) as arrived,
    avg(epoch(arrived_at - whistle_at) / 3600) filter (where arrived_at <= $t) as mean_hours,
    quantile_cont(epoch(arrived_at - whistle_at) / 3600, 0.9) filter (where arrived_at <= $t) as p90_hours
from tickets
where whistle <> 'none' and whistle_at <= $t
group by whistle
order by whistles desc, whistle
