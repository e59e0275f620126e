-- Each district or street ($level) for the choropleth: volume, the three
-- rates, the on-time rate, requests per 10,000 residents, and its label point.
-- grain: $level
with counted as (
    select case $level when 'district' then district else street end as name,
           total(received) as received,
           rate(total(responded_in_time), total(due_for_response)) as response_rate,
           rate(total(resolved), total(called_back)) as resolution_rate,
           rate(total(satisfied), total(called_back)) as satisfaction_rate,
           rate(total(handled_on_time), total(due_for_handling)) as on_time_rate,
           total(open) as open
    from facts
    where day >= $start
    group by name
), areas as (
    select district as name, population, centroid_lat, centroid_lon from districts where $level = 'district'
    union all
    select street, population, centroid_lat, centroid_lon from streets where $level = 'street'
)
select c.*, a.population, 10000.0 * c.received / nullif(a.population, 0) as per_10k, a.centroid_lat, a.centroid_lon
from counted c
left join areas a using (name)
order by c.received desc, c.name
