chosen(district, $districts) and chosen(street, $streets) and chosen(unit, $units)
and chosen(category, $categories) and chosen(subcategory, $subcategories)
and chosen(channel, $channels) and chosen(kind, $kinds)
