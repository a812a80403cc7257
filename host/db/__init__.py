"""The host database: SQLAlchemy models, engine and sessions, Alembic migrations shipped in
the package. SQLite by default, PostgreSQL by URL."""
