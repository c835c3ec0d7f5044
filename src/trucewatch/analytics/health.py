"""Truce health: did the agreement have an effect, when did violence come back, is it failing.

Pure: a daily series (``analytics.series``) in, a :class:`Health` out.  It works
on **party events per day** — incidents of violence between the parties — a
count, so Poisson reasoning applies; fatalities are reported beside it but are
too heavy-tailed to drive a detector.  Every threshold is a named constant
below, chosen from the statistics, not fitted to any agreement's dates.

**Baseline.**  The daily mean of party events over the ``BASELINE_DAYS`` (14)
days before the agreement took effect.  The effect day itself counts on neither
side when the agreement starts after local midnight.

**Overdispersion.**  Conflict counts vary more than a Poisson process.  The
dispersion φ = Var(x_t − x_{t−1}) / (2·mean), at least 1, is estimated from the
whole series: for Poisson data the day-to-day differences have variance 2λ,
and differencing makes the estimate robust to the level shifts we look for.
Every interval and test below is widened by φ (quasi-Poisson).

**(a) Effect.**  The rate ratio of party events in the truce's first stable
stretch — from the effect day to the first break date (b), at most
``EFFECT_DAYS`` (14) days — to the baseline, with a 95 % interval from the log
rate ratio's standard error √(φ·(1/a + 1/b)) (a, b: the event counts; φ from the baseline
and the stretch themselves).  Past a
break the window would mix the truce with its undoing.  The agreement *had an
effect* when the interval's upper bound is below 1.  Ratios for each in-effect
week are reported too, to show whether a drop was sustained.

**(b) Break dates.**  Where the in-effect series changes level: PELT (the
``ruptures`` library) over the in-effect days with a quasi-Poisson deviance
cost and a BIC penalty of 2·log n per change (a change adds two parameters, its
place and its new level), min segment ``MIN_SEGMENT_DAYS`` (3).  The search is
anchored at the effect day, which the agreement already tells us, so it asks
the remaining question: when did the level change after that?

Where: the same search runs on each admin1 with at least ``MIN_AREA_EVENTS``
(20) party events in effect, giving each area's own break dates.

**(c) Daily state**, from data up to and including that day only (φ too is
estimated from the days up to then):

* the trailing rate: party events over the last ``TRAILING_DAYS`` (7) in-effect
  days (fewer at the start), as a ratio to the baseline, with its quasi-Poisson
  95 % interval — a week, the period monitoring missions report on, because
  daily counts are too noisy to judge a truce by one day;
* ``holding``: the interval's upper bound is below 1 — violence clearly below
  the pre-agreement level;
* ``strained``: the ratio is below 1 but not clearly;
* ``collapsing``: the ratio is at or above 1 — violence back at its old level —
  after the truce has held on at least one day (what never held cannot
  collapse: until then such a day is ``strained``, and says so);
* ``collapsed``: ``collapsing`` on ``COLLAPSE_DAYS`` (3) consecutive days; it
  stays collapsed for the rest of the period (a truce that has collapsed is not
  revived by a quiet day; a new agreement is).

**(d) Warning.**  Fires on day t when the state is worse than every state of
the previous ``WARNING_MEMORY_DAYS`` (3) judged in-effect days — a new low, not
a flicker back to a state just seen.  A day is judged once the trailing window
holds ``WARNING_MIN_DAYS`` (3) days; before that no warning fires unless
violence is already back at its old level (collapsing).  Being computed from
the states, it uses no data after t; a test checks it by truncating the series.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any

import numpy as np
import ruptures as rpt  # type: ignore[import-untyped]
from ruptures.base import BaseCost  # type: ignore[import-untyped]

from trucewatch.analytics.series import DaySeries

EFFECT_DAYS = 14
#: An area's own break dates are sought only where it had at least this many
#: party events in effect: fewer cannot carry a change-point test.
MIN_AREA_EVENTS = 20
TRAILING_DAYS = 7
COLLAPSE_DAYS = 3
WARNING_MEMORY_DAYS = 3
WARNING_MIN_DAYS = 3
MIN_SEGMENT_DAYS = 3
Z95 = 1.959964


class State(StrEnum):
    """A truce's condition on one day, from the data up to that day."""

    NOT_IN_EFFECT = "not_in_effect"
    HOLDING = "holding"
    STRAINED = "strained"
    COLLAPSING = "collapsing"
    COLLAPSED = "collapsed"


