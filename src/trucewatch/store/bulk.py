"""Bulk inserts through the DBAPI's executemany, with SQLAlchemy's type handling.

SQLAlchemy's Core insert builds parameters row by row through its general
machinery; for an import of a million rows that overhead outweighs the
database's own work several times over.  Here the column bind processors
(dates on SQLite, JSON everywhere) are looked up once per call and applied in
one comprehension, and the rows go to the driver as plain tuples, so stored
values are exactly what SQLAlchemy itself would have written and reads back.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import JSON, Connection, Table


def bulk_insert(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in one executemany."""
    if not rows:
        return
    dialect = conn.dialect
    columns = [c for c in table.columns if c.name in rows[0]]
    processors = [_processor(c.type, dialect) for c in columns]
    quote = dialect.identifier_preparer.quote
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c.name) for c in columns)}) "
        f"VALUES ({', '.join([marker] * len(columns))})"
    )
    pairs = list(zip([c.name for c in columns], processors, strict=True))
    data = [
        tuple(p(row[name]) if p is not None else row[name] for name, p in pairs) for row in rows
    ]
    conn.exec_driver_sql(sql, data)


def _processor(column_type: Any, dialect: Any) -> Callable[[Any], Any] | None:
    processor: Callable[[Any], Any] | None = column_type.bind_processor(dialect)
    if processor is None and isinstance(column_type, JSON):
        # PostgreSQL's dialect adapts JSON inside its own execute path; handed to the
        # driver directly, JSON must be text (the server casts it to json).
        return _dumps
    return processor


def _dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)
