"""The audit log: every change, who made it, chained by SHA-256.

Each entry's hash covers the previous entry's hash and the entry itself, so
removing or editing an entry breaks every hash after it; ``verify_chain``
finds the first broken link.  On PostgreSQL an advisory lock serialises
appends so that concurrent writers cannot fork the chain; SQLite serialises
writers by itself.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, text

from trucewatch.store.schema import audit_log

GENESIS = "0" * 64
_LOCK_KEY = 7_303_511  # arbitrary, constant: "the audit chain" advisory lock


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def entry_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    """The hash of one entry given the previous entry's hash."""
    body = {
        k: entry.get(k)
        for k in (
            "at",
            "user_name",
            "action",
            "entity_type",
            "entity_id",
            "before",
            "after",
            "note",
        )
    }
    if isinstance(body["at"], datetime):
        body["at"] = body["at"].isoformat()
    return hashlib.sha256((prev_hash + _canonical(body)).encode("utf-8")).hexdigest()


def record(
    conn: Connection,
    *,
    at: datetime,
    user: str,
    action: str,
    entity_type: str,
    entity_id: str,
    before: Any = None,
    after: Any = None,
    note: str | None = None,
) -> str:
    """Append one entry in the caller's transaction; returns its hash."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    prev = conn.execute(select(audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1))
    prev_hash = prev.scalar_one_or_none() or GENESIS
    entry = {
        "at": at,
        "user_name": user,
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "before": before,
        "after": after,
        "note": note,
    }
    digest = entry_hash(prev_hash, entry)
    conn.execute(insert(audit_log).values(**entry, prev_hash=prev_hash, hash=digest))
    return digest


@dataclass(frozen=True)
class ChainCheck:
    """The outcome of verifying the chain."""

    entries: int
    first_broken: int | None

    @property
    def ok(self) -> bool:
        """Whether every link holds."""
        return self.first_broken is None


def verify_chain(conn: Connection) -> ChainCheck:
    """Recompute every hash in order; report the first entry whose link is broken."""
    prev_hash = GENESIS
    count = 0
    rows = conn.execute(select(audit_log).order_by(audit_log.c.id)).mappings()
    for row in rows:
        count += 1
        entry = dict(row)
        at = entry["at"]
        if isinstance(at, datetime) and at.tzinfo is None:
            # SQLite returns naive datetimes; entries are always written in UTC.
            from datetime import UTC

            entry["at"] = at.replace(tzinfo=UTC)
        if row["prev_hash"] != prev_hash or entry_hash(prev_hash, entry) != row["hash"]:
            return ChainCheck(count, int(row["id"]))
        prev_hash = row["hash"]
    return ChainCheck(count, None)


def history(conn: Connection, entity_type: str, entity_id: str) -> list[dict[str, Any]]:
    """Every audit entry about one entity, oldest first."""
    rows = conn.execute(
        select(audit_log)
        .where(audit_log.c.entity_type == entity_type, audit_log.c.entity_id == entity_id)
        .order_by(audit_log.c.id)
    ).mappings()
    return [dict(r) for r in rows]


def count(conn: Connection) -> int:
    """Number of entries."""
    return int(conn.execute(select(func.count()).select_from(audit_log)).scalar_one())
