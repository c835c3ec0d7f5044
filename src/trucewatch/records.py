"""Reading and correcting stored records: an incident with everything behind it.

``show incident`` must answer "where did this come from?" without a second
query: its reports (source, file, SHA-256, row, raw values), the merges that
joined them with their reasons, and its audit history.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from trucewatch.actors import ActorRegistry
from trucewatch.domain import Incident
from trucewatch.errors import InputError, Problem
from trucewatch.store import Database, audit
from trucewatch.store.geo import admin_units_of
from trucewatch.store.incidents import (
    derive,
    incidents_for_ref,
    insert_incidents,
    load_incident,
    recompute,
)
from trucewatch.store.schema import corroborations, incident_actors, replies, reports, sources


@dataclass
class IncidentRecord:
    """An incident with its reports, merges, audit history and parties' replies."""

    incident: Incident
    reports: list[dict[str, Any]]
    merges: list[dict[str, Any]]
    history: list[dict[str, Any]]
    replies: list[dict[str, Any]] = field(default_factory=list)
    admin_units: list[tuple[int, str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for --json."""

        def clean(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [
                {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in r.items()}
                for r in rows
            ]

        return {
            "incident": self.incident.model_dump(mode="json"),
            "reports": clean(self.reports),
            "merges": clean(self.merges),
            "history": clean(self.history),
            "replies": clean(self.replies),
            "admin_units": [
                {"level": lv, "pcode": pcode, "name": name} for lv, pcode, name in self.admin_units
            ],
        }


def resolve_incident_ref(conn: Connection, ref: str, *, option: str = "ID") -> str:
    """The incident ``ref`` names (an incident id or a source's record id), or a clear error."""
    hits = incidents_for_ref(conn, ref)
    if len({incident for incident, _ in hits}) == 1:
        return hits[0][0]
    if hits:
        options = ", ".join(f"{source}:{ref}" for _, source in hits)
        raise InputError(
            [
                Problem(
                    option,
                    None,
                    f"several sources use the record id '{ref}'",
                    f"name one of: {options}",
                )
            ]
        )
    raise InputError(
        [
            Problem(
                option,
                None,
                f"no incident or source record '{ref}'",
                "ids look like ucdp:301214 (source:record id) or 301214; "
                "list them with `trucewatch evaluate --json`",
            )
        ]
    )


def resolve_refs(
    conn: Connection, refs: Iterable[str], visible: set[str] | None = None
) -> dict[str, str]:
    """Each reference that names one stored incident (among ``visible``, if given) → its id.

    References that name none, several, or a hidden incident are left out:
    an access step keeps its reference as written, unattributed.
    """
    out: dict[str, str] = {}
    for ref in sorted(set(refs)):
        try:
            resolved = resolve_incident_ref(conn, ref)
        except InputError:
            continue
        if visible is None or resolved in visible:
            out[ref] = resolved
    return out


def incident_record(db: Database, ref: str) -> IncidentRecord:
    """The incident ``ref`` (an incident id, or a source's own record id)."""
    db.require_current()
    with db.engine.connect() as conn:
        incident_id = resolve_incident_ref(conn, ref)
        incident = load_incident(conn, incident_id)
        assert incident is not None
        rows = [
            dict(r)
            for r in conn.execute(
                select(
                    reports.c.id,
                    reports.c.source_id,
                    sources.c.name.label("source_name"),
                    sources.c.reliability,
                    reports.c.external_id,
                    reports.c.file,
                    reports.c.file_sha256,
                    reports.c.row,
                    reports.c.original,
                    reports.c.created_at,
                    reports.c.updated_at,
                )
                .join(sources, sources.c.id == reports.c.source_id)
                .where(reports.c.incident_id == incident_id)
                .order_by(reports.c.id)
            ).mappings()
        ]
        merges = [
            dict(r)
            for r in conn.execute(
                select(corroborations)
                .where(corroborations.c.incident_id == incident_id)
                .order_by(corroborations.c.id)
            ).mappings()
        ]
        history = audit.history(conn, "incident", incident_id)
        for r in rows:
            history += audit.history(conn, "report", f"{r['source_id']}:{r['external_id']}")
        history.sort(key=lambda h: h["id"])
        answers = [
            dict(r)
            for r in conn.execute(
                select(replies).where(replies.c.incident_id == incident_id).order_by(replies.c.id)
            ).mappings()
        ]
        units = admin_units_of(conn, incident_id)
    return IncidentRecord(incident, rows, merges, history, answers, units)


def unmerge(db: Database, report_id: int, *, user: str, now: datetime | None = None) -> str:
    """Undo a corroboration: the report becomes its own incident again; returns its id."""
    now = now or datetime.now(UTC)
    db.require_current()
    with db.transaction() as conn:
        report = conn.execute(select(reports).where(reports.c.id == report_id)).mappings().first()
        if report is None:
            raise InputError(
                [
                    Problem(
                        str(report_id),
                        None,
                        "no report with this id",
                        "see the report ids in `trucewatch show incident ID`",
                    )
                ]
            )
        merge = (
            conn.execute(
                select(corroborations).where(
                    corroborations.c.report_id == report_id,
                    corroborations.c.undone_at.is_(None),
                )
            )
            .mappings()
            .first()
        )
        if merge is None:
            raise InputError(
                [
                    Problem(
                        str(report_id),
                        None,
                        "this report was not merged into another incident",
                        "only reports listed under 'merges' can be un-merged",
                    )
                ]
            )
        old_incident = str(report["incident_id"])
        new_id = f"{report['source_id']}:{report['external_id']}"
        account = Incident.model_validate({**report["parsed"], "id": new_id})
        insert_incidents(conn, [derive(new_id, [account])], now)
        conn.execute(
            update(reports)
            .where(reports.c.id == report_id)
            .values(incident_id=new_id, updated_at=now)
        )
        conn.execute(
            update(corroborations)
            .where(corroborations.c.id == merge["id"])
            .values(undone_at=now, undone_by=user)
        )
        recompute(conn, [old_incident], now)
        audit.record(
            conn,
            at=now,
            user=user,
            action="unmerge",
            entity_type="incident",
            entity_id=old_incident,
            before={"report": report_id},
            after={"new_incident": new_id},
        )
    return new_id


def unresolved_actor_names(
    db: Database, actors: ActorRegistry, limit: int = 50
) -> list[tuple[str, int, list[str]]]:
    """Names no registry actor resolved: (name, times seen, closest known ids)."""
    db.require_current()
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(incident_actors.c.name, func.count().label("n"))
            .where(incident_actors.c.actor_id.is_(None))
            .group_by(incident_actors.c.name)
            .order_by(func.count().desc(), incident_actors.c.name)
            .limit(limit)
        ).all()
    return [(str(r.name), int(r.n), actors.closest(str(r.name))) for r in rows]


def source_counts(db: Database) -> Counter[str]:
    """Reports per source."""
    with db.engine.connect() as conn:
        return Counter(
            {
                str(s): int(n)
                for s, n in conn.execute(
                    select(reports.c.source_id, func.count()).group_by(reports.c.source_id)
                )
            }
        )


__all__ = [
    "IncidentRecord",
    "incident_record",
    "source_counts",
    "unmerge",
    "unresolved_actor_names",
]
