"""The composition root: the one place that wires loaders, engine and analytics.

The faces (CLI now; API and dashboard later) call only this module, so a
feature is written once.  Everything here is orchestration: the work itself
happens in the pure layers below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from trucewatch.actors import ActorRegistry
from trucewatch.agreements import agreement_path, load_agreement
from trucewatch.analytics import (
    Breakdown,
    ComplianceMatrix,
    DayCount,
    compliance_matrix,
    daily_counts,
    detect_breakdown,
)
from trucewatch.cases import case_files
from trucewatch.domain import Agreement, Attribution, Claim, Finding, Incident, Source, Verdict
from trucewatch.engine import evaluate
from trucewatch.engine.evaluate import attribute_all
from trucewatch.errors import InputError
from trucewatch.ingest.acled import read_acled
from trucewatch.ingest.claims import read_claims, read_sources
from trucewatch.store import Database
from trucewatch.store.claims import (
    load_claims,
    load_replies,
    load_sources,
    save_claims,
    save_sources,
)
from trucewatch.store.incidents import load_incidents
from trucewatch.verify.airwars import airwars_grade

DEMO_AGREEMENT = "syria-2016-09-us-russia"
DEMO_CASE = "syria-2016-09"


@dataclass
class Evaluation:
    """Everything one evaluation produced, ready for any face to show."""

    agreement: Agreement
    incidents: list[Incident]
    claims: list[Claim]
    sources: list[Source]
    findings: list[Finding]
    attributions: dict[str, Attribution]
    matrix: ComplianceMatrix
    days: list[DayCount]
    breakdown: Breakdown
    unresolved: dict[str, list[str]] = field(default_factory=dict)
    replies: list[dict[str, object]] = field(default_factory=list)

    def findings_for(self, incident_id: str) -> list[Finding]:
        """The findings of one incident, in obligation order."""
        return [f for f in self.findings if f.incident == incident_id]

    def claims_for(self, incident_id: str) -> list[Claim]:
        """The claims about one incident, by date."""
        return sorted((c for c in self.claims if c.incident == incident_id), key=lambda c: c.date)

    def counts(self) -> dict[str, int]:
        """Findings per verdict."""
        out = {v.value: 0 for v in Verdict}
        for f in self.findings:
            out[f.verdict.value] += 1
        return out

    def as_json(self) -> dict[str, Any]:
        """Plain data for ``--json``: stable keys, dates as ISO strings."""
        b = self.breakdown
        return {
            "agreement": self.agreement.id,
            "incidents": len(self.incidents),
            "claims": len(self.claims),
            "verdicts": self.counts(),
            "findings": [f.model_dump(mode="json") for f in self.findings],
            "attributions": [
                {
                    **a.model_dump(mode="json"),
                    "airwars_grade": airwars_grade(
                        a, self.claims_for(a.incident), {s.id: s for s in self.sources}
                    ),
                }
                for a in self.attributions.values()
            ],
            "compliance": self.matrix.as_dict(),
            "timeline": [
                {
                    "date": d.day.isoformat(),
                    "period": d.period.value,
                    "party_acts": d.party_acts,
                    "party_fatalities": d.party_fatalities,
                    "violations": d.violations,
                    "spoiler_activity": d.spoiler,
                    "permitted": d.permitted,
                }
                for d in self.days
            ],
            "breakdown": {
                "date": b.day.isoformat() if b.day else None,
                "baseline_fatalities_per_day": round(b.baseline, 3),
                "effective": b.effective.isoformat() if b.effective else None,
                "rule": b.rule,
            },
            "unresolved_actor_names": self.unresolved,
            "replies": self.replies,
        }


def run_evaluation(
    agreement_ref: str | Path,
    incidents_path: str | Path,
    claims_path: str | Path | None = None,
    sources_path: str | Path | None = None,
    *,
    actors: ActorRegistry | None = None,
) -> Evaluation:
    """Load the files, evaluate, and roll up: what ``trucewatch evaluate`` does."""
    actors = actors or ActorRegistry.shipped()
    agreement = load_agreement(agreement_path(str(agreement_ref)), actors=actors)
    incidents = read_acled(incidents_path, actors=actors)
    sources = read_sources(sources_path) if sources_path else []
    claims = (
        read_claims(claims_path, known_sources={s.id for s in sources} if sources else None)
        if claims_path
        else []
    )
    return _evaluate(agreement, incidents, claims, sources, actors)


def run_stored_evaluation(
    agreement_ref: str | Path,
    db: Database,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    actors: ActorRegistry | None = None,
) -> Evaluation:
    """Evaluate the incidents stored in ``db`` (optionally a date range) against an agreement."""
    actors = actors or ActorRegistry.shipped()
    agreement = load_agreement(agreement_path(str(agreement_ref)), actors=actors)
    db.require_current()
    with db.engine.connect() as conn:
        incidents = load_incidents(conn, date_from=date_from, date_to=date_to)
        claims = load_claims(conn, [i.id for i in incidents])
        sources = load_sources(conn)
        replies = load_replies(conn, agreement.id, [i.id for i in incidents])
    evaluation = _evaluate(agreement, incidents, claims, sources, actors)
    evaluation.replies = replies
    return evaluation


def store_claims(
    db: Database,
    claims_path: str | Path,
    sources_path: str | Path | None = None,
    *,
    user: str,
    now: datetime | None = None,
) -> dict[str, int]:
    """Store a sources file and a claims file, all or nothing; counts of what was added."""
    now = now or datetime.now(UTC)
    sources = read_sources(sources_path) if sources_path else []
    db.require_current()
    with db.transaction() as conn:
        added_sources, changed_sources = save_sources(conn, sources, user=user, now=now)
        known = {s.id for s in load_sources(conn)}
        claims = read_claims(claims_path, known_sources=known)
        added, problems = save_claims(conn, claims, name=str(claims_path), user=user, now=now)
        if problems:
            raise InputError(problems)
    return {
        "sources_added": added_sources,
        "sources_changed": changed_sources,
        "claims_added": added,
        "claims_in_file": len(claims),
    }


def run_demo(*, actors: ActorRegistry | None = None) -> Evaluation:
    """The Sept 2016 Syria case end to end, from the shipped files."""
    files = case_files(DEMO_CASE)
    return run_evaluation(
        DEMO_AGREEMENT, files.incidents, files.claims, files.sources, actors=actors
    )


def _evaluate(
    agreement: Agreement,
    incidents: list[Incident],
    claims: list[Claim],
    sources: list[Source],
    actors: ActorRegistry,
) -> Evaluation:
    attributions = attribute_all(incidents, claims, {s.id: s for s in sources}, actors)
    findings = evaluate(
        agreement, incidents, claims, actors=actors, sources=sources, attributions=attributions
    )
    days = daily_counts(agreement, incidents, findings)
    unresolved: dict[str, list[str]] = {}
    for i in incidents:
        for a in i.actors:
            if a.id is None:
                unresolved.setdefault(a.name, []).append(i.id)
    return Evaluation(
        agreement=agreement,
        incidents=incidents,
        claims=claims,
        sources=sources,
        findings=findings,
        attributions=attributions,
        matrix=compliance_matrix(agreement, findings),
        days=days,
        breakdown=detect_breakdown(agreement, days),
        unresolved=unresolved,
    )
