"""The truce timeline: prohibited violence per day, and when the truce broke down.

First version of the breakdown rule (the truce-health issue replaces it with
change-point detection and an uncertainty); every threshold is stated here.

* Party violence on day d: the incidents on d (by their recorded date, in the
  agreement's time zone) with an act an event obligation prohibits, done by a
  party or by no one identified — violations during effect, and before it the
  acts that *would* have been violations (``Finding.would_be``).  Acts of
  excluded groups, outsiders and brokers are kept apart: counting them would
  hide whether the parties kept their word.
* It is measured in fatalities (UCDP best estimates), because a selection of
  incidents says less by its count than by the harm it records.
* baseline = the daily mean over the days of the data before effect.  The day
  the agreement takes effect is partly before and partly after, so it counts
  on neither side.
* breakdown = the first day after the effect day that opens a run of
  ``PERSISTENCE_DAYS`` consecutive days each at or above the baseline:
  violence back at its pre-truce level, and staying there.

On a curated case — a selection of incidents, not a complete record — the
date says when the selected record shows violence back at its old level, no
more; the full daily picture comes from complete event data such as UCDP GED.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from trucewatch.domain import Agreement, Finding, Incident, Verdict

PERSISTENCE_DAYS = 3


class Period(StrEnum):
    """Where a day stands relative to the agreement taking effect."""

    BEFORE = "before"
    EFFECT_DAY = "effect_day"
    IN_EFFECT = "in_effect"


@dataclass(frozen=True)
class DayCount:
    """One day of the timeline."""

    day: date
    period: Period
    party_acts: int
    party_fatalities: int
    violations: int
    spoiler: int
    permitted: int


@dataclass(frozen=True)
class Breakdown:
    """The detected breakdown day (None if the data shows none) and its basis."""

    day: date | None
    baseline: float
    effective: date | None
    rule: str


def is_party_violence(f: Finding) -> bool:
    """A violation, or before effect an act that would have been one."""
    return f.verdict == Verdict.VIOLATION or (
        f.verdict == Verdict.BEFORE_EFFECT and f.would_be == Verdict.VIOLATION
    )


def daily_counts(
    agreement: Agreement, incidents: Iterable[Incident], findings: Iterable[Finding]
) -> list[DayCount]:
    """Per-day counts over the span of the incidents, missing days filled with zeros."""
    by_id = {i.id: i for i in incidents}
    if not by_id:
        return []
    effective = agreement.effective_from()
    eff_day = effective.date() if effective else None
    party: dict[date, set[str]] = {}
    buckets: dict[Verdict, dict[date, set[str]]] = {
        Verdict.VIOLATION: {},
        Verdict.SPOILER_ACTIVITY: {},
        Verdict.PERMITTED: {},
    }
    for f in findings:
        day = by_id[f.incident].date
        if is_party_violence(f):
            party.setdefault(day, set()).add(f.incident)
        if f.verdict in buckets:
            buckets[f.verdict].setdefault(day, set()).add(f.incident)
    first = min(i.date for i in by_id.values())
    last = max(i.date for i in by_id.values())
    days = []
    d = first
    while d <= last:
        if eff_day is None or d < eff_day:
            period = Period.BEFORE
        elif d == eff_day:
            period = Period.EFFECT_DAY
        else:
            period = Period.IN_EFFECT
        acts = party.get(d, set())
        days.append(
            DayCount(
                day=d,
                period=period,
                party_acts=len(acts),
                party_fatalities=sum(by_id[i].fatalities.best for i in acts),
                violations=len(buckets[Verdict.VIOLATION].get(d, ())),
                spoiler=len(buckets[Verdict.SPOILER_ACTIVITY].get(d, ())),
                permitted=len(buckets[Verdict.PERMITTED].get(d, ())),
            )
        )
        d += timedelta(days=1)
    return days


def detect_breakdown(agreement: Agreement, days: list[DayCount]) -> Breakdown:
    """Apply the breakdown rule of this module's docstring."""
    effective = agreement.effective_from()
    eff_day = effective.date() if effective else None
    rule = (
        f"first day after the effect day opening {PERSISTENCE_DAYS} consecutive days each with "
        "fatalities from prohibited acts by parties (or no one identified) at or above the "
        "pre-effect daily mean"
    )
    before = [d.party_fatalities for d in days if d.period == Period.BEFORE]
    if eff_day is None or not before:
        return Breakdown(None, 0.0, eff_day, rule + " (no data before effect: no baseline)")
    baseline = sum(before) / len(before)
    during = [d for d in days if d.period == Period.IN_EFFECT]
    for i in range(len(during) - PERSISTENCE_DAYS + 1):
        run = during[i : i + PERSISTENCE_DAYS]
        if all(d.party_fatalities >= baseline for d in run) and baseline > 0:
            return Breakdown(run[0].day, baseline, eff_day, rule)
    return Breakdown(None, baseline, eff_day, rule)
