chosen(district, $districts) and chosen(street, $streets) and chosen(unit, $units)
and chosen(type, $types) and (len($severities::tinyint[]) = 0 or list_contains($severities::tinyint[], severity))
