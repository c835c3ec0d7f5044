"""Access compliance: what an agreement's access commitments achieved, measured.

Pure: access events, sieges, the agreement, the actor registry and (for
attacks) the incidents' attributions in; an :class:`AccessReport` out.

The measures, per access commitment and over a period (by default the days
the agreement was in force, in its own time zone):

- **people reached** — the sum of ``people_reached`` over arrivals (delivered
  or partially delivered) into the commitment's areas within the period,
  against the commitment's ``people`` (or the besieged population where the
  commitment gives none).  Two convoys to the same people are counted twice,
  so the share is capped at 100 % and is an upper bound; arrivals whose count
  is unknown are reported apart, never guessed.
- **convoys** — approved (any convoy that reached ``approved`` or went further
  than a request) and arrived.
- **requests answered** — requests answered (approved or denied), and within
  the agreement's ``answer_within_days`` where it sets one.
- **days without access** — days of the period on which no convoy arrived in
  the area.
- **obstructions** — every denied, delayed, blocked or attacked step, with who
  obstructed it and their standing under the agreement.  Where the step is
  tied to an incident, the incident's *attribution* decides who (a contested
  attack stays contested); otherwise the actor the source named does.

A commitment's status:

- ``unimpeded``: met only if every approved convoy arrived and nothing was
  obstructed in the period — "unimpeded" in the Sept 2016 sense.
- ``sustained``: as ``unimpeded``, and no more than
  :data:`SUSTAINED_GAP_DAYS` days without an arrival.
- ``as_agreed``: met unless a *party* (a side's member or ally) obstructed.
- ``no_data`` when no access event falls under the commitment in the period:
  absence of records is not compliance.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from trucewatch.actors import ActorRegistry
from trucewatch.domain import AccessCommitment, Agreement, Attribution
from trucewatch.domain.access import (
    ANSWERS,
    ARRIVALS,
    OBSTRUCTIONS,
    AccessEvent,
    AccessStatus,
    Siege,
    StatusChange,
)
from trucewatch.domain.finding import AttributionStatus
from trucewatch.engine.roles import AgreementRoles, StandingKind

#: For a "sustained" commitment: the longest run of days without an arrival
#: that still counts as sustained.  trucewatch's choice (a weekly cycle, as
#: UN inter-agency convoy plans of 2016 were monthly and weekly); not a term
#: of any agreement.  Change it here and the docs say so.
SUSTAINED_GAP_DAYS = 7

_PARTY_KINDS = (StandingKind.MEMBER, StandingKind.ALLY)
_SET_OUT = (
    frozenset({AccessStatus.APPROVED, AccessStatus.BLOCKED, AccessStatus.ATTACKED}) | ARRIVALS
)


@dataclass(frozen=True)
class Obstruction:
    """One obstructing step and who it is attributed to."""

    event: str
    destination: str
    since: date
    until: date
    status: AccessStatus
    reported_actor: str | None
    actor: str | None
    standing: str
    party: str
    reasons: tuple[str, ...]
    constraint: str | None
    incident: str | None
    attribution: str | None
    steps: int = 1

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "event": self.event,
            "destination": self.destination,
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "status": self.status.value,
            "reported_actor": self.reported_actor,
            "actor": self.actor,
            "standing": self.standing,
            "party": self.party,
            "reasons": list(self.reasons),
            "steps": self.steps,
            "constraint": self.constraint,
            "incident": self.incident,
            "attribution": self.attribution,
        }


@dataclass(frozen=True)
class AreaAccess:
    """Access to one area over the period."""

    area: str
    name: str
    population: int | None
    population_note: str | None
    besieged_by: list[str]
    events: list[str]
    approved: int
    arrived: int
    people_reached: int
    arrivals_count_unknown: int
    share_reached: float | None
    days: int
    days_without_access: int
    longest_gap_days: int

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "area": self.area,
            "name": self.name,
            "population": self.population,
            "population_note": self.population_note,
            "besieged_by": self.besieged_by,
            "events": self.events,
            "approved": self.approved,
            "arrived": self.arrived,
            "people_reached": self.people_reached,
            "arrivals_count_unknown": self.arrivals_count_unknown,
            "share_reached": self.share_reached,
            "days": self.days,
            "days_without_access": self.days_without_access,
            "longest_gap_days": self.longest_gap_days,
        }


@dataclass(frozen=True)
class CommitmentAccess:
    """One access commitment measured over the period."""

    commitment: AccessCommitment
    obligations: list[str]
    target_people: int | None
    areas: list[AreaAccess]
    events: list[str]
    requests: int
    answered: int
    answered_in_time: int | None
    approved: int
    arrived: int
    people_reached: int
    obstructions: list[Obstruction]
    status: str
    reasons: list[str]

    @property
    def by_actor(self) -> dict[str, int]:
        """Obstructions per actor (registry id, or the name as reported)."""
        return dict(
            Counter(o.actor or o.reported_actor or "unidentified" for o in self.obstructions)
        )

    @property
    def by_party(self) -> dict[str, int]:
        """Obstructions per side, spoiler, broker, contested or unidentified."""
        return dict(Counter(o.party for o in self.obstructions))

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "commitment": self.commitment.id,
            "standard": self.commitment.standard,
            "obligations": self.obligations,
            "target_people": self.target_people,
            "people_reached": self.people_reached,
            "share_reached": _share(self.people_reached, self.target_people),
            "requests": self.requests,
            "answered": self.answered,
            "answered_in_time": self.answered_in_time,
            "answer_within_days": self.commitment.answer_within_days,
            "approved": self.approved,
            "arrived": self.arrived,
            "status": self.status,
            "reasons": self.reasons,
            "areas": [a.as_json() for a in self.areas],
            "events": self.events,
            "obstructions": [o.as_json() for o in self.obstructions],
            "obstructions_by_actor": self.by_actor,
            "obstructions_by_party": self.by_party,
        }


@dataclass(frozen=True)
class AccessReport:
    """An agreement's access record over a period."""

    agreement: str
    start: date
    end: date
    commitments: list[CommitmentAccess]
    other_events: list[str]
    obstructions: list[Obstruction] = field(default_factory=list)

    @property
    def by_party(self) -> dict[str, int]:
        """All obstructions in the period per side, spoiler, broker, contested or unidentified."""
        return dict(Counter(o.party for o in self.obstructions))

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "agreement": self.agreement,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "commitments": [c.as_json() for c in self.commitments],
            "other_events": self.other_events,
            "obstructions": [o.as_json() for o in self.obstructions],
            "obstructions_by_party": self.by_party,
        }