_SEVERITY = {
    State.NOT_IN_EFFECT: -1,
    State.HOLDING: 0,
    State.STRAINED: 1,
    State.COLLAPSING: 2,
    State.COLLAPSED: 3,
}


@dataclass(frozen=True)
class RateRatio:
    """Events in a window against the baseline rate, with a 95 % interval."""

    label: str
    days: int
    events: int
    expected: float
    ratio: float | None
    low: float | None
    high: float | None

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "window": self.label,
            "days": self.days,
            "events": self.events,
            "expected_at_baseline": round(self.expected, 2),
            "ratio": _round(self.ratio),
            "ci95": [_round(self.low), _round(self.high)],
        }


@dataclass(frozen=True)
class Effect:
    """Did violence between the parties fall once the agreement took effect?"""

    baseline_per_day: float
    baseline_days: int
    dispersion: float
    headline: RateRatio
    weeks: list[RateRatio]
    had_effect: bool | None
    reason: str

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "baseline_events_per_day": round(self.baseline_per_day, 3),
            "baseline_days": self.baseline_days,
            "dispersion": round(self.dispersion, 3),
            "first_days": self.headline.as_json(),
            "weeks": [w.as_json() for w in self.weeks],
            "had_effect": self.had_effect,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class DayHealth:
    """One day's state, why, and whether a warning fires."""

    day: date
    state: State
    reasons: list[str]
    warning: bool
    trailing_ratio: float | None

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "date": self.day.isoformat(),
            "state": self.state.value,
            "reasons": self.reasons,
            "warning": self.warning,
            "trailing_ratio": _round(self.trailing_ratio),
        }


@dataclass(frozen=True)
class Health:
    """An agreement's health over a period."""

    agreement: str
    days: list[DayHealth]
    effect: Effect
    break_dates: list[date]
    method: str
    break_dates_by_admin1: dict[str, list[date]] = field(default_factory=dict)

    @property
    def warnings(self) -> list[DayHealth]:
        """The days a warning fired."""
        return [d for d in self.days if d.warning]

    def as_json(self) -> dict[str, Any]:
        """The JSON of ``trucewatch health --json``."""
        return {
            "agreement": self.agreement,
            "days": [d.as_json() for d in self.days],
            "effect": self.effect.as_json(),
            "break_dates": [d.isoformat() for d in self.break_dates],
            "break_dates_by_admin1": {
                a: [d.isoformat() for d in ds] for a, ds in self.break_dates_by_admin1.items()
            },
            "warnings": [d.day.isoformat() for d in self.warnings],
            "method": self.method,
        }


def dispersion(counts: Sequence[int]) -> float:
    """Quasi-Poisson dispersion φ ≥ 1 from day-to-day differences (see the module docstring)."""
    x = np.asarray(counts, dtype=float)
    if len(x) < 3 or x.mean() <= 0:
        return 1.0
    return max(1.0, float(np.diff(x).var(ddof=1) / (2 * x.mean())))


def rate_ratio(
    label: str, counts: Sequence[int], baseline: float, phi: float, baseline_days: int
) -> RateRatio:
    """The window's event rate over the baseline's, with a quasi-Poisson 95 % interval.

    ``baseline`` is a daily mean over ``baseline_days`` days; the interval uses
    the baseline's own count too (it is a rate estimated from data).
    """
    days = len(counts)
    events = int(sum(counts))
    expected = baseline * days
    if days == 0 or baseline <= 0:
        return RateRatio(label, days, events, expected, None, None, None)
    ratio = events / expected
    base_events = baseline * max(baseline_days, 1)
    # With no events in the window the log ratio is undefined: use half an event
    # for the interval (a standard continuity correction), never for the ratio.
    a = max(events, 0.5)
    se = math.sqrt(phi * (1 / a + 1 / base_events))
    centre = math.log(a / expected)
    return RateRatio(
        label,
        days,
        events,
        expected,
        ratio,
        math.exp(centre - Z95 * se),
        math.exp(centre + Z95 * se),
    )


