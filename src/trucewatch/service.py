"""The composition root: the one place that wires loaders, engine and analytics.

The faces (CLI now; API and dashboard later) call only this module, so a
feature is written once.  Everything here is orchestration: the work itself
happens in the pure layers below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from trucewatch.access import AccessReport, measure_access, read_access
from trucewatch.access.loader import AccessFile
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
from trucewatch.analytics.health import Health, measure
from trucewatch.analytics.series import DaySeries, Window, daily_series, window
from trucewatch.cases import case_files
from trucewatch.domain import (
    Agreement,
    Attribution,
    Claim,
    Finding,
    Incident,
    Source,
    Verdict,
    Zone,
)
from trucewatch.domain.access import AccessEvent, AccessStatus, Siege, StatusChange
from trucewatch.engine import evaluate
from trucewatch.engine.evaluate import attribute_all
from trucewatch.errors import InputError, Problem
from trucewatch.geo.boundaries import AdminIndex
from trucewatch.geo.gazetteer import Gazetteer
from trucewatch.geo.zones import ZoneIndex
from trucewatch.ingest.acled import read_acled
from trucewatch.ingest.claims import read_claims, read_claims_and_sources, read_sources
from trucewatch.records import resolve_refs
from trucewatch.store import Database
from trucewatch.store.access import (
    add_step,
    get_event,
    load_events,
    load_sieges,
    save_events,
    save_sieges,
)
from trucewatch.store.audit import history as audit_history
from trucewatch.store.claims import (
    load_claims,
    load_replies,
    load_sources,
    save_claims,
    save_sources,
)
from trucewatch.store.incidents import load_incident, load_incidents
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
    access: AccessReport | None = None

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
            "access": self.access.as_json() if self.access else None,
        }


def run_evaluation(
    agreement_ref: str | Path,
    incidents_path: str | Path,
    claims_path: str | Path | None = None,
    sources_path: str | Path | None = None,
    *,
    access_path: str | Path | None = None,
    actors: ActorRegistry | None = None,
) -> Evaluation:
    """Load the files, evaluate, and roll up: what ``trucewatch evaluate`` does."""
    actors = actors or ActorRegistry.shipped()
    agreement = load_agreement(agreement_path(str(agreement_ref)), actors=actors)
    incidents = read_acled(incidents_path, actors=actors)
    claims, sources = read_claims_and_sources(claims_path, sources_path)
    access = read_access(access_path) if access_path else None
    return evaluation_of(agreement, incidents, claims, sources, actors, access)


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
        access = AccessFile(load_events(conn, agreement=agreement.id), load_sieges(conn))
    evaluation = evaluation_of(
        agreement,
        incidents,
        claims,
        sources,
        actors,
        access if access.events else None,
        zones=stored_zones(agreement, db),
    )
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
        DEMO_AGREEMENT,
        files.incidents,
        files.claims,
        files.sources,
        access_path=files.access,
        actors=actors,
    )


def evaluation_of(
    agreement: Agreement,
    incidents: list[Incident],
    claims: list[Claim],
    sources: list[Source],
    actors: ActorRegistry,
    access: AccessFile | None = None,
    zones: ZoneIndex | None = None,
) -> Evaluation:
    """Evaluate loaded incidents and claims, and roll up: the pure core every face shares."""
    attributions = attribute_all(incidents, claims, {s.id: s for s in sources}, actors)
    findings = evaluate(
        agreement,
        incidents,
        claims,
        actors=actors,
        sources=sources,
        attributions=attributions,
        zones=zones,
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
        access=(
            measure_access(
                agreement, access.events, access.sieges, actors=actors, attributions=attributions
            )
            if access is not None
            else None
        ),
    )


def _known_agreements(db: Database) -> set[str]:
    from sqlalchemy import select

    from trucewatch.agreements.shipped import shipped_agreement_ids
    from trucewatch.store.schema import agreements as agreements_table

    with db.engine.connect() as conn:
        stored = set(conn.execute(select(agreements_table.c.id)).scalars())
    return stored | set(shipped_agreement_ids())


def store_access(
    db: Database, path: str | Path, *, user: str, now: datetime | None = None
) -> dict[str, int]:
    """Store an access file (convoys and sieges), all or nothing; counts of what changed."""
    now = now or datetime.now(UTC)
    db.require_current()
    file = read_access(path, known_agreements=_known_agreements(db))
    with db.transaction() as conn:
        events = save_events(conn, file.events, name=str(path), user=user, now=now)
        sieges = save_sieges(conn, file.sieges, name=str(path), user=user, now=now)
    return {
        "events_added": events["added"],
        "events_extended": events["extended"],
        "events_unchanged": events["unchanged"],
        "sieges_added": sieges["added"],
        "sieges_changed": sieges["changed"],
        "sieges_unchanged": sieges["unchanged"],
    }


def record_access_step(
    db: Database, event_id: str, step: StatusChange, *, user: str, now: datetime | None = None
) -> AccessEvent:
    """Append one step to a stored access event; refused, and nothing stored, if invalid."""
    now = now or datetime.now(UTC)
    db.require_current()
    with db.transaction() as conn:
        return add_step(conn, event_id, step, user=user, now=now)


def list_access(
    db: Database,
    *,
    agreement: str | None = None,
    status: AccessStatus | None = None,
    destination: str | None = None,
) -> list[AccessEvent]:
    """Stored access events, filtered."""
    db.require_current()
    with db.engine.connect() as conn:
        return load_events(conn, agreement=agreement, status=status, destination=destination)


def list_sieges(db: Database, *, on: date | None = None) -> list[Siege]:
    """Stored siege records, or those holding on day ``on``."""
    db.require_current()
    with db.engine.connect() as conn:
        records = load_sieges(conn)
    return [s for s in records if on is None or s.covers(on)]


def show_access(db: Database, event_id: str) -> tuple[AccessEvent, list[dict[str, Any]]]:
    """One stored access event and its audit history."""
    db.require_current()
    with db.engine.connect() as conn:
        event = get_event(conn, event_id)
        assert event is not None
        return event, audit_history(conn, "access_event", event_id)


def access_report(
    db: Database,
    agreement_ref: str | Path,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    actors: ActorRegistry | None = None,
    visible: set[str] | None = None,
) -> AccessReport:
    """Measure an agreement's access commitments from the stored convoys and sieges.

    Attacks tied to stored incidents take those incidents' attributions, from
    the stored claims and graded sources.  With ``visible`` (the incident ids
    a reader may see) only those incidents lend their attribution: an
    unpublished attack's attribution must not reach the public this way.
    """
    actors = actors or ActorRegistry.shipped()
    agreement = load_agreement(agreement_path(str(agreement_ref)), actors=actors)
    db.require_current()
    with db.engine.connect() as conn:
        events = load_events(conn, agreement=agreement.id)
        sieges = load_sieges(conn)
        stored_id = resolve_refs(
            conn, (c.incident for e in events for c in e.history if c.incident), visible
        )
        incidents = [i for i in (load_incident(conn, x) for x in stored_id.values()) if i]
        claims = load_claims(conn, [i.id for i in incidents])
        sources = load_sources(conn)
    by_id = attribute_all(incidents, claims, {s.id: s for s in sources}, actors)
    # Steps name incidents as the file wrote them (a source's record id).
    attributions = {ref: by_id[i] for ref, i in stored_id.items() if i in by_id}
    return measure_access(
        agreement,
        events,
        sieges,
        actors=actors,
        attributions=attributions,
        start=date_from,
        end=date_to,
    )


@dataclass(frozen=True)
class HealthReport:
    """An agreement's daily series and health over its window."""

    agreement: Agreement
    span: Window
    series: list[DaySeries]
    health: Health

    def as_json(
        self, *, date_from: date | None = None, date_to: date | None = None
    ) -> dict[str, Any]:
        """``trucewatch health --json``: days (optionally a date range), effect, break dates."""
        data = self.health.as_json()
        data["days"] = [
            {**d, "series": s.as_json()}
            for d, s in zip(data["days"], self.series, strict=True)
            if (date_from is None or s.day >= date_from) and (date_to is None or s.day <= date_to)
        ]
        data["window"] = {
            "baseline_from": self.span.baseline_start.isoformat(),
            "effect_day": self.span.effect_day.isoformat(),
            "partial_effect_day": self.span.partial_effect_day,
            "to": self.span.end.isoformat(),
        }
        return data