def in_force_days(agreement: Agreement) -> tuple[date, date | None]:
    """First and last local day the agreement bound anyone (last None: still open)."""
    tz = ZoneInfo(agreement.timezone)
    spans = agreement.phase_spans().values()
    starts = [s for s, _ in spans]
    first = min(starts).astimezone(tz).date() if starts else agreement.signed
    if agreement.ended is not None:
        return first, agreement.ended.date
    ends = [e for _, e in spans]
    if ends and all(e is not None for e in ends):
        # Phase ends are exclusive: a phase ending at midnight ends the day before.
        last = max(e for e in ends if e is not None) - timedelta(microseconds=1)
        return first, last.astimezone(tz).date()
    return first, None


def measure_access(
    agreement: Agreement,
    events: Iterable[AccessEvent],
    sieges: Iterable[Siege],
    *,
    actors: ActorRegistry,
    attributions: Mapping[str, Attribution] | None = None,
    start: date | None = None,
    end: date | None = None,
) -> AccessReport:
    """Measure ``agreement``'s access commitments from the recorded events and sieges."""
    first, last = in_force_days(agreement)
    start = start or first
    end = end or last or max((c.date for e in events for c in e.history), default=start)
    events = [e for e in events if e.agreement in (None, agreement.id)]
    sieges = list(sieges)
    roles = AgreementRoles(agreement, actors)
    attributions = attributions or {}
    zone_names = {z.id: z.name or z.id for z in agreement.zones}

    def in_period(change: StatusChange) -> bool:
        return start <= change.date <= end

    def obstructions_of(event: AccessEvent) -> list[Obstruction]:
        steps = [c for c in event.history if c.status in OBSTRUCTIONS and in_period(c)]
        return _merge([_obstruction(event, c, roles, actors, attributions) for c in steps])

    claimed: set[str] = set()
    results = []
    for commitment in agreement.access:
        mine = [
            e
            for e in events
            if (e.destination in commitment.areas or (e.route and e.route in commitment.routes))
            and any(in_period(c) for c in e.history)
        ]
        claimed.update(e.id for e in mine)
        results.append(
            _commitment(
                agreement,
                commitment,
                mine,
                sieges,
                start,
                end,
                zone_names,
                [o for e in mine for o in obstructions_of(e)],
                roles,
                actors,
            )
        )
    # An event recorded under no agreement counts only where it is for one of
    # this agreement's commitments; otherwise it belongs to some other story.
    others = [
        e
        for e in events
        if e.id not in claimed
        and e.agreement == agreement.id
        and any(in_period(c) for c in e.history)
    ]
    counted = claimed | {e.id for e in others}
    everything = [
        o
        for e in events
        if e.id in counted and any(in_period(c) for c in e.history)
        for o in obstructions_of(e)
    ]
    return AccessReport(
        agreement.id,
        start,
        end,
        results,
        [e.id for e in others],
        sorted(everything, key=lambda o: (o.since, o.event)),
    )


