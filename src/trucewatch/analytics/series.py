"""Daily series of an agreement: violence between the parties, kept apart from spoiling.

Pure: an agreement, incidents and their findings in; one :class:`DaySeries`
per local day out, from the baseline window before the agreement took effect
to the end of the period.

What is counted (an incident counts once per day whatever the number of
obligations it breaks):

* **party violence** — incidents with a finding that is a violation (by a
  party, or by no one identified) or, before effect, that *would* have been
  one (``Finding.would_be``): the acts the agreement exists to stop;
* **spoiler activity** — acts of excluded groups (IS, JFS) and outsiders, and
  of parties against excluded groups where that is exempt; violence by or
  against excluded groups is kept out of party violence because counting it
  would hide whether the parties kept their word;
* **permitted** — acts an exemption allows.

Fatalities are UCDP-style low / best / high.  Party violence is also broken
down by side, obligation, admin1 and the agreement's zones (an incident counts
for a zone only when it is certainly inside it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from trucewatch.analytics.timeline import is_party_violence
from trucewatch.domain import Agreement, Finding, Incident, Verdict
from trucewatch.geo.zones import Membership, ZoneIndex

#: Days before the agreement took effect that form its baseline.
BASELINE_DAYS = 14


@dataclass(frozen=True)
class DaySeries:
    """One local day of an agreement's series."""

    day: date
    in_effect: bool
    party_events: int
    party_fatalities: tuple[int, int, int]
    spoiler_events: int
    spoiler_fatalities: int
    permitted_events: int
    by_side: dict[str, int] = field(default_factory=dict)
    by_obligation: dict[str, int] = field(default_factory=dict)
    by_admin1: dict[str, int] = field(default_factory=dict)
    by_zone: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        low, best, high = self.party_fatalities
        return {
            "date": self.day.isoformat(),
            "in_effect": self.in_effect,
            "party_events": self.party_events,
            "party_fatalities": {"low": low, "best": best, "high": high},
            "spoiler_events": self.spoiler_events,
            "spoiler_fatalities": self.spoiler_fatalities,
            "permitted_events": self.permitted_events,
            "by_side": self.by_side,
            "by_obligation": self.by_obligation,
            "by_admin1": self.by_admin1,
            "by_zone": self.by_zone,
        }


@dataclass(frozen=True)
class Window:
    """The days a series covers and where the agreement's effect starts."""

    baseline_start: date
    effect_day: date
    end: date
    partial_effect_day: bool

    @property
    def first_full_day(self) -> date:
        """The first local day wholly in effect."""
        return self.effect_day + timedelta(days=1) if self.partial_effect_day else self.effect_day


def window(
    agreement: Agreement, *, last_data_day: date | None = None, end: date | None = None
) -> Window:
    """Baseline start, effect day and end for ``agreement``, in its own time zone.

    The effect day is partial when the agreement takes effect after local
    midnight (Sept 2016: 19:00); a partial day counts on neither side.  The end
    is ``end``, else the formal end, else the last day with data.
    """
    tz = ZoneInfo(agreement.timezone)
    start = agreement.effective_from()
    if start is None:
        effect_day, partial = agreement.signed, True
    else:
        local = start.astimezone(tz)
        effect_day, partial = local.date(), local.time() != time(0, 0)
    if end is None:
        end = agreement.ended.date if agreement.ended else last_data_day or effect_day
    return Window(effect_day - timedelta(days=BASELINE_DAYS), effect_day, end, partial)


def _spoiler(f: Finding) -> bool:
    return f.verdict == Verdict.SPOILER_ACTIVITY or (
        f.verdict == Verdict.BEFORE_EFFECT and f.would_be == Verdict.SPOILER_ACTIVITY
    )


def _permitted(f: Finding) -> bool:
    return f.verdict == Verdict.PERMITTED or (
        f.verdict == Verdict.BEFORE_EFFECT and f.would_be == Verdict.PERMITTED
    )


@dataclass
class _Day:
    """What one day accumulates while the series is built."""

    party: int = 0
    fatalities: list[int] = field(default_factory=lambda: [0, 0, 0])
    spoiler: int = 0
    spoiler_fatalities: int = 0
    permitted: int = 0
    side: Counter[str] = field(default_factory=Counter)
    obligation: Counter[str] = field(default_factory=Counter)
    admin1: Counter[str] = field(default_factory=Counter)
    zone: Counter[str] = field(default_factory=Counter)

    def freeze(self, day: date, in_effect: bool) -> DaySeries:
        low, best, high = self.fatalities
        return DaySeries(
            day,
            in_effect,
            self.party,
            (low, best, high),
            self.spoiler,
            self.spoiler_fatalities,
            self.permitted,
            dict(self.side),
            dict(self.obligation),
            dict(self.admin1),
            dict(self.zone),
        )


def daily_series(
    agreement: Agreement,
    incidents: Iterable[Incident],
    findings: Iterable[Finding],
    span: Window,
) -> list[DaySeries]:
    """One DaySeries per day of ``span`` (baseline start to end), zeros where nothing happened."""
    by_id = {i.id: i for i in incidents}
    per_incident: dict[str, list[Finding]] = {}
    for f in findings:
        per_incident.setdefault(f.incident, []).append(f)
    zones = ZoneIndex(agreement.zones)
    days: dict[date, _Day] = {}
    for incident_id, fs in per_incident.items():
        incident = by_id.get(incident_id)
        if incident is None or not span.baseline_start <= incident.date <= span.end:
            continue
        acc = days.setdefault(incident.date, _Day())
        party = [f for f in fs if is_party_violence(f)]
        if party:
            acc.party += 1
            acc.fatalities[0] += incident.fatalities.low
            acc.fatalities[1] += incident.fatalities.best
            acc.fatalities[2] += incident.fatalities.high
            sides = {r.side or "unattributed" for f in party for r in f.responsible}
            acc.side.update(sides or {"unattributed"})
            acc.obligation.update({f.obligation for f in party})
            acc.admin1.update([incident.location.admin1 or "unknown"])
            acc.zone.update(
                z.id
                for z in agreement.zones
                if zones.membership(z.id, incident.location) == Membership.INSIDE
            )
        elif any(_spoiler(f) for f in fs):
            acc.spoiler += 1
            acc.spoiler_fatalities += incident.fatalities.best
        elif any(_permitted(f) for f in fs):
            acc.permitted += 1
    out = []
    d = span.baseline_start
    while d <= span.end:
        out.append(days.get(d, _Day()).freeze(d, d >= span.first_full_day))
        d += timedelta(days=1)
    return out
