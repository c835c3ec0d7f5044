"""Airwars' civilian-harm grades, mapped from our attribution (for exports).

Airwars grades (REFERENCE.md §4.2): confirmed — a belligerent accepted
responsibility; fair — two or more credible sources, with likely or
confirmed nearby action by a belligerent; weak — a single source; contested
— competing claims of responsibility; discounted — those killed were
combatants, or other parties most likely responsible.

The mapping, and why:

* ours confirmed **by an admission** → ``confirmed`` (Airwars' confirmed is
  exactly a belligerent's acceptance);
* ours confirmed by independent sources, or likely with two or more
  independent credible (A–C, non-party) sources → ``fair``;
* ours contested → ``contested``;
* otherwise (one source, or unattributed) → ``weak``.

``discounted`` is an analyst's judgement about who was killed; it is never
produced automatically.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from trucewatch.domain import (
    Attribution,
    AttributionStatus,
    Claim,
    ClaimKind,
    Reliability,
    Source,
    SourceKind,
)

CREDIBLE = frozenset({Reliability.A, Reliability.B, Reliability.C})


def airwars_grade(
    attribution: Attribution, claims: Iterable[Claim], sources: Mapping[str, Source]
) -> str:
    """The Airwars grade that corresponds to ``attribution`` and its claims."""
    claims = [c for c in claims if c.incident == attribution.incident]
    if attribution.status == AttributionStatus.CONTESTED:
        return "contested"
    leading = attribution.leading()
    top = leading[0] if leading else None
    if attribution.status == AttributionStatus.CONFIRMED and any(
        c.kind == ClaimKind.ADMITS and c.subject == top for c in claims
    ):
        return "confirmed"
    groups = {
        s.group
        for c in claims
        if c.kind == ClaimKind.ACCUSES
        and c.subject == top
        and (s := sources.get(c.source)) is not None
        and s.kind != SourceKind.PARTY_STATEMENT
        and s.reliability in CREDIBLE
    }
    if (
        attribution.status in (AttributionStatus.CONFIRMED, AttributionStatus.LIKELY)
        and len(groups) >= 2
    ):
        return "fair"
    return "weak"
