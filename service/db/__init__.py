"""Database access: the connection pool, the embedded server, migrations and named queries."""
