"""The analytics: early warnings (未诉先办), the volume forecast, topics (每月一题).

They read the request rows and write their own tables: as the last step of the refresh pipeline
(data/refresh.py) after a generation, on their own schedule when new rows came (schedule.py, never
inside an import), or on demand (``python -m data.refresh --steps analytics``, also
``python -m queries.analytics``). Their SQL lives in queries/analytics/ and is read
with queries.sql("analytics/<name>").
"""
