-- Requests open and overdue at $t, whatever day they came in; and those received today.
-- span: all
select
    total(open) as open,
    total(overdue) as overdue,
    total(case when day = $t::date then received else 0 end) as received_today
from facts
