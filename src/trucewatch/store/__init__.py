"""Storage: SQLAlchemy 2 Core tables, Alembic migrations, the audit chain.

SQLite by default, PostgreSQL behaving identically.  Everything here is I/O
at the edge; the domain and the engine never import it.
"""

from trucewatch.store.database import DEFAULT_URL, Database, database_url

__all__ = ["DEFAULT_URL", "Database", "database_url"]
