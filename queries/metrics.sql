-- Row-level definitions of the headline metrics, as DuckDB macros. Every
-- panel, rollup, indicator and bulletin counts with these, so a rate means the
-- same everywhere. t is the moment the metric is taken at: a stage later than
-- t has not happened yet. queries/metrics.py names and documents each metric.

-- 响应率: contacted the citizen within the response window (24 h) ...
create or replace temp macro responded_in_time(received_at, responded_at, t) as
    responded_at <= least(received_at + interval 24 hour, t);
-- ... out of the requests whose window has closed or that were already
-- contacted, from sources that record contacts at all (an import without
-- response times has no response rate, rather than 0 %).
create or replace temp macro due_for_response(origin, received_at, responded_at, t) as
    origin not in (select known.source from sources as known where not known.records_responses)
    and (coalesce(responded_at <= t, false) or received_at + interval 24 hour <= t);

-- 解决率 and 满意率: share of called-back requests the citizen calls solved / is satisfied with.
create or replace temp macro called_back(callback_at, t) as
    coalesce(callback_at <= t, false);
create or replace temp macro resolved_at_callback(callback_at, resolved, t) as
    coalesce(callback_at <= t and resolved, false);
create or replace temp macro satisfied_at_callback(callback_at, satisfied, t) as
    coalesce(callback_at <= t and satisfied, false);

-- 按时办结率: handled by the deadline, out of those handled or past their
-- deadline; a request without a deadline (some imports) counts for neither.
create or replace temp macro handled_on_time(handled_at, deadline_at, t) as
    deadline_at is not null and coalesce(handled_at <= least(deadline_at, t), false);
create or replace temp macro due_for_handling(handled_at, deadline_at, t) as
    deadline_at is not null and (coalesce(handled_at <= t, false) or deadline_at <= t);

-- Open and overdue requests at t.
create or replace temp macro is_open(received_at, handled_at, t) as
    received_at <= t and coalesce(handled_at > t, true);
create or replace temp macro is_overdue(received_at, handled_at, deadline_at, t) as
    is_open(received_at, handled_at, t) and deadline_at < t;

-- An incident is open at t until it is closed.
create or replace temp macro incident_open(detected_at, closed_at, t) as
    detected_at <= t and coalesce(closed_at > t, true);

-- The thresholds of queries/settings.py, set as variables by queries.prepare(): an incident is severe (重大 and
-- above) from SEVERE on, late when open longer than CITYOPS_INCIDENT_LATE_HOURS at t; a warning is active when it
-- fired within CITYOPS_WARNING_ACTIVE_DAYS days before t's day.
create or replace temp macro severe(severity) as
    severity >= getvariable('severe_from');
create or replace temp macro incident_late(detected_at, t) as
    detected_at < t - to_hours(getvariable('late_hours')::bigint);
create or replace temp macro warning_active(last_seen, t) as
    last_seen >= t::date - to_days(getvariable('active_days')::integer);

-- The ratio the dashboard shows: NULL rather than a division by zero.
create or replace temp macro rate(numerator, denominator) as
    case when denominator > 0 then numerator::double / denominator end;

-- After this moment none of a request's measures can change (its response
-- window is over and its known stages have happened): the rollups may hold it.
-- An unhandled request never settles, so every open request stays in
-- requests_live, where the open and overdue lists find them quickly.
create or replace temp macro settled_at(received_at, responded_at, handled_at, callback_at, whistle_at) as
    case when handled_at is null then 'infinity'::timestamp
         else greatest(received_at + interval 24 hour, responded_at, handled_at, callback_at, whistle_at) end;

-- A filter on a dimension: no choice means everything.
create or replace temp macro chosen(value, choices) as
    len(choices::varchar[]) = 0 or list_contains(choices::varchar[], value);

-- Sums of the 0/1 measures as plain integers (DuckDB widens sum() to HUGEINT).
create or replace temp macro total(x) as sum(x)::bigint;