def _commitment(
    agreement: Agreement,
    commitment: AccessCommitment,
    events: list[AccessEvent],
    sieges: list[Siege],
    start: date,
    end: date,
    zone_names: dict[str, str],
    obstructions: list[Obstruction],
    roles: AgreementRoles,
    actors: ActorRegistry,
) -> CommitmentAccess:
    obligations = [o.id for o in agreement.obligations if commitment.id in getattr(o, "access", [])]
    areas = [
        _area(area, zone_names.get(area, area), events, sieges, start, end, roles, actors)
        for area in commitment.areas
    ]
    arrivals = [_arrival_in(e, start, end) for e in events]
    arrived = sum(1 for a in arrivals if a is not None)
    reached = sum(a.people_reached or 0 for a in arrivals if a is not None)
    approved = sum(1 for e in events if _was_approved(e))
    requests, answered, in_time = _requests(events, commitment.answer_within_days)
    target = commitment.people
    if target is None:
        known = [a.population for a in areas if a.population is not None]
        target = sum(known) if known else None
    status, reasons = _status(
        commitment, events, approved, arrived, reached, target, areas, obstructions
    )
    return CommitmentAccess(
        commitment=commitment,
        obligations=obligations,
        target_people=target,
        areas=areas,
        events=[e.id for e in events],
        requests=requests,
        answered=answered,
        answered_in_time=in_time,
        approved=approved,
        arrived=arrived,
        people_reached=reached,
        obstructions=sorted(obstructions, key=lambda o: (o.since, o.event)),
        status=status,
        reasons=reasons,
    )


def _area(
    area: str,
    name: str,
    events: list[AccessEvent],
    sieges: list[Siege],
    start: date,
    end: date,
    roles: AgreementRoles,
    actors: ActorRegistry,
) -> AreaAccess:
    mine = [e for e in events if e.destination == area]
    siege = next((s for s in sieges if s.area == area and s.covers(start)), None) or next(
        (s for s in sieges if s.area == area and s.covers(end)), None
    )
    arrivals = [a for a in (_arrival_in(e, start, end) for e in mine) if a is not None]
    reached = sum(a.people_reached or 0 for a in arrivals)
    population = siege.population if siege else None
    note = None
    if siege is not None:
        high = f"–{siege.population_high:,}" if siege.population_high else ""
        pop = f"{siege.population:,}{high}" if siege.population is not None else "unknown"
        note = f"{siege.kind.value}, population {pop}"
    besiegers = [
        _describe_actor(n, roles, actors, siege.start if siege else start)
        for n in (siege.besieged_by if siege else [])
    ]
    days = (end - start).days + 1
    arrival_days = sorted({a.date for a in arrivals})
    gaps = _gaps(arrival_days, start, end)
    return AreaAccess(
        area=area,
        name=name,
        population=population,
        population_note=note,
        besieged_by=besiegers,
        events=[e.id for e in mine],
        approved=sum(1 for e in mine if _was_approved(e)),
        arrived=len(arrivals),
        people_reached=reached,
        arrivals_count_unknown=sum(1 for a in arrivals if a.people_reached is None),
        share_reached=_share(reached, population),
        days=days,
        days_without_access=days - len(arrival_days),
        longest_gap_days=max(gaps, default=0),
    )


