"""Are two incident records from different sources the same event?  Say why.

Pure functions: the storage pipeline loads candidates near an incoming record
(``candidate_window``) and calls ``match`` or ``best_match``.  Every test,
passed or failed, leaves one plain sentence in ``MatchDecision.reasons``.

Blocking tests (all must pass for ``same_event``):

* **Source file.**  Two records from the same ``provenance.file`` never match:
  the rows of one file are that source's own distinct events (ACLED, UCDP GED
  and our ingest all emit one row per event they judged distinct), so merging
  them would overrule the source's coding rather than corroborate it.
  Records without provenance are not checked.
* **Dates.**  The spans ``Incident.span(tz)`` must overlap: one day for
  time_precision 1, the week date-3..date+3 for 2 (ACLED dates a week-precise
  event mid-week), the calendar month for 3 (REFERENCE §2.4).  No tolerance is
  added beyond the span: the precision code already is the source's statement
  of its uncertainty.
* **Distance.**  Haversine distance within ``MAX_KM`` of the *coarser* of the
  two geo precisions, since a pair is only as well placed as its vaguer record:
  1 (a town or its outskirts) → 10 km, which covers a town with its outskirts
  and two sources placing one strike in neighbouring villages; 2 (near a town
  or in a small part of a region, coded to the nearest town) → 25 km, the
  radius UCDP's where_prec 2 "limited area around a named place" is labelled
  with (REFERENCE §2.7); 3 (only a region, coded to its capital or centroid)
  → 100 km, about the half-width of a Syrian governorate, so that two
  centroids of one region, or a centroid and a town in it, can meet.  At
  precision 3 the distance says little, so when both records give admin1 they
  must also name the same admin1 after ``canonical_admin1`` normalisation
  ("Idlib" = "Idleb Governorate").  Admin1 is not compared at precisions 1
  and 2: a point near a boundary may be coded to either side by two sources.
* **Event types.**  The same ACLED event_type, or one of the ``COMPATIBLE``
  pairs: Battles ~ Explosions/Remote violence (ACLED merges remote violence
  during an ongoing battle into the battle, REFERENCE §2.2, while another
  source may report the shelling alone), and Violence against civilians ~
  Explosions/Remote violence (UCDP codes a one-sided air strike as one-sided
  violence, which maps to Violence against civilians, while ACLED codes it as
  an Air/drone strike).  Sub-event types need not match.
* **Actors.**  Actor ids that identify someone are those other than None
  (unresolved), ``"unidentified"`` and ``"civilians"``.  If both records name
  identifying actors they must share one.  Civilians do not count as a shared
  actor: nearly every attack on civilians names them, so sharing them says
  nothing about whose attack it was.  If one record names no identifying actor
  (only unidentified, unresolved or civilian actors, or none), it cannot
  contradict the other, and the actors do not block; the reason says so,
  because attribution may later name someone.

Fatalities never block: sources disagree on counts as a matter of method
(ACLED codes the most conservative figure, UCDP a best estimate with bounds).

Score, in [0, 1], for ranking candidates (computed even when a blocking test
fails, so that a near miss can be inspected; only ``same_event`` decides):

* 0.25 × date overlap as a fraction of the union of the two spans (1 for the
  same day, 1/7 for a day inside a week), so a precisely dated candidate
  outranks a vague one;
* 0.30 × (1 - distance / allowed km), floored at 0;
* 0.15 for the same event_type, 0.075 for a compatible pair;
* 0.10 for the same sub_event_type;
* 0.10 when an identifying actor is shared, 0.05 when the actors do not block
  only because one record names no identifying actor;
* 0.10 when the best fatality estimates are within a factor of 2 of each
  other (both zero counts as agreeing).

The weights sum to 1.  Place and time carry most of it because they are what
two independent accounts of one event most reliably agree on; actors and
counts are what sources most often dispute.  Every test is symmetric, so
``match(a, b)`` and ``match(b, a)`` decide, and score, the same.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from trucewatch.domain import Incident
from trucewatch.geo.admin_names import canonical_admin1
from trucewatch.geo.zones import haversine_km

MAX_KM: dict[int, float] = {1: 10.0, 2: 25.0, 3: 100.0}
"""Allowed distance in km by the coarser of the two geo precisions."""

COMPATIBLE: frozenset[frozenset[str]] = frozenset(
    {
        frozenset({"Battles", "Explosions/Remote violence"}),
        frozenset({"Violence against civilians", "Explosions/Remote violence"}),
    }
)
"""Pairs of different event types that may code the same event."""

UNIDENTIFIED_IDS: frozenset[str] = frozenset({"unidentified"})
"""Resolved ids that name no one in particular."""

NOT_SHARED_IDS: frozenset[str] = frozenset({"civilians"})
"""Ids whose presence in both records does not count as sharing an actor."""

SAME_FILE_REASON = "same source file: its rows are distinct events by that source's own coding"

WEIGHT_DATE = 0.25
WEIGHT_DISTANCE = 0.30
WEIGHT_TYPE = 0.15
WEIGHT_COMPATIBLE_TYPE = 0.075
WEIGHT_SUB_EVENT = 0.10
WEIGHT_ACTORS = 0.10
WEIGHT_ACTORS_UNIDENTIFIED = 0.05
WEIGHT_FATALITIES = 0.10
FATALITY_FACTOR = 2

# How far the date of a candidate can lie outside the span it overlaps:
# week precision spans date-3..date+3 (Incident.span).
_WEEK_HALF_WIDTH = timedelta(days=3)
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class MatchDecision:
    """Whether two records are one event, a score to rank by, and why."""

    same_event: bool
    score: float
    reasons: tuple[str, ...]


def _days(span: tuple[datetime, datetime]) -> tuple[date, date]:
    """First and last day of a [start, end) span."""
    start, end = span
    return start.date(), (end - _ONE_DAY).date()


def _describe(incident: Incident, tz: str) -> str:
    first, last = _days(incident.span(tz))
    days = first.isoformat() if first == last else f"{first.isoformat()}..{last.isoformat()}"
    return f"{days} ({incident.date_precision})"


def _identifying(incident: Incident, ignore: frozenset[str] = frozenset()) -> set[str]:
    return {
        a.id
        for a in incident.actors
        if a.id is not None
        and a.id not in UNIDENTIFIED_IDS
        and a.id not in NOT_SHARED_IDS
        and a.id not in ignore
    }


def _actor_names(incident: Incident) -> str:
    names = [a.name for a in incident.actors]
    return ", ".join(names) if names else "no actors"


def _check_source(a: Incident, b: Incident) -> tuple[bool, str]:
    if a.provenance is None or b.provenance is None:
        missing = ", ".join(i.id for i in (a, b) if i.provenance is None)
        return True, f"source files not compared: no provenance for {missing}"
    if a.provenance.file == b.provenance.file:
        return False, SAME_FILE_REASON
    files = sorted((a.provenance.file, b.provenance.file))
    return True, f"different source files: {files[0]} and {files[1]}"


def _check_dates(a: Incident, b: Incident, tz: str) -> tuple[bool, float, str]:
    (sa, ea), (sb, eb) = a.span(tz), b.span(tz)
    overlap = min(ea, eb) - max(sa, sb)
    union = max(ea, eb) - min(sa, sb)
    both = f"{_describe(a, tz)} and {_describe(b, tz)}"
    if overlap <= timedelta(0):
        return False, 0.0, f"dates do not overlap: {both}"
    return True, overlap / union, f"dates overlap: {both}"


def _check_place(a: Incident, b: Incident) -> tuple[bool, float, list[str]]:
    precision = max(a.location.geo_precision, b.location.geo_precision)
    allowed = MAX_KM[precision]
    km = haversine_km(
        a.location.latitude, a.location.longitude, b.location.latitude, b.location.longitude
    )
    near = km <= allowed
    word = "within" if near else "beyond"
    reasons = [f"{km:.1f} km apart, {word} {allowed:g} km allowed for geo precision {precision}"]
    ok = near
    if precision == 3:
        if a.location.admin1 and b.location.admin1:
            ca, cb = canonical_admin1(a.location.admin1), canonical_admin1(b.location.admin1)
            if ca == cb:
                reasons.append(f"same admin1 at geo precision 3: {ca}")
            else:
                ok = False
                names = sorted([f"{a.location.admin1} ({ca})", f"{b.location.admin1} ({cb})"])
                reasons.append(f"different admin1 at geo precision 3: {names[0]} vs {names[1]}")
        else:
            missing = ", ".join(i.id for i in (a, b) if not i.location.admin1)
            reasons.append(f"admin1 not compared at geo precision 3: none given for {missing}")
    closeness = max(0.0, 1.0 - km / allowed)
    return ok, closeness, reasons


def _check_types(a: Incident, b: Incident) -> tuple[bool, float, list[str]]:
    reasons: list[str] = []
    if a.event_type == b.event_type:
        ok, weight = True, WEIGHT_TYPE
        reasons.append(f"event types match: {a.event_type}")
    else:
        pair = sorted((a.event_type, b.event_type))
        if frozenset(pair) in COMPATIBLE:
            ok, weight = True, WEIGHT_COMPATIBLE_TYPE
            reasons.append(f"event types compatible: {pair[0]} ~ {pair[1]}")
        else:
            ok, weight = False, 0.0
            reasons.append(f"event types incompatible: {pair[0]} vs {pair[1]}")
    if a.sub_event_type == b.sub_event_type:
        weight += WEIGHT_SUB_EVENT
        reasons.append(f"sub-event types match: {a.sub_event_type}")
    else:
        subs = sorted((a.sub_event_type, b.sub_event_type))
        reasons.append(f"sub-event types differ (not required): {subs[0]} vs {subs[1]}")
    return ok, weight, reasons


def _check_actors(
    a: Incident, b: Incident, ignore: frozenset[str] = frozenset()
) -> tuple[bool, float, str]:
    ia, ib = _identifying(a, ignore), _identifying(b, ignore)
    if ia and ib:
        shared = ia & ib
        if shared:
            return True, WEIGHT_ACTORS, f"actors share {', '.join(sorted(shared))}"
        civilians = {x.id for x in a.actors} & {x.id for x in b.actors} & NOT_SHARED_IDS
        note = " (civilians alone do not count)" if civilians else ""
        first, second = sorted([(a.id, ia), (b.id, ib)], key=lambda pair: pair[0])
        return (
            False,
            0.0,
            f"actors incompatible: {first[0]} names {', '.join(sorted(first[1]))} and "
            f"{second[0]} names {', '.join(sorted(second[1]))}, with none in common{note}",
        )
    if not ia and not ib:
        return (
            True,
            WEIGHT_ACTORS_UNIDENTIFIED,
            "actors do not block: neither record names an identified actor "
            "other than civilians (unidentified or unresolved only)",
        )
    vague, named = (a, b) if not ia else (b, a)
    return (
        True,
        WEIGHT_ACTORS_UNIDENTIFIED,
        f"actors do not block: {vague.id} names only unidentified, unresolved or civilian "
        f"actors ({_actor_names(vague)}), which cannot contradict "
        f"{', '.join(sorted(_identifying(named, ignore)))} in {named.id}",
    )


def _check_fatalities(a: Incident, b: Incident) -> tuple[float, str]:
    low, high = sorted((a.best_fatalities, b.best_fatalities))
    if high <= FATALITY_FACTOR * low:
        return (
            WEIGHT_FATALITIES,
            f"fatality best estimates {low} and {high} agree within a factor of {FATALITY_FACTOR}",
        )
    return (
        0.0,
        f"fatality best estimates {low} and {high} differ by more than a factor of "
        f"{FATALITY_FACTOR} (not blocking: sources disagree on counts)",
    )


def match(
    a: Incident, b: Incident, *, tz: str = "UTC", not_identifying: frozenset[str] = frozenset()
) -> MatchDecision:
    """Decide whether ``a`` and ``b`` record the same event, with every reason.

    ``not_identifying`` names further actor ids that say nothing about who
    acted — aid agencies, monitors, the media (the caller knows them from the
    registry): a convoy's SARC and UN trucks named by one source and not by
    another must not keep two accounts of the same attack apart.
    """
    source_ok, source_reason = _check_source(a, b)
    dates_ok, overlap, dates_reason = _check_dates(a, b, tz)
    place_ok, closeness, place_reasons = _check_place(a, b)
    types_ok, type_weight, type_reasons = _check_types(a, b)
    actors_ok, actor_weight, actor_reason = _check_actors(a, b, not_identifying)
    fatality_weight, fatality_reason = _check_fatalities(a, b)

    score = (
        WEIGHT_DATE * overlap
        + WEIGHT_DISTANCE * closeness
        + type_weight
        + actor_weight
        + fatality_weight
    )
    reasons = (
        source_reason,
        dates_reason,
        *place_reasons,
        *type_reasons,
        actor_reason,
        fatality_reason,
    )
    same = source_ok and dates_ok and place_ok and types_ok and actors_ok
    return MatchDecision(same_event=same, score=round(min(1.0, score), 4), reasons=reasons)


def best_match(
    incoming: Incident,
    candidates: Iterable[Incident],
    *,
    tz: str = "UTC",
    not_identifying: frozenset[str] = frozenset(),
) -> tuple[Incident, MatchDecision] | None:
    """The candidate judged the same event with the highest score, or None.

    Ties in score go to the smallest candidate id, so the answer does not
    depend on the order the pipeline loaded candidates in.
    """
    best: tuple[Incident, MatchDecision] | None = None
    for candidate in candidates:
        decision = match(incoming, candidate, tz=tz, not_identifying=not_identifying)
        if not decision.same_event:
            continue
        if best is None or (-decision.score, candidate.id) < (-best[1].score, best[0].id):
            best = (candidate, decision)
    return best


def candidate_window(incident: Incident, tz: str = "UTC") -> tuple[date, date, float]:
    """(first day, last day, max km) to search for candidates of ``incident``.

    A candidate's span must overlap the incident's; the candidate's *date*
    can lie outside the incident's span by up to its own precision: 3 days
    for a week-precise candidate, or anywhere in the calendar month for a
    month-precise one.  The distance is the most any pair may be allowed,
    ``MAX_KM[3]``, since the candidate's precision is not known beforehand.
    """
    first, last = _days(incident.span(tz))
    month_end = last.replace(day=calendar.monthrange(last.year, last.month)[1])
    return (
        min(first - _WEEK_HALF_WIDTH, first.replace(day=1)),
        max(last + _WEEK_HALF_WIDTH, month_end),
        MAX_KM[3],
    )
