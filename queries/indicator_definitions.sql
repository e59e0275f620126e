-- Every evaluation indicator's name, definition and target, for the help text
-- of the KPI tiles and the scorecard.
select code, dimension, aim, name, name_en, measure_unit, target, higher_is_better, definition, definition_en
from indicator_definitions
order by code