def _status(
    commitment: AccessCommitment,
    events: list[AccessEvent],
    approved: int,
    arrived: int,
    reached: int,
    target: int | None,
    areas: list[AreaAccess],
    obstructions: list[Obstruction],
) -> tuple[str, list[str]]:
    if not events:
        return "no_data", [
            "no access event recorded for this commitment in the period: "
            "absence of records is not compliance"
        ]
    reasons = []
    of = f" of {target:,}" if target is not None else ""
    share = _share(reached, target)
    pct = f" ({share:.0%})" if share is not None else ""
    reasons.append(f"{reached:,}{of} people reached{pct} by {arrived} arrival(s)")
    reasons.append(f"{approved} convoy(s) approved, {arrived} arrived")
    by_party = Counter(o.party for o in obstructions)
    if obstructions:
        reasons.append(
            f"{len(obstructions)} obstruction(s): "
            + ", ".join(f"{party} {n}" for party, n in sorted(by_party.items()))
        )
    not_arrived = approved - sum(1 for e in events if _was_approved(e) and e.arrival)
    if commitment.standard == "as_agreed":
        party_obstructions = [o for o in obstructions if o.party in _sides(obstructions)]
        met = not party_obstructions
        reasons.append(
            "no obstruction by a party" if met else f"{len(party_obstructions)} by a party"
        )
    else:
        met = not obstructions and not_arrived == 0 and arrived > 0
        if not_arrived:
            reasons.append(f"{not_arrived} approved convoy(s) did not arrive")
        if arrived == 0:
            reasons.append("nothing arrived")
        if commitment.standard == "sustained":
            worst = max((a.longest_gap_days for a in areas), default=0)
            if worst > SUSTAINED_GAP_DAYS:
                met = False
                reasons.append(
                    f"{worst} days in a row without an arrival (sustained allows "
                    f"{SUSTAINED_GAP_DAYS})"
                )
    reasons.insert(0, f"standard: {commitment.standard}")
    return ("met" if met else "not_met"), reasons


def _sides(obstructions: list[Obstruction]) -> set[str]:
    return {o.party for o in obstructions if o.party.startswith("side ")}


def _obstruction(
    event: AccessEvent,
    change: StatusChange,
    roles: AgreementRoles,
    actors: ActorRegistry,
    attributions: Mapping[str, Attribution],
) -> Obstruction:
    attribution = attributions.get(change.incident) if change.incident else None
    reported = change.actor
    resolved = actors.resolve(reported, change.date) if reported else None
    actor_id = resolved.actor_id if resolved else None
    described = None
    if attribution is not None and attribution.status != AttributionStatus.UNATTRIBUTED:
        described = f"{attribution.status.value}: " + ", ".join(
            f"{a} {attribution.shares[a]:.2f}" for a in attribution.leading()
        )
        if attribution.status == AttributionStatus.CONTESTED:
            between = attribution.contested_between
            buckets = {_standing(a, roles, change.date)[1] for a in between}
            standing = "contested between " + ", ".join(
                roles.standing(a, change.date).describe() for a in between
            )
            # Contested between actors of one side (or all spoilers): that is not in doubt.
            party = next(iter(buckets)) if len(buckets) == 1 else "contested"
            actor_id = None
        else:
            actor_id = attribution.leading()[0]
            standing, party = _standing(actor_id, roles, change.date)
    elif attribution is not None:
        described = "unattributed"
        standing, party = _standing(actor_id, roles, change.date)
    else:
        standing, party = _standing(actor_id, roles, change.date)
    if actor_id is None and attribution is None:
        standing = (
            f"unidentified (reported as {reported!r})" if reported else "not named in the source"
        )
    return Obstruction(
        event=event.id,
        destination=event.destination,
        since=change.date,
        until=change.date,
        status=change.status,
        reported_actor=reported,
        actor=actor_id,
        standing=standing,
        party=party,
        reasons=(change.reason,) if change.reason else (),
        constraint=change.constraint.value if change.constraint else None,
        incident=change.incident,
        attribution=described,
    )


