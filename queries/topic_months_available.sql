-- The months that have topics, newest first.
select distinct month from topics order by month desc
