-- The months the evaluation covers, the latest first, for the month picker.
select distinct period as month from indicators order by month desc