def _merge(obstructions: list[Obstruction]) -> list[Obstruction]:
    """One obstruction per convoy, status and obstructing actor, spanning its steps.

    A convoy reported ``delayed`` by the same party on four days is one
    obstruction lasting from the first to the last of those days, not four:
    counting steps would make a well-reported convoy look more obstructed than
    a neglected one.  The stated reasons are all kept, in order.
    """
    merged: dict[tuple[object, ...], Obstruction] = {}
    for o in obstructions:
        key = (o.event, o.status, o.reported_actor, o.actor, o.party)
        last = merged.get(key)
        if last is None:
            merged[key] = o
            continue
        reasons = last.reasons + tuple(r for r in o.reasons if r not in last.reasons)
        merged[key] = replace(
            last,
            until=max(last.until, o.until),
            reasons=reasons,
            incident=last.incident or o.incident,
            attribution=last.attribution or o.attribution,
            constraint=last.constraint or o.constraint,
            steps=last.steps + 1,
        )
    return list(merged.values())


def _standing(actor_id: str | None, roles: AgreementRoles, day: date) -> tuple[str, str]:
    """Plain-words standing and the party bucket an obstruction is counted in."""
    standing = roles.standing(actor_id, day)
    if standing.kind in _PARTY_KINDS:
        return standing.describe(), f"side {standing.side}"
    bucket = {
        StandingKind.OUTSIDER: "spoiler",
        StandingKind.EXCLUDED: "excluded group",
        StandingKind.BROKER: "broker",
        StandingKind.NON_BELLIGERENT: "non-belligerent",
    }.get(standing.kind, "unidentified")
    return standing.describe(), bucket


def _describe_actor(
    name: str, roles: AgreementRoles, actors: ActorRegistry, day: date | None
) -> str:
    resolved = actors.resolve(name, day)
    if resolved is None:
        return f"{name} (not in the actor registry)"
    return roles.standing(resolved.actor_id, day).describe()


def _was_approved(event: AccessEvent) -> bool:
    """Approved, or on the road: blocked, attacked or arrived means someone let it set out.

    A convoy only ever ``delayed`` or ``denied`` (the Sept 2016 trucks held at
    the border waiting for permission) was not approved.
    """
    return any(c.status in _SET_OUT for c in event.history)


def _arrival_in(event: AccessEvent, start: date, end: date) -> StatusChange | None:
    arrival = event.arrival
    return arrival if arrival is not None and start <= arrival.date <= end else None


def _requests(events: list[AccessEvent], within: int | None) -> tuple[int, int, int | None]:
    requests = answered = in_time = 0
    for e in events:
        asked = next((c for c in e.history if c.status == AccessStatus.REQUESTED), None)
        if asked is None:
            continue
        requests += 1
        answer = next((c for c in e.history if c.status in ANSWERS and c.date >= asked.date), None)
        if answer is None:
            continue
        answered += 1
        if within is not None and (answer.date - asked.date).days <= within:
            in_time += 1
    return requests, answered, (in_time if within is not None else None)


def _gaps(days: list[date], start: date, end: date) -> list[int]:
    """Lengths of the runs of days without an arrival between start and end."""
    edges = [start - timedelta(days=1), *days, end + timedelta(days=1)]
    return [(b - a).days - 1 for a, b in pairwise(edges)]


def _share(part: int, whole: int | None) -> float | None:
    if not whole:
        return None
    return min(1.0, part / whole)