def health_of(ev: Evaluation, *, end: date | None = None) -> HealthReport:
    """The health of the evaluated agreement, from an evaluation's incidents and findings."""
    last = max((i.date for i in ev.incidents), default=None)
    span = window(ev.agreement, last_data_day=last, end=end)
    series = daily_series(ev.agreement, ev.incidents, ev.findings, span)
    return HealthReport(
        ev.agreement, span, series, measure(ev.agreement.id, series, span.effect_day)
    )


def stored_health(
    agreement_ref: str | Path,
    db: Database,
    *,
    end: date | None = None,
    actors: ActorRegistry | None = None,
) -> HealthReport:
    """Health of an agreement from the incidents stored in ``db`` (its window only)."""
    actors = actors or ActorRegistry.shipped()
    agreement = load_agreement(agreement_path(str(agreement_ref)), actors=actors)
    span = window(agreement, end=end)
    until = end or (agreement.ended.date if agreement.ended else None)
    ev = run_stored_evaluation(
        agreement_ref, db, date_from=span.baseline_start, date_to=until, actors=actors
    )
    return health_of(ev, end=end)


def write_report(
    agreement_ref: str,
    *,
    fmt: str,
    period: str,
    on: date | None,
    case: str | None = None,
    files: tuple[Path | None, Path | None, Path | None, Path | None] = (None, None, None, None),
    db: Database | None = None,
) -> str:
    """A report's text, from a shipped case, from files, or from the database."""
    from trucewatch.report.document import build_report
    from trucewatch.report.html import render_html
    from trucewatch.report.markdown import render_markdown

    incidents, claims, sources, access = files
    if case is not None:
        c = case_files(case)
        ev = run_evaluation(agreement_ref, c.incidents, c.claims, c.sources, access_path=c.access)
    elif incidents is not None:
        ev = run_evaluation(agreement_ref, incidents, claims, sources, access_path=access)
    else:
        if db is None:
            raise InputError(
                [Problem("--db", None, "no data to report on", "give --db, --case or --incidents")]
            )
        agreement = load_agreement(agreement_path(agreement_ref), actors=ActorRegistry.shipped())
        span = window(agreement, end=on)
        ev = run_stored_evaluation(agreement_ref, db, date_from=span.baseline_start, date_to=on)
    last = max((i.date for i in ev.incidents), default=None)
    natural = window(ev.agreement, last_data_day=last)
    if on is not None and not natural.baseline_start <= on <= natural.end:
        raise InputError(
            [
                Problem(
                    "--date",
                    None,
                    f"{on} is outside the agreement's window "
                    f"({natural.baseline_start} to {natural.end})",
                    "give a date inside it",
                )
            ]
        )
    health = health_of(ev, end=on)
    admin = (
        stored_admin_index(db) if db is not None and case is None and incidents is None else None
    )
    document = build_report(ev, health, period=period, on=on, admin=admin)  # type: ignore[arg-type]
    return render_html(document) if fmt == "html" else render_markdown(document)


