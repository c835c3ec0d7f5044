"""Claims and sources in the database.

Claims refer to incidents by the id their author used — often a source's own
record id (``TW-SYR-0023``) while the stored incident is ``ucdp:301214``
after a merge — so they are resolved through the reports when stored.
Source grades can change (the Admiralty reliability is a track record); every
change of a grade is written to the audit log with its before and after.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from trucewatch.domain import Claim, Source
from trucewatch.errors import Problem
from trucewatch.store import audit
from trucewatch.store.incidents import incidents_for_ref
from trucewatch.store.schema import claims, replies, sources


def save_sources(
    conn: Connection, items: Iterable[Source], *, user: str, now: datetime
) -> tuple[int, int]:
    """Insert new sources and update changed ones (audited): (added, changed)."""
    added = changed = 0
    for src in items:
        values = {
            "name": src.name,
            "kind": src.kind.value,
            "reliability": src.reliability.value,
            "independence_group": src.independence_group,
            "actor": src.actor,
            "url": src.url,
            "note": src.note,
        }
        row = conn.execute(select(sources).where(sources.c.id == src.id)).mappings().first()
        if row is None:
            conn.execute(insert(sources).values(id=src.id, created_at=now, **values))
            added += 1
            continue
        before = {k: row[k] for k in values if row[k] != values[k]}
        if before:
            conn.execute(update(sources).where(sources.c.id == src.id).values(**values))
            audit.record(
                conn,
                at=now,
                user=user,
                action="update",
                entity_type="source",
                entity_id=src.id,
                before=before,
                after={k: values[k] for k in before},
            )
            changed += 1
    return added, changed


def resolve_incident(conn: Connection, ref: str) -> str | None:
    """The stored incident a claim's incident reference names (None: unknown or ambiguous)."""
    hits = {incident for incident, _ in incidents_for_ref(conn, ref)}
    return hits.pop() if len(hits) == 1 else None


def save_claims(
    conn: Connection, items: Iterable[Claim], *, name: str, user: str, now: datetime
) -> tuple[int, list[Problem]]:
    """Store claims (by id; an existing id is left as it is); problems for unknown incidents."""
    problems: list[Problem] = []
    added = 0
    for claim in items:
        if conn.execute(select(claims.c.id).where(claims.c.id == claim.id)).first():
            continue
        incident_id = resolve_incident(conn, claim.incident)
        if incident_id is None:
            problems.append(
                Problem(
                    name,
                    None,
                    f"claim {claim.id}: no stored incident '{claim.incident}'",
                    "import the incident first",
                )
            )
            continue
        conn.execute(
            insert(claims).values(
                id=claim.id,
                incident_id=incident_id,
                claimant=claim.claimant,
                kind=claim.kind.value,
                subject=claim.subject,
                text=claim.text,
                date=claim.date,
                source_id=claim.source,
                credibility=claim.credibility.value,
                language=claim.language,
                url=claim.url,
                created_at=now,
            )
        )
        audit.record(
            conn,
            at=now,
            user=user,
            action="claim",
            entity_type="incident",
            entity_id=incident_id,
            after={"claim": claim.id, "kind": claim.kind.value, "subject": claim.subject},
        )
        added += 1
    return added, problems


def load_claims(conn: Connection, incident_ids: Iterable[str]) -> list[Claim]:
    """The stored claims about these incidents (ids as stored)."""
    ids = list(incident_ids)
    out: list[Claim] = []
    for start in range(0, len(ids), 900):
        rows = conn.execute(
            select(claims)
            .where(claims.c.incident_id.in_(ids[start : start + 900]))
            .order_by(claims.c.date, claims.c.id)
        ).mappings()
        out.extend(
            Claim(
                id=r["id"],
                incident=r["incident_id"],
                claimant=r["claimant"],
                kind=r["kind"],
                subject=r["subject"],
                text=r["text"],
                date=r["date"],
                source=r["source_id"] or "",
                credibility=r["credibility"],
                language=r["language"],
                url=r["url"],
            )
            for r in rows
        )
    return out


def load_sources(conn: Connection) -> list[Source]:
    """Every stored source with its current grade."""
    rows = conn.execute(select(sources).order_by(sources.c.id)).mappings()
    return [
        Source(
            id=r["id"],
            name=r["name"],
            kind=r["kind"],
            reliability=r["reliability"],
            independence_group=r["independence_group"],
            actor=r["actor"],
            url=r["url"],
            note=r["note"],
        )
        for r in rows
    ]


def load_replies(
    conn: Connection, agreement_id: str, incident_ids: Iterable[str]
) -> list[dict[str, object]]:
    """Parties' replies to findings of one agreement about these incidents, oldest first."""
    ids = list(incident_ids)
    out: list[dict[str, object]] = []
    for start in range(0, len(ids), 900):
        rows = conn.execute(
            select(replies)
            .where(
                replies.c.agreement_id == agreement_id,
                replies.c.incident_id.in_(ids[start : start + 900]),
            )
            .order_by(replies.c.submitted_at, replies.c.id)
        ).mappings()
        out.extend(
            {
                "incident": r["incident_id"],
                "obligation": r["obligation"],
                "party": r["party"],
                "user": r["user_name"],
                "text": r["text"],
                "submitted_at": r["submitted_at"].isoformat(),
            }
            for r in rows
        )
    return out