def break_dates(series: Sequence[DaySeries], phi: float) -> list[date]:
    """Days on which the in-effect level of party events changed (PELT, quasi-Poisson, BIC)."""
    in_effect = [d for d in series if d.in_effect]
    if len(in_effect) < 2 * MIN_SEGMENT_DAYS:
        return []
    x = np.asarray([d.party_events for d in in_effect], dtype=float)
    if x.sum() == 0:
        return []
    algo = rpt.Pelt(custom_cost=_QuasiPoisson(phi), min_size=MIN_SEGMENT_DAYS, jump=1).fit(x)
    ends = algo.predict(pen=2 * math.log(len(x)))
    return [in_effect[i].day for i in ends[:-1]]


class _QuasiPoisson(BaseCost):  # type: ignore[misc]
    """Poisson deviance of a segment around its own mean, divided by φ."""

    model = "quasi_poisson"
    min_size = 1

    def __init__(self, phi: float = 1.0) -> None:
        self.phi = phi

    def fit(self, signal: np.ndarray) -> _QuasiPoisson:
        x = np.asarray(signal, dtype=float).ravel()
        self.signal = x.reshape(-1, 1)
        self._sum = np.concatenate([[0.0], np.cumsum(x)])
        xlogx = np.where(x > 0, x * np.log(np.where(x > 0, x, 1.0)), 0.0)
        self._xlogx = np.concatenate([[0.0], np.cumsum(xlogx)])
        return self

    def error(self, start: int, end: int) -> float:
        total = self._sum[end] - self._sum[start]
        if total <= 0:
            return 0.0
        mean = total / (end - start)
        return float(
            2 * ((self._xlogx[end] - self._xlogx[start]) - total * math.log(mean)) / self.phi
        )


def measure(agreement_id: str, series: Sequence[DaySeries], effect_day: date) -> Health:
    """The agreement's health from its daily series (see the module docstring for every rule)."""
    baseline_days = [d for d in series if d.day < effect_day]
    in_effect = [d for d in series if d.in_effect]
    phi = dispersion([d.party_events for d in series])
    base = sum(d.party_events for d in baseline_days) / len(baseline_days) if baseline_days else 0.0
    breaks = break_dates(series, phi)
    stretch = [d for d in in_effect if not breaks or d.day < breaks[0]][:EFFECT_DAYS]
    # The effect's φ comes from the days it compares, so later turmoil does not
    # blur an early, clear fall (nor later calm sharpen a doubtful one).
    compared = [d.party_events for d in baseline_days] + [d.party_events for d in stretch]
    effect = _effect(base, len(baseline_days), dispersion(compared), in_effect, len(stretch))
    days = _states(series, base, len(baseline_days))
    return Health(agreement_id, days, effect, breaks, __doc__ or "", _where(series))


def _where(series: Sequence[DaySeries]) -> dict[str, list[date]]:
    """Break dates of each admin1 with enough party events: where violence came back."""
    totals: dict[str, int] = {}
    for d in series:
        if d.in_effect:
            for area, n in d.by_admin1.items():
                totals[area] = totals.get(area, 0) + n
    out = {}
    for area in sorted(a for a, n in totals.items() if n >= MIN_AREA_EVENTS):
        own = [replace(d, party_events=d.by_admin1.get(area, 0)) for d in series]
        found = break_dates(own, dispersion([d.party_events for d in own]))
        if found:
            out[area] = found
    return out


