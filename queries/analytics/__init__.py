"""Analytics beside the query layer: early warnings (未诉先办), the volume forecast, topics (每月一题).

They read the request rows, write their own tables, and are run after a
generation or an import, or on demand (``python -m queries.analytics``). Their
SQL lives beside them and is read with queries.sql("analytics/<name>").
"""
