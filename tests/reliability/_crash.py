"""Shared by the crash tests: kill counts, integrity checks, the figures they record.

"Acknowledged" means what the user was told: an import is acknowledged when
``trucewatch ingest`` exits 0 (the whole import is one transaction); a
server write when the client received a 2xx answer.  After every SIGKILL the
tests check that every acknowledged write is present, that the database
passes its own integrity checks and that the audit chain verifies.
"""

from __future__ import annotations

import os
import random
import socket
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from trucewatch.store import Database
from trucewatch.store.audit import verify_chain

KILLS = int(os.environ.get("TRUCEWATCH_CRASH_KILLS", "0") or 0)
"""Kills per test and database for a long run; 0 keeps each test's CI default."""

SEED = int(os.environ.get("TRUCEWATCH_CRASH_SEED", "20261130"))
"""Seeds the kill moments (and the synthetic data), so a failing run can be replayed."""

RESULTS: dict[str, dict[str, Any]] = {}
"""Figures per test and database, written to crash.json by conftest.py."""


def kills(default: int) -> int:
    return KILLS or default


def rng(name: str) -> random.Random:
    """A generator seeded by SEED and the test's name: the same moments on every run."""
    return random.Random(f"{SEED}:{name}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def integrity_problems(db: Database) -> list[str]:
    """What the database's own checks find wrong (empty when all is well).

    SQLite: ``PRAGMA integrity_check`` and ``PRAGMA foreign_key_check``.
    PostgreSQL: every foreign key re-checked by query (a constraint proves
    nothing about pages a crash may have torn), every B-tree index checked
    with ``amcheck`` where the extension can be created.  Both: the audit
    chain verifies.
    """
    found: list[str] = []
    with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            result = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
            if result != ["ok"]:
                found.append(f"integrity_check: {result[:5]}")
            orphans = list(conn.exec_driver_sql("PRAGMA foreign_key_check"))
            if orphans:
                found.append(f"foreign_key_check: {orphans[:5]}")
        else:
            found += [f"foreign key {name}: {n} orphan row(s)" for name, n in _pg_orphans(conn)]
            found += _pg_amcheck(conn)
        check = verify_chain(conn)
        if not check.ok:
            found.append(f"audit chain: {check.reason}")
    return found


_FOREIGN_KEYS = """
SELECT c.conname, c.conrelid::regclass::text, c.confrelid::regclass::text,
       array_agg(a.attname ORDER BY k.n), array_agg(af.attname ORDER BY k.n)
FROM pg_constraint c
CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(ck, fk, n)
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.ck
JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = k.fk
WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
GROUP BY c.conname, c.conrelid, c.confrelid
"""


def _pg_orphans(conn: sa.Connection) -> Iterator[tuple[str, int]]:
    for name, child, parent, cols, pcols in conn.exec_driver_sql(_FOREIGN_KEYS):
        present = " AND ".join(f'c."{c}" IS NOT NULL' for c in cols)
        match = " AND ".join(f'p."{p}" = c."{c}"' for c, p in zip(cols, pcols, strict=True))
        sql = (
            f"SELECT count(*) FROM {child} c WHERE {present} "
            f"AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE {match})"
        )
        n = int(conn.exec_driver_sql(sql).scalar_one())
        if n:
            yield name, n


AMCHECKED: list[str] = []
"""Databases whose B-tree indexes amcheck has checked (recorded with the figures)."""


def _pg_amcheck(conn: sa.Connection) -> list[str]:
    """Check every B-tree index of the public schema with amcheck (in a transaction rolled back)."""
    try:
        with conn.begin_nested():
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS amcheck")
    except sa.exc.DBAPIError:
        return []  # not installed or not allowed: the foreign key checks still ran
    AMCHECKED.append(str(conn.engine.url.database))
    found = []
    indexes = conn.exec_driver_sql(
        "SELECT i.indexrelid::regclass::text FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam "
        "WHERE am.amname = 'btree' AND c.relnamespace = 'public'::regnamespace"
    ).scalars()
    for index in list(indexes):
        try:
            with conn.begin_nested():
                conn.exec_driver_sql(f"SELECT bt_index_check('{index}'::regclass, true)")
        except sa.exc.DBAPIError as e:
            found.append(f"amcheck {index}: {e.orig}")
    return found
