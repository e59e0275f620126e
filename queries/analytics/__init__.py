"""Analytics beside the query layer: early warnings (未诉先办), the volume forecast, topics (每月一题).

They read the rollups and the request rows, write their own tables, and are run
after a generation or an import, or on demand (``python -m queries.analytics``).
"""
