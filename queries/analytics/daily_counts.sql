-- Requests per day and place and topic, the detectors' input, kept as a temp
-- table the loader reads twice (the series and their cells): every request
-- received before $until that names its district (imports without places
-- cannot be placed on a street's baseline). A repeat of an earlier ticket
-- (重复诉求) is left out: ten calls about one broken lift are one problem, and
-- counting them would make the counts clump far beyond what a Poisson count allows.
create or replace temp table series_counts as
select received_at::date as day, district, street, category, subcategory, count(*)::integer as n
from requests
where received_at < $until and district is not null and repeat_of is null
group by all