@dataclass(frozen=True)
class AgreementSummary:
    """One agreement in a side-by-side comparison."""

    agreement: Agreement
    days_in_force: int | None
    effect: str
    had_effect: bool | None
    ratio: float | None
    first_break: date | None
    first_warning: date | None
    collapsed_on: date | None
    violations_by_side: dict[str, int]
    access: str
    ended: str

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "agreement": self.agreement.id,
            "title": self.agreement.title,
            "signed": self.agreement.signed.isoformat(),
            "days_in_force": self.days_in_force,
            "effect": self.effect,
            "had_effect": self.had_effect,
            "ratio": None if self.ratio is None else round(self.ratio, 3),
            "first_break": self.first_break.isoformat() if self.first_break else None,
            "first_warning": self.first_warning.isoformat() if self.first_warning else None,
            "collapsed_on": self.collapsed_on.isoformat() if self.collapsed_on else None,
            "violations_by_side": self.violations_by_side,
            "access": self.access,
            "ended": self.ended,
        }


#: Agreements with no recorded end are compared over their first this-many days,
#: so an arrangement that was superseded is not measured for years after.
COMPARE_DAYS = 60


def compare_agreements(
    db: Database, agreement_refs: list[str] | None = None, *, actors: ActorRegistry | None = None
) -> list[AgreementSummary]:
    """Agreements side by side from the stored incidents and access events.

    For each: days in force, the effect on violence between the parties, when
    violence came back (first break, first warning, collapse), violations by
    side while in force, access achieved against its commitments, how it ended.
    """
    from trucewatch.agreements.shipped import shipped_agreement_ids
    from trucewatch.analytics.health import State

    actors = actors or ActorRegistry.shipped()
    out = []
    for ref in agreement_refs or shipped_agreement_ids():
        agreement = load_agreement(agreement_path(ref), actors=actors)
        span = window(agreement)
        horizon = span.first_full_day + timedelta(days=COMPARE_DAYS - 1)
        end = min(agreement.ended.date, horizon) if agreement.ended else horizon
        report = stored_health(ref, db, end=end, actors=actors)
        a, h = report.agreement, report.health
        in_effect = [s for s in report.series if s.in_effect]
        by_side: dict[str, int] = {}
        for s in in_effect:
            for side, n in s.by_side.items():
                by_side[side] = by_side.get(side, 0) + n
        access = access_report(db, ref, date_to=end, actors=actors)
        reached = [
            f"{c.commitment.id}: {c.people_reached:,}"
            + (f" of {c.target_people:,}" if c.target_people is not None else "")
            + f" ({c.status.replace('_', ' ')})"
            for c in access.commitments
        ]
        collapsed = [d.day for d in h.days if d.state == State.COLLAPSED]
        out.append(
            AgreementSummary(
                agreement=a,
                days_in_force=(report.span.end - report.span.first_full_day).days + 1
                if in_effect
                else None,
                effect=h.effect.reason,
                had_effect=h.effect.had_effect,
                ratio=h.effect.headline.ratio,
                first_break=h.break_dates[0] if h.break_dates else None,
                first_warning=h.warnings[0].day if h.warnings else None,
                collapsed_on=collapsed[0] if collapsed else None,
                violations_by_side=by_side,
                access="; ".join(reached) or "no access commitment",
                ended=f"{a.ended.date}: {a.ended.how}"
                if a.ended
                else f"no formal end recorded (measured over its first {COMPARE_DAYS} days)",
            )
        )
    return out