def _effect(
    base: float, n_base: int, phi: float, in_effect: list[DaySeries], stretch: int
) -> Effect:
    counts = [d.party_events for d in in_effect]
    headline = rate_ratio(f"first {stretch} days", counts[:stretch], base, phi, n_base)
    weeks = [
        rate_ratio(f"week {i // 7 + 1}", counts[i : i + 7], base, phi, n_base)
        for i in range(0, len(counts), 7)
    ]
    if n_base == 0 or base <= 0:
        return Effect(
            base,
            n_base,
            phi,
            headline,
            weeks,
            None,
            "no baseline: no party events recorded in the days before effect",
        )
    if headline.high is None or headline.ratio is None:
        return Effect(base, n_base, phi, headline, weeks, None, "no in-effect days in the data")
    assert headline.low is not None
    interval = f"{headline.ratio:.2f} (95% interval {headline.low:.2f}–{headline.high:.2f})"
    if headline.high < 1:
        reason = f"party events fell to {interval} of the baseline in the {headline.label}"
        return Effect(base, n_base, phi, headline, weeks, True, reason)
    reason = f"no clear fall: party events at {interval} of the baseline in the {headline.label}"
    return Effect(base, n_base, phi, headline, weeks, False, reason)


def _states(series: Sequence[DaySeries], base: float, n_base: int) -> list[DayHealth]:
    out: list[DayHealth] = []
    recent: list[int] = []
    run = 0
    seen: list[State] = []
    collapsed_on: date | None = None
    held = False
    so_far: list[int] = []
    for d in series:
        so_far.append(d.party_events)
        if not d.in_effect:
            out.append(
                DayHealth(
                    d.day,
                    State.NOT_IN_EFFECT,
                    ["the agreement was not (wholly) in effect"],
                    False,
                    None,
                )
            )
            continue
        recent = [*recent, d.party_events][-TRAILING_DAYS:]
        # φ from the data up to this day only: the state must not know the future.
        rr = rate_ratio(f"last {len(recent)} days", recent, base, dispersion(so_far), n_base)
        reasons = []
        if base <= 0 or rr.ratio is None or rr.high is None:
            state = State.HOLDING if not any(recent) else State.STRAINED
            reasons.append("no baseline to compare with: judged on whether party events occur")
        else:
            assert rr.low is not None
            reasons.append(
                f"{rr.events} party events in the {rr.label} against {rr.expected:.1f} at the "
                f"baseline rate: ratio {rr.ratio:.2f} (95% interval {rr.low:.2f}–{rr.high:.2f})"
            )
            if rr.ratio >= 1 and not held:
                run = 0
                state = State.STRAINED
                reasons.append(
                    "at or above the pre-agreement level, but it has not held yet: "
                    "what never held cannot collapse"
                )
            elif rr.ratio >= 1:
                run += 1
                state = State.COLLAPSING
                reasons.append(f"at or above the pre-agreement level ({run} day(s) running)")
            else:
                run = 0
                state = State.HOLDING if rr.high < 1 else State.STRAINED
                reasons.append(
                    "clearly below the pre-agreement level"
                    if state == State.HOLDING
                    else "below the pre-agreement level, but not clearly"
                )
            held = held or state == State.HOLDING
            if run >= COLLAPSE_DAYS and collapsed_on is None:
                collapsed_on = d.day
        if collapsed_on is not None:
            state = State.COLLAPSED
            reasons.append(
                f"collapsed on {collapsed_on}: {COLLAPSE_DAYS} days running at or above "
                "the pre-agreement level"
            )
        worse = all(_SEVERITY[state] > _SEVERITY[s] for s in seen)
        enough = len(recent) >= WARNING_MIN_DAYS or state in (State.COLLAPSING, State.COLLAPSED)
        warning = worse and state != State.HOLDING and enough
        if warning:
            if seen:
                before = ", ".join(sorted({s.value for s in seen}))
                reasons.append(f"WARNING: worse than any state of the days before ({before})")
            else:
                reasons.append("WARNING: not holding on the first day judged")
        out.append(DayHealth(d.day, state, reasons, warning, rr.ratio))
        if enough:  # days judged on too little data are not a reference
            seen = [*seen, state][-WARNING_MEMORY_DAYS:]
    return out


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 3)
