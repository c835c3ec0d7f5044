"""The verification workflow and the right of reply.

An incident moves through verification statuses::

    reported → under_review → verified | disputed | dismissed
    disputed → under_review, verified → under_review  (re-opened with new information)

and nothing else.  Every change names who made it and why, bumps the
incident's version and is written to the audit log in the same transaction,
so the history of a verdict can be read back (``status_history``) and checked
(``trucewatch audit verify``).

A party named in a finding may answer it (the right of reply): ``add_reply``
stores its text beside the incident, audited, and ``show incident`` prints it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from trucewatch.errors import InputError, Problem, StaleVersionError
from trucewatch.records import resolve_incident_ref
from trucewatch.store import Database, audit
from trucewatch.store.schema import audit_log, incidents, replies

STATUSES = ("reported", "under_review", "verified", "disputed", "dismissed")

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "reported": ("under_review",),
    "under_review": ("verified", "disputed", "dismissed"),
    "verified": ("under_review",),
    "disputed": ("under_review",),
    "dismissed": (),
}


@dataclass(frozen=True)
class StatusChange:
    """One change of an incident's status, as the audit log keeps it."""

    audit_id: int
    at: datetime
    user: str
    from_status: str
    to_status: str
    reason: str


def allowed_next(status: str) -> tuple[str, ...]:
    """The statuses an incident in ``status`` may move to."""
    return TRANSITIONS.get(status, ())


def _required(option: str, value: str, message: str) -> str:
    value = value.strip()
    if not value:
        raise InputError([Problem(option, None, message)])
    return value


def _incident_status(conn: Connection, incident_id: str, *, lock: bool = False) -> str:
    query = select(incidents.c.status).where(incidents.c.id == incident_id)
    if lock:
        query = query.with_for_update()
    return str(conn.execute(query).scalar_one())


