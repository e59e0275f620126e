"""Which panels each dashboard page shows, with the extra parameters they take.

The benchmark times pages as these lists; the pages draw the same panels.
"""

from __future__ import annotations

from datetime import date

from queries.settings import LIST_ROWS


def pages(month: date) -> dict[str, list[tuple[str, dict[str, object]]]]:
    """Panel calls per page; month is the evaluation month shown on the scorecard."""
    return {
        "overview": [
            ("headline_rates", {}), ("open_now", {}), ("rates_by", {"level": "district"}),
            ("requests_trend", {"bucket": "day"}), ("top_topics", {"level": "subcategory", "limit": 10}),
            ("open_incidents_by_severity", {}), ("open_incidents", {"limit": LIST_ROWS}),
            ("map_areas", {"level": "district"}), ("map_cells", {}),
        ],
        "requests": [
            ("headline_rates", {}), ("requests_trend", {"bucket": "week"}), ("channels_and_kinds", {}),
            ("top_topics", {"level": "category", "limit": 15}), ("top_topics", {"level": "subcategory", "limit": 20}),
            ("rates_by", {"level": "street"}), ("rates_by", {"level": "unit"}),
            ("overdue_requests", {"limit": LIST_ROWS}), ("repeat_requests", {"limit": 50}), ("whistles", {}),
        ],
        "incidents": [
            ("open_incidents_by", {}), ("open_incidents", {"limit": LIST_ROWS}),
            ("incident_lifecycle", {"level": "type"}), ("incident_lifecycle", {"level": "severity"}),
            ("incidents_trend", {"bucket": "day"}),
        ],
        "evaluation": [
            ("indicator_scorecard", {"month": month, "district": None}), ("dimension_scores", {"month": month}),
            ("rectification_list", {"month": month}),
        ],
    }
