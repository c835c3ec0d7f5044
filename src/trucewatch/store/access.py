"""Access events and sieges in the database, every change audited.

An access event's history is evidence of who obstructed aid, so it is only
ever extended: a file may add steps to a stored event (its stored history must
be the start of the file's), and ``add_step`` appends one; rewriting a stored
step is refused.  Each addition and change writes an audit entry with what was
there before, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from trucewatch.domain.access import AccessEvent, AccessStatus, Siege, StatusChange
from trucewatch.errors import InputError, Problem, did_you_mean
from trucewatch.store import audit
from trucewatch.store.schema import access_events, sieges

__all__ = [
    "add_step",
    "get_event",
    "load_events",
    "load_sieges",
    "save_events",
    "save_sieges",
]


def _row(event: AccessEvent) -> dict[str, Any]:
    return {
        "agreement_id": event.agreement,
        "kind": event.kind.value,
        "organisation": event.organisation,
        "origin": event.origin,
        "destination": event.destination,
        "route": event.route,
        "planned_beneficiaries": event.planned_beneficiaries,
        "status": event.status.value,
        "people_reached": event.people_reached,
        "data": event.model_dump(mode="json"),
    }


def save_events(
    conn: Connection, events: Iterable[AccessEvent], *, name: str, user: str, now: datetime
) -> dict[str, int]:
    """Insert new events and extend stored ones; counts of added, extended and unchanged.

    Raises InputError (nothing written by the caller's transaction) when a
    file's event would rewrite a stored history rather than extend it.
    """
    counts = {"added": 0, "extended": 0, "unchanged": 0}
    problems: list[Problem] = []
    for event in events:
        stored = get_event(conn, event.id, missing_ok=True)
        if stored is None:
            conn.execute(
                insert(access_events).values(
                    id=event.id, **_row(event), created_at=now, updated_at=now
                )
            )
            audit.record(
                conn,
                at=now,
                user=user,
                action="add",
                entity_type="access_event",
                entity_id=event.id,
                after=event.model_dump(mode="json"),
                note=f"from {name}",
            )
            counts["added"] += 1
            continue
        if stored == event:
            counts["unchanged"] += 1
            continue
        old, new = stored.history, event.history
        if new[: len(old)] != old:
            problems.append(
                Problem(
                    name,
                    None,
                    f"access event {event.id!r} is stored with a different history",
                    "a stored history is only extended: keep its steps as they are and add "
                    f"new ones below, or add one with `trucewatch access update {event.id}`",
                )
            )
            continue
        _replace(conn, stored, event, user=user, now=now, note=f"from {name}")
        counts["extended"] += 1
    if problems:
        raise InputError(problems)
    return counts


def add_step(
    conn: Connection, event_id: str, step: StatusChange, *, user: str, now: datetime
) -> AccessEvent:
    """Append one step to a stored event; refused with a clear message if the rules forbid it."""
    stored = get_event(conn, event_id, lock=True)
    assert stored is not None
    try:
        event = stored.with_change(step)
    except ValueError as e:
        raise InputError([Problem(f"access event {event_id}", None, _validation_text(e))]) from None
    _replace(conn, stored, event, user=user, now=now, note=f"{stored.status} → {step.status}")
    return event


def _replace(
    conn: Connection,
    stored: AccessEvent,
    event: AccessEvent,
    *,
    user: str,
    now: datetime,
    note: str,
) -> None:
    before = stored.model_dump(mode="json")
    after = event.model_dump(mode="json")
    changed = {k for k in after if before.get(k) != after[k]}
    conn.execute(
        update(access_events)
        .where(access_events.c.id == event.id)
        .values(**_row(event), updated_at=now)
    )
    audit.record(
        conn,
        at=now,
        user=user,
        action="update",
        entity_type="access_event",
        entity_id=event.id,
        before={k: before.get(k) for k in sorted(changed)},
        after={k: after[k] for k in sorted(changed)},
        note=note,
    )


def get_event(
    conn: Connection, event_id: str, *, lock: bool = False, missing_ok: bool = False
) -> AccessEvent | None:
    """The stored event ``event_id``; InputError naming close ids if there is none."""
    query = select(access_events.c.data).where(access_events.c.id == event_id)
    if lock:
        query = query.with_for_update()
    data = conn.execute(query).scalar_one_or_none()
    if data is not None:
        return AccessEvent.model_validate(data)
    if missing_ok:
        return None
    ids = list(conn.execute(select(access_events.c.id)).scalars())
    guess = did_you_mean(event_id, ids)
    raise InputError(
        [
            Problem(
                event_id,
                None,
                "no such access event",
                f"did you mean {guess!r}?" if guess else "list them with `trucewatch access list`",
            )
        ]
    )


def load_events(
    conn: Connection,
    *,
    agreement: str | None = None,
    status: AccessStatus | None = None,
    destination: str | None = None,
) -> list[AccessEvent]:
    """Stored events, filtered; an event with no agreement is listed under every agreement."""
    query = select(access_events.c.data).order_by(access_events.c.id)
    if agreement is not None:
        query = query.where(
            (access_events.c.agreement_id == agreement) | access_events.c.agreement_id.is_(None)
        )
    if status is not None:
        query = query.where(access_events.c.status == status.value)
    if destination is not None:
        query = query.where(access_events.c.destination == destination)
    return [AccessEvent.model_validate(d) for d in conn.execute(query).scalars()]


def save_sieges(
    conn: Connection, records: Iterable[Siege], *, name: str, user: str, now: datetime
) -> dict[str, int]:
    """Insert or update siege records, audited; counts of added, changed and unchanged."""
    counts = {"added": 0, "changed": 0, "unchanged": 0}
    for siege in records:
        data = siege.model_dump(mode="json")
        row = {
            "area": siege.area,
            "kind": siege.kind.value,
            "start_date": siege.start,
            "end_date": siege.end,
            "population": siege.population,
            "data": data,
        }
        stored = conn.execute(
            select(sieges.c.data).where(sieges.c.id == siege.id)
        ).scalar_one_or_none()
        if stored is None:
            conn.execute(insert(sieges).values(id=siege.id, **row, created_at=now, updated_at=now))
            action, before, after = "add", None, data
            counts["added"] += 1
        elif stored == data:
            counts["unchanged"] += 1
            continue
        else:
            conn.execute(
                update(sieges).where(sieges.c.id == siege.id).values(**row, updated_at=now)
            )
            changed = sorted(k for k in data if stored.get(k) != data[k])
            action = "update"
            before = {k: stored.get(k) for k in changed}
            after = {k: data[k] for k in changed}
            counts["changed"] += 1
        audit.record(
            conn,
            at=now,
            user=user,
            action=action,
            entity_type="siege",
            entity_id=siege.id,
            before=before,
            after=after,
            note=f"from {name}",
        )
    return counts


def load_sieges(conn: Connection) -> list[Siege]:
    """All stored siege records."""
    query = select(sieges.c.data).order_by(sieges.c.area, sieges.c.start_date, sieges.c.id)
    return [Siege.model_validate(d) for d in conn.execute(query).scalars()]


def _validation_text(error: ValueError) -> str:
    """The rule's own words from a pydantic ValidationError or a plain ValueError."""
    errors = getattr(error, "errors", None)
    if callable(errors):
        return "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in errors())
    return str(error)
