"""Who did it, and how sure are we: claims + source grades → attribution.

First version of the method (the attribution issue refines it; the weights
are here, in one place, so they can be argued with):

* The incident's own coding counts as one account: each actor coded as the
  perpetrator gets weight 1.0.  "Unidentified" perpetrators add nothing.
* Every claim gets weight = reliability(source) × credibility(item) × 0.5 if
  the claimant is a belligerent or the source is a party's statement (a
  party's word about its adversary counts for less than an independent
  monitor's).
* One claimant's claim counts once per (kind, subject), however many outlets
  repeat it: the strongest report of it stands.  Independence for
  confirmation is counted in claimants: two outlets quoting one monitor are
  one source, two monitors quoted by one outlet are two.
* An accusation adds its weight to the accused; an alternative explanation
  adds half its weight to the actor it points at, or to "unknown" when it
  points at no one (e.g. "the convoy caught fire").
* An admission by the actor (or one it answers through) confirms.
* A denial takes off at most half of the evidence against the denier: a
  denial alone never clears an actor, and a denied accusation that
  independent reliable sources do not back stays contested.
* Status: confirmed (admitted, or ≥ 0.8 of the weight with two independent
  A/B non-party sources and no denial of weight ≥ 0.3); contested (a second
  actor holds ≥ 0.25 of the weight, or the leading actor's denial of weight
  ≥ 0.3 faces fewer than two independent non-party sources); likely (leading
  share ≥ 0.6); else contested; and unattributed when nothing points at
  anyone.  A low-graded party's denial (weight < 0.3) is recorded and shown,
  but moves nothing.

The full method, with a worked example, is in docs/attribution.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from trucewatch.domain import (
    Attribution,
    AttributionStatus,
    Claim,
    ClaimKind,
    Incident,
    Reliability,
    Role,
    Source,
    SourceKind,
)

UNKNOWN = "unknown"

RELIABILITY_WEIGHT: dict[Reliability, float] = {
    Reliability.A: 1.0,
    Reliability.B: 0.8,
    Reliability.C: 0.6,
    Reliability.D: 0.4,
    Reliability.E: 0.2,
    Reliability.F: 0.3,
}
CREDIBILITY_WEIGHT: dict[str, float] = {"1": 1.0, "2": 0.8, "3": 0.6, "4": 0.4, "5": 0.1, "6": 0.5}
PARTY_FACTOR = 0.5
CODING_WEIGHT = 1.0
# A denial weighs like any claim (reliability × credibility, halved for a party).
# Below this weight — a low-graded party's denial — it neither contests an
# accusation that independent sources make nor moves a confirmed attribution.
DENIAL_COUNTS = 0.3


def attribute(
    incident: Incident,
    claims: Iterable[Claim],
    sources: Mapping[str, Source],
    *,
    principals: Mapping[str, list[str]] | None = None,
    not_attributable: frozenset[str] = frozenset({"unidentified"}),
    partisan: frozenset[str] = frozenset(),
) -> Attribution:
    """Derive the attribution of ``incident`` from its coding and its claims.

    ``principals`` maps an actor to the actors it answers through, so that
    "the US-led coalition admits" confirms a claim about the coalition and an
    admission by a government confirms a claim about its air force.
    """
    principals = principals or {}
    # ``partisan``: claimants that are belligerents (states, armed groups): their word
    # about who did it counts for half, however the claim reached us.
    reasons: list[str] = []
    evidence: dict[str, float] = defaultdict(float)
    denials: dict[str, float] = defaultdict(float)
    strong_groups: dict[str, set[str]] = defaultdict(set)
    non_party_groups: dict[str, set[str]] = defaultdict(set)
    admitted: set[str] = set()

    for actor in incident.actors_in(Role.PERPETRATOR):
        if actor.id and actor.id not in not_attributable:
            evidence[actor.id] += CODING_WEIGHT
            reasons.append(f"coded as perpetrator by the incident's source: {actor.id} (+1.00)")

    strongest: dict[tuple[str, ClaimKind, str], tuple[float, Claim]] = {}
    for claim in claims:
        if claim.incident != incident.id:
            continue
        source = sources.get(claim.source)
        reliability = source.reliability if source else Reliability.F
        party = claim.claimant in partisan or (
            source is not None and source.kind == SourceKind.PARTY_STATEMENT
        )
        weight = RELIABILITY_WEIGHT[reliability] * CREDIBILITY_WEIGHT[claim.credibility.value]
        if party:
            weight *= PARTY_FACTOR
        # One claimant's claim counts once, however many outlets repeat it.
        key = (claim.claimant, claim.kind, claim.subject or UNKNOWN)
        if key not in strongest or strongest[key][0] < weight:
            strongest[key] = (weight, claim)

    for (claimant, kind, subject), (weight, claim) in sorted(
        strongest.items(), key=lambda kv: kv[1][1].id
    ):
        source = sources.get(claim.source)
        grade = f"{source.reliability.value if source else 'F'}{claim.credibility.value}"
        who = f"{claim.claimant} ({claim.source}, {grade})"
        if kind == ClaimKind.ADMITS:
            chain = {subject, *principals.get(subject, [])}
            if claim.claimant in chain or subject == claim.claimant:
                admitted.add(subject)
                evidence[subject] += 2.0
                reasons.append(f"{who} admits {subject}'s responsibility → confirmed")
            else:
                evidence[subject] += weight
                reasons.append(f"{who} says {subject} did it (+{weight:.2f})")
        elif kind == ClaimKind.ACCUSES:
            evidence[subject] += weight
            independent = claimant not in partisan and (
                source is not None and source.kind != SourceKind.PARTY_STATEMENT
            )
            if independent and source is not None:
                non_party_groups[subject].add(claimant)
                if source.reliability in (Reliability.A, Reliability.B):
                    strong_groups[subject].add(claimant)
            reasons.append(f"{who} accuses {subject} (+{weight:.2f})")
        elif kind == ClaimKind.DENIES:
            denials[subject] += weight
            reasons.append(f"{who} denies that {subject} did it")
        else:
            evidence[subject] += weight / 2
            reasons.append(
                f"{who} offers another explanation pointing at {subject} (+{weight / 2:.2f})"
            )

    for subject, denied in denials.items():
        if subject in evidence and subject not in admitted:
            cut = min(denied, evidence[subject] / 2)
            evidence[subject] -= cut
            reasons.append(
                f"denial by or for {subject} lowers its weight by {cut:.2f} (never more than half)"
            )

    total = sum(evidence.values())
    if total <= 0:
        reasons.append("no account names a perpetrator")
        return Attribution(
            incident=incident.id, status=AttributionStatus.UNATTRIBUTED, reasons=reasons
        )
    shares = {a: round(w / total, 4) for a, w in evidence.items() if w > 0}
    ranked = sorted(shares, key=lambda a: (-shares[a], a))
    top = ranked[0]
    second = shares[ranked[1]] if len(ranked) > 1 else 0.0

    if top in admitted:
        status = AttributionStatus.CONFIRMED
    elif second >= 0.25:
        status = AttributionStatus.CONTESTED
        reasons.append(
            f"credible accounts blame different actors ({top} {shares[top]:.2f}, "
            f"{ranked[1]} {second:.2f})"
        )
    elif denials.get(top, 0.0) >= DENIAL_COUNTS and len(non_party_groups[top]) < 2:
        status = AttributionStatus.CONTESTED
        reasons.append(f"{top} denies and fewer than two independent non-party sources accuse it")
    elif (
        shares[top] >= 0.8
        and len(strong_groups[top]) >= 2
        and denials.get(top, 0.0) < DENIAL_COUNTS
    ):
        status = AttributionStatus.CONFIRMED
    elif shares[top] >= 0.6:
        status = AttributionStatus.LIKELY
    else:
        status = AttributionStatus.CONTESTED
    return Attribution(incident=incident.id, shares=shares, status=status, reasons=reasons)
