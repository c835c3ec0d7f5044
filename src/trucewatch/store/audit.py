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
from datetime import UTC, datetime
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
    """The outcome of verifying the chain.

    ``first_broken`` is the id of the first entry whose link does not hold and
    ``reason`` says why: its own content no longer matches its hash (edited),
    or its ``prev_hash`` no longer matches the entry before it (an entry
    before it was removed or altered).
    """

    entries: int
    first_broken: int | None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        """Whether every link holds."""
        return self.first_broken is None


def verify_chain(conn: Connection) -> ChainCheck:
    """Recompute every hash in order; report the first entry whose link is broken.

    Two checks per entry, in this order: its stored hash must be the hash of
    its stored ``prev_hash`` and content (else it was edited, or entries'
    contents were swapped), and its ``prev_hash`` must equal the hash of the
    entry before it (else an entry before it was removed, or altered and
    re-hashed).  Gaps in ids alone prove nothing: PostgreSQL sequences skip
    on rollback.  Removing the newest entries leaves no later link to break;
    compare ``count`` or the last hash with a copy kept elsewhere for that.
    """
    prev_hash = GENESIS
    prev_id: int | None = None
    count = 0
    rows = conn.execute(select(audit_log).order_by(audit_log.c.id)).mappings()
    for row in rows:
        count += 1
        entry = dict(row)
        at = entry["at"]
        if isinstance(at, datetime) and at.tzinfo is None:
            # SQLite returns naive datetimes; entries are always written in UTC.
            entry["at"] = at.replace(tzinfo=UTC)
        entry_id = int(row["id"])
        if entry_hash(str(row["prev_hash"]), entry) != row["hash"]:
            return ChainCheck(
                count,
                entry_id,
                f"entry {entry_id}: its content does not match its hash — "
                "it was edited after it was written",
            )
        if row["prev_hash"] != prev_hash:
            before = f"entry {prev_id}" if prev_id is not None else "the start of the log"
            return ChainCheck(
                count,
                entry_id,
                f"entry {entry_id}: its prev_hash does not match {before} — "
                "an entry before it was removed or altered",
            )
        prev_hash = str(row["hash"])
        prev_id = entry_id
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
