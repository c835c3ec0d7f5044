"""Agreements in the database, versioned: an edit never overwrites the terms.

Each load of a changed file adds a version with its full text, SHA-256, who
loaded it and why; loading the same text again adds nothing.  The previous
terms stay readable, because findings are only meaningful against the
version of the agreement they were evaluated under.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from trucewatch.domain import Agreement
from trucewatch.store import audit
from trucewatch.store.schema import agreement_versions, agreements


@dataclass(frozen=True)
class AgreementVersion:
    """One stored version of an agreement's terms."""

    agreement_id: str
    version: int
    sha256: str
    changed_by: str
    changed_at: datetime
    note: str | None
    text: str


def save_agreement(
    conn: Connection,
    agreement: Agreement,
    text: str,
    *,
    user: str,
    now: datetime,
    note: str | None = None,
) -> tuple[int, bool]:
    """Store ``text`` as the newest version unless it is unchanged: (version, created)."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    row = conn.execute(select(agreements).where(agreements.c.id == agreement.id)).mappings().first()
    if row is not None:
        current = conn.execute(
            select(agreement_versions.c.sha256).where(
                agreement_versions.c.agreement_id == agreement.id,
                agreement_versions.c.version == row["current_version"],
            )
        ).scalar_one()
        if current == digest:
            return int(row["current_version"]), False
        version = int(row["current_version"]) + 1
        conn.execute(
            update(agreements)
            .where(agreements.c.id == agreement.id)
            .values(title=agreement.title, current_version=version)
        )
    else:
        version = 1
        conn.execute(
            insert(agreements).values(
                id=agreement.id, title=agreement.title, current_version=1, created_at=now
            )
        )
    conn.execute(
        insert(agreement_versions).values(
            agreement_id=agreement.id,
            version=version,
            text=text,
            sha256=digest,
            changed_by=user,
            changed_at=now,
            note=note,
        )
    )
    audit.record(
        conn,
        at=now,
        user=user,
        action="agreement_version",
        entity_type="agreement",
        entity_id=agreement.id,
        after={"version": version, "sha256": digest},
        note=note,
    )
    return version, True


def agreement_history(conn: Connection, agreement_id: str) -> list[AgreementVersion]:
    """Every stored version of an agreement, oldest first."""
    rows = conn.execute(
        select(agreement_versions)
        .where(agreement_versions.c.agreement_id == agreement_id)
        .order_by(agreement_versions.c.version)
    ).mappings()
    return [
        AgreementVersion(
            r["agreement_id"],
            r["version"],
            r["sha256"],
            r["changed_by"],
            r["changed_at"],
            r["note"],
            r["text"],
        )
        for r in rows
    ]
