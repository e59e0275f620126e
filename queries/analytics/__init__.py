"""The SQL the analytics (data/analytics/) read, read with queries.sql("analytics/<name>")."""
