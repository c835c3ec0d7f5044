"""evaluate(): every incident against every event obligation, with reasons.

Pure: no I/O, no clock, no globals.  The steps, in the order a person checks:

1. Is the act one the obligation prohibits?          no  → not_applicable
2. Was the obligation in effect then?   before its first phase → before_effect;
   after the agreement ended or between phases → not_applicable.  A date
   whose precision straddles a boundary is evaluated but flagged uncertain.
3. Is it where the obligation applies (within/outside zones)?   no → not_applicable
4. Who did it?  The attribution (claims + coding) gives candidate actors; each
   is placed by its standing: a bound party, a party not bound by this
   obligation, a broker, an excluded group or an outsider.
   For a "no offensive operations to gain territory" obligation, the actor
   that gained the ground is the one who did it (not every party in the fight).
5. Verdict: a bound party's act is a violation unless an exemption covers it
   (permitted); acts of excluded groups and outsiders are spoiler_activity;
   a broker's act against a party is recorded as such, not as a party's
   violation; an act nobody is identified for is still a violation, with no
   responsible party (the OSCE SMM practice of recording violations without
   attribution).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from trucewatch.actors import ActorRegistry
from trucewatch.domain import (
    ActorKind,
    Agreement,
    Attribution,
    AttributionStatus,
    Claim,
    EventObligation,
    Exemption,
    Finding,
    Incident,
    Responsibility,
    Role,
    Source,
    TerritoryObligation,
    Verdict,
)
from trucewatch.domain.control import territorial_gainers
from trucewatch.domain.finding import CONTEST_SHARE
from trucewatch.domain.vocabulary import WEAPON_TAG_PREFIX
from trucewatch.engine.roles import AgreementRoles, Standing, StandingKind
from trucewatch.geo import Membership, ZoneIndex
from trucewatch.verify import attribute
from trucewatch.verify.attribution import UNKNOWN

Span = tuple[datetime, datetime | None]

# A confidence never exceeds what the attribution status allows.
CONFIDENCE_CAP: dict[AttributionStatus, float] = {
    AttributionStatus.CONFIRMED: 1.0,
    AttributionStatus.LIKELY: 0.8,
    AttributionStatus.CONTESTED: 0.6,
    AttributionStatus.UNATTRIBUTED: 0.5,
}
UNCERTAIN_TIMING_FACTOR = 0.5
# Claimants whose word about responsibility is a party's word.
BELLIGERENT_KINDS = frozenset(
    {
        ActorKind.STATE,
        ActorKind.STATE_FORCES,
        ActorKind.REBEL_GROUP,
        ActorKind.POLITICAL_MILITIA,
        ActorKind.IDENTITY_MILITIA,
        ActorKind.COALITION,
        ActorKind.EXTERNAL_FORCES,
    }
)


@dataclass(frozen=True)
class _Context:
    agreement: Agreement
    roles: AgreementRoles
    zones: ZoneIndex
    spans: dict[str, Span]
    sources: dict[str, Source]


def context(
    agreement: Agreement,
    actors: ActorRegistry,
    *,
    sources: Iterable[Source] = (),
    zones: ZoneIndex | None = None,
) -> _Context:
    """What every check of one agreement consults, built once (shared with the batch path)."""
    return _Context(
        agreement=agreement,
        roles=AgreementRoles(agreement, actors),
        zones=zones or ZoneIndex(agreement.zones),
        spans=agreement.phase_spans(),
        sources={s.id: s for s in sources},
    )


def evaluate(
    agreement: Agreement,
    incidents: Iterable[Incident],
    claims: Iterable[Claim] = (),
    *,
    actors: ActorRegistry,
    sources: Iterable[Source] = (),
    attributions: Mapping[str, Attribution] | None = None,
    zones: ZoneIndex | None = None,
) -> list[Finding]:
    """Findings for every incident × event obligation of ``agreement``.

    ``attributions`` (by incident id) may be passed when the caller already
    derived them, so they are computed once; otherwise they are derived here.
    ``zones`` carries loaded boundaries and approved zone versions; by default
    the agreement's own zones are used as written (version 0).
    """
    ctx = context(agreement, actors, sources=sources, zones=zones)
    incidents = list(incidents)
    if attributions is None:
        attributions = attribute_all(incidents, claims, ctx.sources, actors)
    obligations = [o for o in agreement.obligations if isinstance(o, EventObligation)]
    findings: list[Finding] = []
    for incident in incidents:
        attribution = attributions[incident.id]
        findings.extend(check(ctx, incident, ob, attribution) for ob in obligations)
    return findings


def attribute_all(
    incidents: Iterable[Incident],
    claims: Iterable[Claim],
    sources: dict[str, Source],
    actors: ActorRegistry,
) -> dict[str, Attribution]:
    """The attribution of every incident from its own claims (claims grouped once)."""
    by_incident: dict[str, list[Claim]] = defaultdict(list)
    for claim in claims:
        by_incident[claim.incident].append(claim)
    return {
        i.id: attribute_incident(i, by_incident.get(i.id, []), sources, actors) for i in incidents
    }


def attribute_incident(
    incident: Incident, claims: Sequence[Claim], sources: dict[str, Source], actors: ActorRegistry
) -> Attribution:
    """The attribution of one incident, with principals looked up on its date."""
    named = {c.claimant for c in claims} | {c.subject for c in claims if c.subject}
    principals = {a: actors.principals(a, incident.date) for a in named if a in actors}
    unidentified = frozenset(a.id for a in actors if a.kind == ActorKind.UNIDENTIFIED)
    partisan = frozenset(
        c.claimant
        for c in claims
        if c.claimant in actors and actors.get(c.claimant).kind in BELLIGERENT_KINDS
    )
    return attribute(
        incident,
        claims,
        sources,
        principals=principals,
        not_attributable=unidentified,
        partisan=partisan,
    )


def describe(incident: Incident) -> str:
    """The act in words, as the first reason of every finding opens."""
    loc = incident.location
    return (
        f"{incident.sub_event_type} ({incident.event_type}) at "
        f"{loc.latitude:.2f},{loc.longitude:.2f} ({loc.name}) on {incident.date}"
        + (
            ""
            if incident.time_precision == 1
            else f" [date precise to the {incident.date_precision}]"
        )
    )


def _matches(incident: Incident, ob: EventObligation) -> bool:
    return any(
        (not p.event_type or incident.event_type in p.event_type)
        and (not p.sub_event_type or incident.sub_event_type in p.sub_event_type)
        and all(t in incident.tags for t in p.tags)
        and (not p.weapons or any(WEAPON_TAG_PREFIX + w in incident.tags for w in p.weapons))
        for p in ob.prohibits
    )


def _merged(windows: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(windows, key=lambda w: w[0]):
        if merged and (merged[-1][1] is None or start <= merged[-1][1]):
            last_start, last_end = merged[-1]
            new_end = None if last_end is None or end is None else max(last_end, end)
            merged[-1] = (last_start, new_end)
        else:
            merged.append((start, end))
    return merged


def _timing(ctx: _Context, incident: Incident, ob: EventObligation) -> tuple[str, str, bool]:
    """('in'|'before'|'outside', phrase, uncertain) for the incident against the obligation."""
    start, end = incident.span(ctx.agreement.timezone)
    return timing(ctx, ob, start, end, incident.date_precision)


def timing(
    ctx: _Context, ob: EventObligation, start: datetime, end: datetime, precision: str
) -> tuple[str, str, bool]:
    """:func:`_timing` for an incident's span [start, end) and its date precision.

    It depends on nothing else about the incident, so the batch path asks it
    once per distinct (date, precision).
    """
    phase_ids = ob.phases or [p.id for p in ctx.agreement.phases]
    windows = [ctx.spans[p] for p in phase_ids if p in ctx.spans]
    if not windows:
        return "outside", "none of its phases has a start", False
    merged = _merged(windows)
    first = merged[0][0]
    if end <= first:
        return "before", f"before '{ob.id}' took effect at {first:%Y-%m-%d %H:%M %z}", False
    overlapping = [w for w in merged if w[1] is None or start < w[1]]
    overlapping = [w for w in overlapping if w[0] < end]
    if not overlapping:
        return "outside", "outside the phases in which it applies", False
    inside = any(w[0] <= start and (w[1] is None or end <= w[1]) for w in overlapping)
    phase = _phase_at(ctx, phase_ids, start, end)
    if inside:
        return "in", f"phase {phase}", False
    return (
        "in",
        (
            f"phase {phase}, but the date ({precision} precision) straddles a "
            "boundary of the obligation's phases"
        ),
        True,
    )


def _phase_at(ctx: _Context, phase_ids: list[str], start: datetime, end: datetime) -> str:
    best, best_overlap = phase_ids[0], -1.0
    for pid in phase_ids:
        if pid not in ctx.spans:
            continue
        s, e = ctx.spans[pid]
        hi = end if e is None else min(end, e)
        overlap = (hi - max(start, s)).total_seconds()
        if overlap > best_overlap:
            best, best_overlap = pid, overlap
    return best


def _candidates(
    incident: Incident, attribution: Attribution, gainers: list[str] | None = None
) -> tuple[dict[str, float], bool, dict[str, float]]:
    """Actors who may have done it, with shares; True when taken from a battle's sides.

    Only actors with at least :data:`CONTEST_SHARE` of the attribution are
    candidates: two low-graded accounts naming a party must not turn an act
    that the weight of the evidence puts on a spoiler into that party's
    violation.  The accounts below it are returned apart (third value) so the
    reasons still show them.  If no actor reaches the share, all are candidates.
    ``gainers`` (for a territory obligation) stand in for a battle's sides when
    no account names anyone: the side that gained the ground advanced.
    """
    shares = {a: s for a, s in attribution.shares.items() if a != UNKNOWN}
    if not shares and gainers:
        return {a: round(1 / len(gainers), 4) for a in gainers}, False, {}
    if shares:
        weighty = {a: s for a, s in shares.items() if s >= CONTEST_SHARE}
        if weighty:
            return weighty, False, {a: s for a, s in shares.items() if a not in weighty}
        return shares, False, {}
    if incident.event_type == "Battles":
        fighters = [a.id for a in incident.actors if a.id and a.role == Role.OTHER]
        fighters = list(dict.fromkeys(fighters))
        if fighters:
            return {a: round(1 / len(fighters), 4) for a in fighters}, True, {}
    return {}, False, {}


def _targets(incident: Incident, ctx: _Context, actor: str, battle: bool) -> list[Standing]:
    if battle:
        own = ctx.roles.standing(actor, incident.date)
        ids = [a.id for a in incident.actors if a.role == Role.OTHER and a.id and a.id != actor]
        standings = [ctx.roles.standing(i, incident.date) for i in ids]
        return [s for s in standings if own.side is None or s.side != own.side]
    return [ctx.roles.standing(a.id, incident.date) for a in incident.actors_in(Role.TARGET)]


def _exempt(
    ctx: _Context, incident: Incident, ex: Exemption, targets: list[Standing], notes: list[str]
) -> bool:
    if ex.within:
        where = ctx.zones.any_inside(ex.within, incident.location, on=incident.date)
        if where == Membership.UNKNOWN:
            notes.append(
                f"cannot tell whether it was inside {', '.join(ex.within)} "
                f"(location precision {incident.location.geo_precision})"
            )
            return False
        if where == Membership.OUTSIDE:
            notes.append(f"outside {', '.join(ex.within)}")
            return False
        notes.append(f"inside {', '.join(ex.within)}")
    if ex.targets is None:
        return True
    armed = [t for t in targets if t.kind != StandingKind.NON_BELLIGERENT]
    if ex.targets == "excluded":
        ok = bool(armed) and all(t.kind == StandingKind.EXCLUDED for t in armed)
    else:
        ok = bool(armed) and all(t.via in ex.targets or t.actor in ex.targets for t in armed)
    named = ", ".join(t.describe() for t in targets) or "no identified target"
    notes.append(
        f"target {named} {'is' if ok else 'is not'} "
        f"{'an excluded group' if ex.targets == 'excluded' else 'an exempted target'}"
    )
    return ok


def check(ctx: _Context, incident: Incident, ob: EventObligation, attr: Attribution) -> Finding:
    """The finding, stamped with the version of every zone the obligation names."""
    found = _check_act(ctx, incident, ob, attr)
    named = [*ob.within, *ob.outside, *(z for ex in ob.exemptions for z in ex.within)]
    if not named:
        return found
    used = {z: ctx.zones.version(z, incident.date) for z in dict.fromkeys(named)}
    return found.model_copy(update={"zone_versions": used})


def _check_act(
    ctx: _Context, incident: Incident, ob: EventObligation, attr: Attribution
) -> Finding:
    act = describe(incident)
    reasons: list[str] = []

    def finding(verdict: Verdict, **kw: object) -> Finding:
        return Finding(
            incident=incident.id, obligation=ob.id, verdict=verdict, reasons=reasons, **kw
        )

    if not _matches(incident, ob):
        reasons.append(f"{act}: not an act that '{ob.id}' prohibits → not applicable")
        return finding(Verdict.NOT_APPLICABLE)
    when, phrase, uncertain = _timing(ctx, incident, ob)
    reasons.append(f"{act}, {phrase}")
    if when == "outside":
        reasons.append("→ not applicable at that time")
        return finding(Verdict.NOT_APPLICABLE)
    judged = _judge(ctx, incident, ob, attr, reasons, uncertain)
    if when == "before":
        # Who did what still matters before effect: it is the baseline a truce is judged by.
        reasons[-1] = reasons[-1].replace("→ ", "(had it been in effect: ", 1) + ")"
        reasons.append(f"→ before effect: '{ob.id}' did not yet bind anyone")
        return judged.model_copy(
            update={
                "verdict": Verdict.BEFORE_EFFECT,
                "would_be": judged.verdict,
                "reasons": reasons,
            }
        )
    return judged


def _judge(
    ctx: _Context,
    incident: Incident,
    ob: EventObligation,
    attr: Attribution,
    reasons: list[str],
    uncertain: bool,
) -> Finding:
    """Steps 3–5 of the module docstring: where, who, and the verdict."""

    def finding(verdict: Verdict, **kw: Any) -> Finding:
        return Finding(
            incident=incident.id, obligation=ob.id, verdict=verdict, reasons=reasons, **kw
        )

    approximate = False
    for key, wanted in (("within", Membership.INSIDE), ("outside", Membership.OUTSIDE)):
        zone_ids: list[str] = getattr(ob, key)
        if not zone_ids:
            continue
        approximate |= any(ctx.zones.zones[z].approximate for z in zone_ids)
        where = ctx.zones.any_inside(zone_ids, incident.location, on=incident.date)
        if where == Membership.UNKNOWN:
            reasons.append(
                f"location precision does not tell whether it was inside "
                f"{', '.join(zone_ids)}; evaluated as if it applies"
            )
            uncertain = True
        elif where != wanted:
            reasons.append(f"'{ob.id}' applies only {key} {', '.join(zone_ids)} → not applicable")
            return finding(Verdict.NOT_APPLICABLE, depends_on_approximate_zone=approximate)

    gainers = (
        territorial_gainers(incident, _kind_of(ctx))
        if isinstance(ob, TerritoryObligation)
        else None
    )
    candidates, battle, minor = _candidates(incident, attr, gainers)
    if gainers:
        reasons.append(f"ground gained by {', '.join(gainers)}")
    standings = {a: ctx.roles.standing(a, incident.date) for a in candidates}
    bound = {
        a: s
        for a, s in standings.items()
        if s.kind in (StandingKind.MEMBER, StandingKind.ALLY) and s.side in ob.binds
    }
    spoilers = {
        a: s
        for a, s in standings.items()
        if s.kind in (StandingKind.EXCLUDED, StandingKind.OUTSIDER)
    }
    brokers = {a: s for a, s in standings.items() if s.kind == StandingKind.BROKER}
    unbound_parties = {
        a: s
        for a, s in standings.items()
        if s.kind in (StandingKind.MEMBER, StandingKind.ALLY) and s.side not in ob.binds
    }
    if battle:
        reasons.append(
            "a battle between "
            + " and ".join(s.describe() for s in standings.values())
            + "; the record does not say who attacked"
        )
    elif candidates:
        reasons.append(
            "who: "
            + ", ".join(f"{s.describe()} {candidates[a]:.2f}" for a, s in standings.items())
            + f" (attribution {attr.status.value})"
        )

    if minor:
        reasons.append(
            f"accounts below a {CONTEST_SHARE:.2f} share, kept but not weighed for the "
            "verdict: "
            + ", ".join(
                f"{ctx.roles.standing(a, incident.date).describe()} {s:.2f}"
                for a, s in minor.items()
            )
        )
    status = AttributionStatus.UNATTRIBUTED if battle else attr.status
    if gainers and not attr.shares:
        # The record's own coding names who took the ground, as a coded perpetrator would.
        status = AttributionStatus.LIKELY
    cap = CONFIDENCE_CAP[status] * (UNCERTAIN_TIMING_FACTOR if uncertain else 1.0)
    for ex in ob.exemptions:
        approximate |= any(
            ctx.zones.zones[z].approximate for z in ex.within if z in ctx.zones.zones
        )

    if bound:
        exempt_notes: list[str] = []
        liable = []
        for actor, standing in bound.items():
            targets = _targets(incident, ctx, actor, battle)
            if not any(_exempt(ctx, incident, ex, targets, exempt_notes) for ex in ob.exemptions):
                liable.append(
                    Responsibility(
                        actor=actor,
                        side=standing.side,
                        confidence=round(min(candidates[actor], cap), 4),
                    )
                )
        reasons.extend(dict.fromkeys(exempt_notes))
        if not liable:
            civilians = incident.civilian_fatalities.best if incident.civilian_fatalities else None
            if spoilers:
                reasons.append(
                    "fighting excluded groups is exempt for the parties; "
                    + ", ".join(s.describe() for s in spoilers.values())
                    + " → spoiler activity"
                )
                return finding(
                    Verdict.SPOILER_ACTIVITY,
                    attribution_status=status,
                    depends_on_approximate_zone=approximate,
                    timing_uncertain=uncertain,
                    responsible=_spoiler_responsibility(spoilers, candidates, cap),
                )
            note = f"; {civilians} civilian deaths reported" if civilians else ""
            reasons.append(f"→ permitted by an exemption of '{ob.id}'{note}")
            return finding(
                Verdict.PERMITTED,
                attribution_status=status,
                depends_on_approximate_zone=approximate,
                timing_uncertain=uncertain,
            )
        others = [f"{a} {candidates[a]:.2f}" for a in candidates if a not in bound]
        if others:
            reasons.append("other accounts point at " + ", ".join(others))
        who = " and ".join(r.actor for r in liable)
        verb = "contested between" if status == AttributionStatus.CONTESTED else "by"
        reasons.append(f"→ violates {ob.id} ({verb} {who})")
        return finding(
            Verdict.VIOLATION,
            responsible=liable,
            attribution_status=status,
            timing_uncertain=uncertain,
            depends_on_approximate_zone=approximate,
        )

    if spoilers and sum(candidates[a] for a in spoilers) >= sum(candidates[a] for a in brokers):
        reasons.append(
            ", ".join(s.describe() for s in spoilers.values())
            + ": its acts are spoiler activity, not a party's violation"
        )
        return finding(
            Verdict.SPOILER_ACTIVITY,
            attribution_status=status,
            timing_uncertain=uncertain,
            responsible=_spoiler_responsibility(spoilers, candidates, cap),
        )
    if brokers:
        broker = next(iter(brokers.values()))
        targets = _targets(incident, ctx, broker.actor, battle)
        against = ", ".join(t.describe() for t in targets) or "an unidentified target"
        reasons.append(
            f"{broker.describe()} is a broker of this agreement, not bound by its "
            f"obligations: recorded as a broker's act against {against}, "
            "not as a party's violation"
        )
        return finding(
            Verdict.NOT_APPLICABLE,
            broker_involved=broker.via or broker.actor,
            attribution_status=status,
            timing_uncertain=uncertain,
        )
    if unbound_parties:
        names = ", ".join(s.describe() for s in unbound_parties.values())
        reasons.append(
            f"{names}: not bound by '{ob.id}' (it binds {', '.join(ob.binds)}) → not applicable"
        )
        return finding(Verdict.NOT_APPLICABLE, attribution_status=status)
    reasons.append(
        f"a prohibited act while '{ob.id}' was in effect; who did it is not "
        f"established → violates {ob.id} (unattributed)"
    )
    return finding(
        Verdict.VIOLATION,
        attribution_status=AttributionStatus.UNATTRIBUTED,
        timing_uncertain=uncertain,
        depends_on_approximate_zone=approximate,
    )


def _kind_of(ctx: _Context) -> Callable[[str], ActorKind | None]:
    actors = ctx.roles.actors

    def kind(actor_id: str) -> ActorKind | None:
        return actors.get(actor_id).kind if actor_id in actors else None

    return kind


def _spoiler_responsibility(
    spoilers: dict[str, Standing], candidates: dict[str, float], cap: float
) -> list[Responsibility]:
    return [
        Responsibility(actor=a, side=None, confidence=round(min(candidates[a], cap), 4))
        for a in spoilers
    ]
