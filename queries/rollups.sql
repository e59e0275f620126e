-- Pre-aggregated facts, built after generation or import (data/rollups.py).
-- A request whose measures can no longer change by the cutoff (variable
-- 'cutoff', the start of the data's last day) is summed into the rollups;
-- every other request is copied to requests_live and summed per query at the
-- panel's t. Rollup + live therefore equals the base table for any t >= cutoff.
-- Each table holds the rows of the days in the temp table rollup_days (the
-- cell rollup: cell_days): every day for a build from scratch, and after a batch
-- data/rollups.py deletes the days it touched and inserts these selects again
-- (variables since and until bound the days, so a scan skips the rest).
create or replace table requests_live as
select * from requests
where received_at >= getvariable('since') and received_at < getvariable('until')
  and received_at::date in (select day from rollup_days)
  and settled_at(received_at, responded_at, handled_at, callback_at, whistle_at) > getvariable('cutoff');

-- The 1 % of requests that blew a whistle (吹哨), for the whistle panels.
create or replace table requests_whistled as
select * from requests where whistle <> 'none' and received_at >= getvariable('since')
  and received_at < getvariable('until') and received_at::date in (select day from rollup_days)
order by received_at;

-- The finest grain, by place, unit and topic; the coarser place and topic
-- rollups are summed from it, the channel one from the rows.
create or replace table rollup_requests_fine as
select day, district, street, unit, category, subcategory,
       sum(columns(* exclude (day, district, street, unit, category, subcategory, channel, kind, hex_q, hex_r, settled_at)))::bigint
from request_facts('requests', getvariable('cutoff'), getvariable('since'), getvariable('until'))
where settled_at <= getvariable('cutoff') and day in (select day from rollup_days)
group by all
order by day;

create or replace table rollup_requests_channel as
select day, district, category, channel, kind,
       sum(columns(* exclude (day, district, street, unit, category, subcategory, channel, kind, hex_q, hex_r, settled_at)))::bigint
from request_facts('requests', getvariable('cutoff'), getvariable('since'), getvariable('until'))
where settled_at <= getvariable('cutoff') and day in (select day from rollup_days)
group by all
order by day;

create or replace table rollup_requests_place as
select day, district, street, unit, sum(columns(* exclude (day, district, street, unit, category, subcategory)))::bigint
from rollup_requests_fine
where day in (select day from rollup_days)
group by all
order by day;

create or replace table rollup_requests_topic as
select day, district, category, subcategory, sum(columns(* exclude (day, district, street, unit, category, subcategory)))::bigint
from rollup_requests_fine
where day in (select day from rollup_days)
group by all
order by day;

-- Per map cell, for the density layer: only the measures the map shows (a
-- panel grouping by cell may read received and open, nothing else).
create or replace table rollup_requests_cells as
select day, district, street, category, hex_q, hex_r, sum(received)::bigint as received, sum(open)::bigint as open
from request_facts('requests', getvariable('cutoff'), getvariable('since'), getvariable('until'))
where settled_at <= getvariable('cutoff') and hex_q is not null and day in (select day from cell_days)
group by all
order by day;
