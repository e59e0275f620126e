-- 数据截至: when data last arrived, as of $t (the wall clock): the newest request or incident, or the last
-- import (a city's old rows imported today arrived today), never later than $t; and the minutes since. A
-- re-run of the analytics (meta 'refreshed_at') brings no new rows, so it does not count.
with arrivals as (
    select max(received_at) as newest from requests
    union all select max(detected_at) from incidents
    union all select max(started_at) from imports
)
select least(max(newest), $t) as arrived_at, date_diff('minute', least(max(newest), $t), $t) as quiet_minutes
from arrivals
