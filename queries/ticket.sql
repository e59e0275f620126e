-- Where one ticket sits, whatever the filters, for the link /requests?ticket=<request_id>: its day and the
-- values it files under, which narrow queries/ticket_list.sql down to it (one place for a ticket's row).
select received_at::date as day, district, street, unit, subcategory, channel, kind
from requests
where request_id = $ticket and received_at <= $t
