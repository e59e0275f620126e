"""The demo city: a generated Beijing of requests, incidents and indicators, apart from the real data path.

Nothing outside this package depends on it except the first start (dashboard/app.py) and the
``python -m data.generate`` command; real cities arrive through data/ingest/.
"""
