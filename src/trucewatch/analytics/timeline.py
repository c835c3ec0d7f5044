"""The truce timeline: prohibited acts per day, and when the truce broke down.

First version of the breakdown rule (the truce-health issue replaces it with
change-point detection); every threshold is stated here:

* P(d) = incidents on day d (in the agreement's time zone, by recorded date)
  in which a party — a side member or ally — is named as responsible for an
  act some event obligation prohibits, whether before effect (the baseline)
  or during it (a violation).  Contested and shared responsibility count.
* baseline = mean of P over the days of the data before the agreement took
  effect (days with no incident count as 0).
* breakdown = the first day on or after effect on which P(d) ≥ baseline and
  the mean of P over d and the next two days is ≥ baseline: violence by the
  parties back at its pre-truce level, and staying there.

On a curated case — a selection of incidents, not a complete record — the
date says when the selected record shows the return of violence, no more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from trucewatch.domain import Agreement, Finding, Incident, Verdict

PERSISTENCE_DAYS = 3


@dataclass(frozen=True)
class DayCount:
    """One day of the timeline."""

    day: date
    party_acts: int
    violations: int
    spoiler: int
    permitted: int
    in_effect: bool


@dataclass(frozen=True)
class Breakdown:
    """The detected breakdown day (None if the data shows none) and its basis."""

    day: date | None
    baseline: float
    effective: date | None
    rule: str


def daily_counts(
    agreement: Agreement, incidents: Iterable[Incident], findings: Iterable[Finding]
) -> list[DayCount]:
    """Per-day counts over the span of the incidents, missing days filled with zeros."""
    by_id = {i.id: i for i in incidents}
    if not by_id:
        return []
    effective = agreement.effective_from()
    start_day = effective.date() if effective else None
    acts: dict[date, set[str]] = {}
    viol: dict[date, set[str]] = {}
    spoil: dict[date, set[str]] = {}
    perm: dict[date, set[str]] = {}
    for f in findings:
        day = by_id[f.incident].date
        if f.verdict in (Verdict.VIOLATION, Verdict.BEFORE_EFFECT) and any(
            r.side is not None for r in f.responsible
        ):
            acts.setdefault(day, set()).add(f.incident)
        target = {Verdict.VIOLATION: viol, Verdict.SPOILER_ACTIVITY: spoil,
                  Verdict.PERMITTED: perm}.get(f.verdict)
        if target is not None:
            target.setdefault(day, set()).add(f.incident)
    first, last = min(i.date for i in by_id.values()), max(i.date for i in by_id.values())
    days = []
    d = first
    while d <= last:
        days.append(DayCount(
            day=d,
            party_acts=len(acts.get(d, ())),
            violations=len(viol.get(d, ())),
            spoiler=len(spoil.get(d, ())),
            permitted=len(perm.get(d, ())),
            in_effect=start_day is not None and d >= start_day,
        ))
        d += timedelta(days=1)
    return days


def detect_breakdown(agreement: Agreement, days: list[DayCount]) -> Breakdown:
    """Apply the breakdown rule in this module's docstring."""
    effective = agreement.effective_from()
    eff_day = effective.date() if effective else None
    rule = (f"first day from effect with party acts ≥ pre-effect daily mean, and the "
            f"{PERSISTENCE_DAYS}-day mean from it also ≥ that mean")
    before = [d.party_acts for d in days if not d.in_effect]
    if eff_day is None or not before:
        return Breakdown(None, 0.0, eff_day, rule + " (no data before effect: no baseline)")
    baseline = sum(before) / len(before)
    during = [d for d in days if d.in_effect]
    for i, d in enumerate(during):
        window = [x.party_acts for x in during[i:i + PERSISTENCE_DAYS]]
        if d.party_acts >= baseline and sum(window) / len(window) >= baseline and d.party_acts > 0:
            return Breakdown(d.day, baseline, eff_day, rule)
    return Breakdown(None, baseline, eff_day, rule)