# --------------------------------------------------------------------------- places and zones


def geo_load(
    db: Database, path: str | Path, *, user: str, now: datetime | None = None
) -> dict[str, int]:
    """Load admin boundaries (GeoJSON, Shapefile) or a gazetteer (CSV), all or nothing.

    Boundaries then give every stored incident its admin units by point-in-polygon.
    """
    from trucewatch.geo.boundaries import read_boundaries, read_places_csv
    from trucewatch.ingest.base import file_sha256
    from trucewatch.store.geo import assign_admin_units, load_admin_index, save_places, save_units

    now = now or datetime.now(UTC)
    path = Path(path)
    db.require_current()
    if path.suffix.lower() == ".csv":
        found = read_places_csv(path)
        with db.transaction() as conn:
            return {"places": save_places(conn, found, source=str(path), user=user, now=now)}
    units = read_boundaries(path)
    with db.transaction() as conn:
        n = save_units(conn, units, source=str(path), sha256=file_sha256(path), user=user, now=now)
        index = load_admin_index(conn)
        assigned = assign_admin_units(conn, index) if index is not None else 0
    return {"units": n, "incidents_located": assigned}


def stored_gazetteer(db: Database) -> Gazetteer:
    """The shipped gazetteer plus the places loaded into ``db``."""
    from trucewatch.store.geo import load_places

    gazetteer = Gazetteer.shipped()
    db.require_current()
    with db.engine.connect() as conn:
        gazetteer.add(load_places(conn))
    return gazetteer


def stored_admin_index(db: Database) -> AdminIndex | None:
    """The boundaries loaded into ``db``, if any."""
    from trucewatch.store.geo import load_admin_index

    db.require_current()
    with db.engine.connect() as conn:
        return load_admin_index(conn)


def stored_zones(agreement: Agreement, db: Database) -> ZoneIndex:
    """The agreement's zones with loaded boundaries, approved versions and moved lines.

    Belts drawn along a line of contact follow each stored position of that
    line from its date (``trucewatch lines load``), so stored evaluations
    judge a sighting against where the line ran on its day.
    """
    from trucewatch.territory import stored_zones_with_lines

    return stored_zones_with_lines(agreement, db)


