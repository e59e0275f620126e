-- The injected events with the category of the subcategory they drive.
select e.*, c.category
from demo_events e
left join categories c using (subcategory)
order by e.event_id
