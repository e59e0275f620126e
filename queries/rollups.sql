-- Pre-aggregated facts, built after generation or import (queries/rollups.py).
-- A request whose measures can no longer change by the cutoff (variable
-- 'cutoff', the start of the data's last day) is summed into the rollups;
-- every other request is copied to requests_live and summed per query at the
-- panel's t. Rollup + live therefore equals the base table for any t >= cutoff.
create or replace table requests_live as
select * from requests
where settled_at(received_at, responded_at, handled_at, callback_at, whistle_at) > getvariable('cutoff');

-- The 1 % of requests that blew a whistle (吹哨), for the whistle panels.
create or replace table requests_whistled as
select * from requests where whistle <> 'none' order by received_at;

-- One scan, three grains: by topic, by category, channel and kind, by place and unit.
create or replace temp table rollup_sets as
select grouping(subcategory) = 0 as by_topic, grouping(channel) = 0 as by_channel, grouping(street) = 0 as by_place,
       day, district, category, subcategory, channel, kind, street, unit,
       sum(columns(* exclude (day, district, street, unit, category, subcategory, channel, kind, settled_at)))::bigint
from request_facts('requests', getvariable('cutoff'), '-infinity'::timestamp, 'infinity'::timestamp)
where settled_at <= getvariable('cutoff')
group by grouping sets ((day, district, category, subcategory), (day, district, category, channel, kind),
                        (day, district, street, unit));

create or replace table rollup_requests_topic as
select * exclude (by_topic, by_channel, by_place, channel, kind, street, unit) from rollup_sets where by_topic order by day;

create or replace table rollup_requests_channel as
select * exclude (by_topic, by_channel, by_place, subcategory, street, unit) from rollup_sets where by_channel order by day;

create or replace table rollup_requests_place as
select * exclude (by_topic, by_channel, by_place, category, subcategory, channel, kind) from rollup_sets where by_place order by day;

drop table rollup_sets;