def propose_zone_change(
    db: Database,
    agreement_ref: str,
    zone_file: str | Path,
    *,
    broker: str,
    user: str,
    note: str | None = None,
    now: datetime | None = None,
) -> int:
    """A broker proposes a new definition for one of the agreement's zones."""
    from trucewatch.store.geo import propose_zone

    now = now or datetime.now(UTC)
    agreement = load_agreement(agreement_path(agreement_ref), actors=ActorRegistry.shipped())
    zone = _zone_from_file(zone_file, agreement)
    _require_broker(agreement, broker, "--broker")
    db.require_current()
    with db.transaction() as conn:
        return propose_zone(conn, agreement.id, zone, broker=broker, user=user, now=now, note=note)


def approve_zone_change(
    db: Database,
    agreement_ref: str,
    zone_id: str,
    version: int,
    *,
    broker: str,
    user: str,
    effective: date | None = None,
    now: datetime | None = None,
) -> None:
    """The other broker approves a proposed zone version; it takes effect from ``effective``."""
    from trucewatch.store.geo import approve_zone

    now = now or datetime.now(UTC)
    agreement = load_agreement(agreement_path(agreement_ref), actors=ActorRegistry.shipped())
    _require_broker(agreement, broker, "--broker")
    db.require_current()
    with db.transaction() as conn:
        approve_zone(
            conn,
            agreement.id,
            zone_id,
            version,
            broker=broker,
            user=user,
            now=now,
            effective=effective or now.date(),
        )


def _require_broker(agreement: Agreement, broker: str, option: str) -> None:
    if broker not in agreement.brokers:
        raise InputError(
            [
                Problem(
                    option,
                    None,
                    f"'{broker}' is not a broker of {agreement.id}",
                    f"its brokers: {', '.join(agreement.brokers) or 'none'}",
                )
            ]
        )


def _zone_from_file(path: str | Path, agreement: Agreement) -> Zone:
    """A zone definition from a YAML file (one zone, as under ``zones:``), checked."""
    from pydantic import ValidationError

    from trucewatch.agreements.places import resolve_zone_places
    from trucewatch.yamlfile import load_yaml, problems_from_validation

    data, lines = load_yaml(path)
    wrapped = {"zones": [data]}
    problems = resolve_zone_places(wrapped, lines, str(path), Path(path).parent)
    if problems:
        raise InputError(problems)
    try:
        zone = Zone.model_validate(wrapped["zones"][0])
    except ValidationError as e:
        raise InputError(problems_from_validation(e, str(path), lines)) from None
    if zone.id not in {z.id for z in agreement.zones}:
        raise InputError(
            [
                Problem(
                    str(path),
                    lines.line_of(("id",)),
                    f"{agreement.id} has no zone '{zone.id}'",
                    f"its zones: {', '.join(z.id for z in agreement.zones)}",
                )
            ]
        )
    return zone


def write_map(
    agreement_ref: str,
    *,
    fmt: str,
    case: str | None = None,
    incidents: Path | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    db: Database | None = None,
) -> bytes:
    """A PNG or SVG map of the agreement's zones and incidents by verdict."""
    from trucewatch.report.maps import build_map, to_png, to_svg

    admin = None
    zones = None
    if case is not None:
        c = case_files(case)
        ev = run_evaluation(agreement_ref, c.incidents, c.claims, c.sources)
    elif incidents is not None:
        ev = run_evaluation(agreement_ref, incidents)
    elif db is not None:
        ev = run_stored_evaluation(agreement_ref, db, date_from=date_from, date_to=date_to)
        admin = stored_admin_index(db)
        zones = stored_zones(ev.agreement, db)
    else:
        raise InputError(
            [Problem("--db", None, "no data to map", "give --db, --case or --incidents")]
        )
    shown = [
        i
        for i in ev.incidents
        if (date_from is None or i.date >= date_from) and (date_to is None or i.date <= date_to)
    ]
    ids = {i.id for i in shown}
    picture = build_map(
        ev.agreement,
        shown,
        [f for f in ev.findings if f.incident in ids],
        zones=zones,
        admin=admin,
        places=Gazetteer.shipped().places,
    )
    return to_png(picture) if fmt == "png" else to_svg(picture).encode("utf-8")
