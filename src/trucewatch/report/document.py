"""A monitoring report as data: what goes in, in the order missions publish it.

Pure: an evaluation and its health in, a :class:`Report` out; the Markdown and
HTML writers only lay it out, so both say exactly the same thing.  The shape
follows the periodic reports of ceasefire monitoring missions (the OSCE SMM's
daily and spot reports; see ../shared/REFERENCE.md): summary, change since the
last report, violations by party and obligation, contested incidents with every
claim and reply, humanitarian access, health and warnings, method and sources.

Periods: ``all`` covers the whole window (baseline to end); ``daily`` and
``weekly`` cover the day or the seven days ending on the report date, and
"change since the last report" compares them with the period before.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from trucewatch.analytics.health import DayHealth
from trucewatch.analytics.series import DaySeries
from trucewatch.domain import AttributionStatus, Claim, Finding, Incident, Verdict
from trucewatch.geo.boundaries import AdminIndex
from trucewatch.service import Evaluation, HealthReport

Period = Literal["all", "daily", "weekly"]
PERIOD_DAYS = {"daily": 1, "weekly": 7}


@dataclass(frozen=True)
class Row:
    """One party's violations in a period."""

    party: str
    violations: int
    contested: int
    fatalities: int


@dataclass(frozen=True)
class Contest:
    """A contested incident with every claim, and the replies to its findings."""

    incident: Incident
    shares: list[tuple[str, float]]
    claims: list[Claim]
    grades: dict[str, str]
    findings: list[Finding]
    replies: list[dict[str, object]]


@dataclass(frozen=True)
class Report:
    """Everything a report says, format-neutral."""

    agreement_id: str
    title: str
    period: Period
    start: date
    end: date
    previous: tuple[date, date] | None
    evaluation: Evaluation
    health: HealthReport
    incidents: list[Incident]
    by_party: list[Row]
    by_party_before: dict[str, int]
    matrix: dict[str, dict[str, tuple[int, int]]]
    obligations: list[str]
    spoiler: int
    permitted: int
    contests: list[Contest]
    days: list[tuple[DaySeries, DayHealth]]
    notes: list[str] = field(default_factory=list)
    admin: AdminIndex | None = None

    @property
    def violations(self) -> int:
        """Violations in the period (incident × obligation findings)."""
        return sum(r.violations for r in self.by_party)

    @property
    def state_on_end(self) -> DayHealth | None:
        """The truce's state on the last day of the period."""
        return self.days[-1][1] if self.days else None


def build_report(
    ev: Evaluation,
    health: HealthReport,
    *,
    period: Period = "all",
    on: date | None = None,
    admin: AdminIndex | None = None,
) -> Report:
    """The report for ``period`` ending on ``on`` (default: the end of the health window)."""
    span = health.span
    end = on or span.end
    if period == "all":
        start, previous = span.baseline_start, None
    else:
        n = PERIOD_DAYS[period]
        start = end - timedelta(days=n - 1)
        previous = (start - timedelta(days=n), start - timedelta(days=1))
    incidents = sorted(
        (i for i in ev.incidents if start <= i.date <= end), key=lambda i: (i.date, i.id)
    )
    ids = {i.id for i in incidents}
    findings = [f for f in ev.findings if f.incident in ids]
    by_party = _by_party(findings, {i.id: i for i in incidents})
    before: dict[str, int] = {}
    if previous is not None:
        earlier = {i.id: i for i in ev.incidents if previous[0] <= i.date <= previous[1]}
        earlier_findings = [f for f in ev.findings if f.incident in earlier]
        before = {r.party: r.violations for r in _by_party(earlier_findings, earlier)}
    matrix: dict[str, dict[str, tuple[int, int]]] = {}
    for f in findings:
        if f.verdict != Verdict.VIOLATION:
            continue
        contested = f.attribution_status == AttributionStatus.CONTESTED or len(f.responsible) > 1
        parties = {r.side or r.actor for r in f.responsible} or {"unattributed"}
        for p in parties:
            a, c = matrix.setdefault(p, {}).get(f.obligation, (0, 0))
            matrix[p][f.obligation] = (a, c + 1) if contested else (a + 1, c)
    grades = {s.id: f"{s.reliability.value}" for s in ev.sources}
    contests = [
        Contest(
            i,
            [(a, ev.attributions[i.id].shares[a]) for a in ev.attributions[i.id].leading()],
            ev.claims_for(i.id),
            {c.id: grades.get(c.source, "?") + c.credibility.value for c in ev.claims_for(i.id)},
            ev.findings_for(i.id),
            [r for r in ev.replies if r.get("incident") == i.id],
        )
        for i in incidents
        if i.id in ev.attributions and ev.attributions[i.id].status == AttributionStatus.CONTESTED
    ]
    days = [
        (s, h)
        for s, h in zip(health.series, health.health.days, strict=True)
        if start <= s.day <= end
    ]
    notes = [
        "Findings are computed by trucewatch from the incidents and claims listed; they are "
        "assessments with stated confidence, not judicial determinations.",
    ]
    return Report(
        agreement_id=ev.agreement.id,
        title=ev.agreement.title,
        period=period,
        start=start,
        end=end,
        previous=previous,
        evaluation=ev,
        health=health,
        incidents=incidents,
        by_party=by_party,
        by_party_before=before,
        matrix=matrix,
        obligations=ev.agreement.obligation_ids,
        spoiler=len({f.incident for f in findings if f.verdict == Verdict.SPOILER_ACTIVITY}),
        permitted=len({f.incident for f in findings if f.verdict == Verdict.PERMITTED}),
        contests=contests,
        days=days,
        notes=notes,
        admin=admin,
    )


def _by_party(findings: list[Finding], incidents: dict[str, Incident]) -> list[Row]:
    violations: Counter[str] = Counter()
    contested: Counter[str] = Counter()
    killed: dict[str, set[str]] = {}
    for f in findings:
        if f.verdict != Verdict.VIOLATION:
            continue
        parties = {r.side or r.actor for r in f.responsible} or {"unattributed"}
        shared = f.attribution_status == AttributionStatus.CONTESTED or len(parties) > 1
        for p in parties:
            violations[p] += 1
            if shared:
                contested[p] += 1
            killed.setdefault(p, set()).add(f.incident)
    return [
        Row(p, violations[p], contested[p], sum(incidents[i].fatalities.best for i in killed[p]))
        for p in sorted(violations, key=lambda p: (-violations[p], p))
    ]