def change_status(
    db: Database,
    incident_id: str,
    *,
    to: str,
    user: str,
    reason: str,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> StatusChange:
    """Move an incident to status ``to``; refused unless the workflow allows it.

    ``incident_id`` is an incident id or a source's own record id.  The
    status, the version bump and the audit entry are one transaction.  With
    ``expected_version`` the change is refused (``StaleVersionError``) if the
    incident moved on since the caller read it: optimistic locking.
    """
    now = now or datetime.now(UTC)
    reason = _required("--reason", reason, "give a reason: it is kept in the audit log")
    user = _required("--user", user, "give your name: it is kept in the audit log")
    if to not in STATUSES:
        raise InputError(
            [Problem("--to", None, f"'{to}' is not a status", f"use one of: {', '.join(STATUSES)}")]
        )
    db.require_current()
    with db.transaction() as conn:
        resolved = resolve_incident_ref(conn, incident_id)
        current = _incident_status(conn, resolved, lock=True)
        version = _check_version(conn, resolved, expected_version)
        allowed = allowed_next(current)
        if to not in allowed:
            options = ", ".join(allowed) or "nothing (it is final)"
            raise InputError(
                [
                    Problem(
                        "--to",
                        None,
                        f"incident {resolved} is '{current}'; it can go to: {options} "
                        f"— not to '{to}'",
                    )
                ]
            )
        # Compare-and-swap on the version read: on SQLite the reads above run
        # outside the write lock, so another writer may have come in between.
        done = conn.execute(
            update(incidents)
            .where(
                incidents.c.id == resolved,
                incidents.c.status == current,
                incidents.c.version == version,
            )
            .values(status=to, version=incidents.c.version + 1, updated_at=now)
        )
        if done.rowcount != 1:
            raise _stale(conn, resolved, version)
        digest = audit.record(
            conn,
            at=now,
            user=user,
            action="status",
            entity_type="incident",
            entity_id=resolved,
            before={"status": current},
            after={"status": to},
            note=reason,
        )
        entry_id = int(
            conn.execute(select(audit_log.c.id).where(audit_log.c.hash == digest)).scalar_one()
        )
    return StatusChange(entry_id, now, user, current, to, reason)


def _stale(conn: Connection, incident_id: str, read: int) -> StaleVersionError:
    """The error for a write that lost the race for version ``read``."""
    now_at = int(
        conn.execute(select(incidents.c.version).where(incidents.c.id == incident_id)).scalar_one()
    )
    return StaleVersionError("incident", incident_id, read, now_at)


def _check_version(conn: Connection, incident_id: str, expected: int | None) -> int:
    current = int(
        conn.execute(select(incidents.c.version).where(incidents.c.id == incident_id)).scalar_one()
    )
    if expected is not None and expected != current:
        raise StaleVersionError("incident", incident_id, expected, current)
    return current


#: Only reviewed incidents are published; a contested one is published as disputed.
PUBLISHABLE = ("verified", "disputed")


def set_published(
    db: Database,
    incident_id: str,
    *,
    published: bool,
    user: str,
    reason: str,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> int:
    """Publish (or withdraw) an incident; returns its new version.

    Only a verified or disputed incident may be published: an unreviewed
    report must not reach the public as if it were established.
    """
    now = now or datetime.now(UTC)
    reason = _required("reason", reason, "give a reason: it is kept in the audit log")
    db.require_current()
    with db.transaction() as conn:
        resolved = resolve_incident_ref(conn, incident_id)
        # Status, publication and version from one read: one consistent snapshot.
        query = select(incidents.c.status, incidents.c.published, incidents.c.version).where(
            incidents.c.id == resolved
        )
        row = conn.execute(query.with_for_update()).one()
        status, before, version = str(row.status), bool(row.published), int(row.version)
        if expected_version is not None and expected_version != version:
            raise StaleVersionError("incident", resolved, expected_version, version)
        if published and status not in PUBLISHABLE:
            raise InputError(
                [
                    Problem(
                        "published",
                        None,
                        f"incident {resolved} is '{status}'; only a verified or disputed "
                        "incident can be published",
                        "review it first (status under_review, then verified or disputed)",
                    )
                ]
            )
        if before == published:
            return version
        done = conn.execute(
            update(incidents)
            .where(incidents.c.id == resolved, incidents.c.version == version)
            .values(published=published, version=incidents.c.version + 1, updated_at=now)
        )
        if done.rowcount != 1:  # another writer came in after the read (SQLite)
            raise _stale(conn, resolved, version)
        audit.record(
            conn,
            at=now,
            user=user,
            action="published" if published else "withdrawn",
            entity_type="incident",
            entity_id=resolved,
            before={"published": before},
            after={"published": published},
            note=reason,
        )
    return version + 1


def incident_status(db: Database, incident_id: str) -> str:
    """The incident's current status."""
    db.require_current()
    with db.engine.connect() as conn:
        return _incident_status(conn, resolve_incident_ref(conn, incident_id))


def status_history(db: Database, incident_id: str) -> list[StatusChange]:
    """Every status change of an incident, oldest first, from the audit log."""
    db.require_current()
    with db.engine.connect() as conn:
        resolved = resolve_incident_ref(conn, incident_id)
        entries = audit.history(conn, "incident", resolved)
    changes = []
    for e in entries:
        if e["action"] != "status":
            continue
        at = e["at"]
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        changes.append(
            StatusChange(
                int(e["id"]),
                at,
                str(e["user_name"]),
                str((e["before"] or {}).get("status")),
                str((e["after"] or {}).get("status")),
                str(e["note"] or ""),
            )
        )
    return changes


def add_reply(
    db: Database,
    *,
    agreement_id: str,
    incident_id: str,
    obligation: str,
    party: str,
    user: str,
    text: str,
    now: datetime | None = None,
) -> int:
    """Store a party's reply to a finding about an incident; returns the reply's id."""
    now = now or datetime.now(UTC)
    text = _required("--text", text, "the reply is empty: give the party's text")
    agreement_id = _required("--agreement", agreement_id, "name the agreement the finding is under")
    obligation = _required("--obligation", obligation, "name the obligation the finding is about")
    party = _required("--party", party, "name the party that replies (an actor id)")
    user = _required("--user", user, "give your name: it is kept in the audit log")
    db.require_current()
    with db.transaction() as conn:
        resolved = resolve_incident_ref(conn, incident_id)
        values: dict[str, Any] = {
            "agreement_id": agreement_id,
            "incident_id": resolved,
            "obligation": obligation,
            "party": party,
            "user_name": user,
            "text": text,
            "submitted_at": now,
        }
        key = conn.execute(insert(replies).values(**values)).inserted_primary_key
        assert key is not None
        reply_id = int(key[0])
        audit.record(
            conn,
            at=now,
            user=user,
            action="reply",
            entity_type="incident",
            entity_id=resolved,
            after={
                "reply": reply_id,
                "agreement": agreement_id,
                "obligation": obligation,
                "party": party,
                "text": text,
            },
        )
    return reply_id


def replies_for(db: Database, incident_id: str) -> list[dict[str, Any]]:
    """The replies about an incident, oldest first."""
    db.require_current()
    with db.engine.connect() as conn:
        resolved = resolve_incident_ref(conn, incident_id)
        return [
            dict(r)
            for r in conn.execute(
                select(replies).where(replies.c.incident_id == resolved).order_by(replies.c.id)
            ).mappings()
        ]


__all__ = [
    "STATUSES",
    "TRANSITIONS",
    "StatusChange",
    "add_reply",
    "allowed_next",
    "change_status",
    "incident_status",
    "replies_for",
    "status_history",
]
