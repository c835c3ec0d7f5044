"""What a user sees of a record, as plain data: the one view both server faces show.

The API returns these dicts as JSON and the dashboard renders them, so an
incident, a claim, a finding or an access record reads the same in both, and
the redaction rules (``visibility``) are applied in one place.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from trucewatch.access import AccessReport
from trucewatch.accounts import User
from trucewatch.actors import ActorRegistry
from trucewatch.browse import (
    EvaluationCache,
    field_reports_of,
    incident_json,
    server_agreement_id,
    visible_findings,
    visible_incident_ids,
    visible_incident_row,
)
from trucewatch.domain import Finding, Verdict
from trucewatch.engine.evaluate import attribute_all
from trucewatch.records import incident_record
from trucewatch.service import access_report
from trucewatch.store import Database
from trucewatch.store.claims import load_claims, load_sources
from trucewatch.store.schema import evidence
from trucewatch.visibility import (
    redact_field_report,
    sees_all,
    sees_provenance,
)

#: From the most to the least serious: a map shows an incident by its worst verdict.
SEVERITY = (
    Verdict.VIOLATION,
    Verdict.SPOILER_ACTIVITY,
    Verdict.PERMITTED,
    Verdict.BEFORE_EFFECT,
    Verdict.NOT_APPLICABLE,
)

#: Evidence columns anyone who sees the incident may see; the rest (where the
#: file is stored, who collected it, how, from where) only analysts.
PUBLIC_EVIDENCE = ("id", "kind", "sha256", "collected_at", "media_type", "size_bytes")
#: A reply as everyone sees it; who typed it in only analysts.
PUBLIC_REPLY = ("id", "agreement_id", "obligation", "party", "text", "submitted_at")


def _plain(value: Any) -> Any:
    """Datetimes as ISO text in UTC (SQLite hands them back without a zone)."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def plain_row(row: dict[str, Any], keep: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A stored row as JSON-ready data (optionally only the ``keep`` columns)."""
    return {k: _plain(v) for k, v in row.items() if keep is None or k in keep}


def worst_verdict(findings: list[Finding]) -> str | None:
    """The most serious verdict among an incident's findings (None: no finding)."""
    seen = {f.verdict for f in findings}
    return next((v.value for v in SEVERITY if v in seen), None)


def finding_json(f: Finding) -> dict[str, Any]:
    """A finding as the API returns it."""
    return {**f.model_dump(mode="json"), "contested": f.contested}


def incident_view(
    db: Database,
    cache: EvaluationCache,
    user: User,
    incident_id: str,
    agreement_id: str | None = None,
) -> dict[str, Any]:
    """An incident as ``user`` may see it; LookupError if they may not see it at all.

    The API answers it and the dashboard renders it, so both show the same.
    """
    row = visible_incident_row(db, user, incident_id)
    record = incident_record(db, row["id"])
    incident = record.incident
    with db.engine.connect() as conn:
        claims = load_claims(conn, [incident.id])
        sources = {s.id: s for s in load_sources(conn)}
        items = [
            dict(r)
            for r in conn.execute(
                select(evidence)
                .where(evidence.c.incident_id == incident.id)
                .order_by(evidence.c.id)
            ).mappings()
        ]
    findings: list[Finding] = []
    if agreement_id is not None:
        stored = cache.get(db, server_agreement_id(agreement_id))
        attribution = stored.evaluation.attributions.get(incident.id)
        _, findings = visible_findings(db, user, agreement_id, cache=cache, incident=incident.id)
    else:
        attribution = attribute_all([incident], claims, sources, ActorRegistry.shipped()).get(
            incident.id
        )
    provenance = sees_provenance(user)
    out: dict[str, Any] = {
        "incident": incident_json(incident),
        "status": row["status"],
        "published": bool(row["published"]),
        "version": row["version"],
        "admin_units": [
            {"level": level, "pcode": pcode, "name": name}
            for level, pcode, name in record.admin_units
        ],
        "claims": [claim_json(c, sources) for c in claims],
        "attribution": None
        if attribution is None
        else {
            **attribution.model_dump(mode="json"),
            "contested_between": attribution.contested_between,
        },
        "agreement": agreement_id,
        "findings": [finding_json(f) for f in findings],
        "verdict": worst_verdict(findings) if agreement_id else None,
        "replies": [plain_row(r, None if provenance else PUBLIC_REPLY) for r in record.replies],
        "evidence": [plain_row(e, None if sees_all(user) else PUBLIC_EVIDENCE) for e in items],
        "field_reports": [field_report_json(r, user) for r in field_reports_of(db, incident.id)],
    }
    if provenance:
        out["reports"] = [plain_row(r) for r in record.reports]
        out["merges"] = [plain_row(m) for m in record.merges]
        out["history"] = [plain_row(h) for h in record.history]
    return out


def field_report_json(report: dict[str, Any], user: User) -> dict[str, Any]:
    """A field report as ``user`` may see it: ``visibility.SENSITIVE_FIELDS`` only if allowed."""
    return {k: _plain(v) for k, v in redact_field_report(report, user).items()}


def claim_json(claim: Any, sources: dict[str, Any]) -> dict[str, Any]:
    """A claim with its source's name, kind and Admiralty reliability grade."""
    source = sources.get(claim.source)
    return {
        **claim.model_dump(mode="json", exclude={"source"}),
        "source": None
        if source is None
        else {
            "id": source.id,
            "name": source.name,
            "kind": source.kind.value,
            "reliability": source.reliability.value,
        },
        "grade": f"{source.reliability.value if source else 'F'}{claim.credibility.value}",
    }


def visible_access_report(
    db: Database,
    user: User,
    agreement_id: str,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
) -> AccessReport:
    """The agreement's access record, with attacks attributed only from incidents ``user`` sees.

    For analysts this is ``service.access_report``; for others the same
    measurement with the attributions of hidden incidents left out.
    """
    return access_report(
        db,
        server_agreement_id(agreement_id),
        date_from=date_from,
        date_to=date_to,
        visible=None if sees_all(user) else visible_incident_ids(db, user) or set(),
    )
