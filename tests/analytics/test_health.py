"""Truce health on synthetic series whose truth is known (seeded, labelled synthetic).

The series are generated here, never taken from real events: Poisson or
overdispersed (gamma-Poisson) daily counts of party events around known
levels and known change days.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from trucewatch.analytics.health import State, measure
from trucewatch.analytics.series import BASELINE_DAYS, DaySeries

EFFECT = date(2020, 3, 1)  # a synthetic agreement's effect day (midnight: no partial day)


def synthetic(
    levels: list[tuple[int, float]], seed: int, overdispersed: bool = False
) -> list[DaySeries]:
    """Baseline then in-effect days at the given (days, mean) levels; SYNTHETIC data."""
    rng = np.random.default_rng(seed)
    means = [m for days, m in levels for _ in range(days)]
    if overdispersed:
        counts = rng.poisson(rng.gamma(4.0, np.asarray(means) / 4.0))
    else:
        counts = rng.poisson(means)
    start = EFFECT - timedelta(days=BASELINE_DAYS)
    return [
        DaySeries(
            start + timedelta(days=i),
            start + timedelta(days=i) >= EFFECT,
            int(c),
            (0, int(c), 0),
            0,
            0,
            0,
        )
        for i, c in enumerate(counts)
    ]


@pytest.mark.parametrize("seed", range(10))
def test_a_return_of_violence_is_found_within_a_day(seed: int) -> None:
    """Baseline 10/day; the truce holds at 2/day for 10 days; violence returns to 10/day."""
    series = synthetic([(BASELINE_DAYS, 10), (10, 2), (15, 10)], seed)
    health = measure("synthetic", series, EFFECT)
    truth = EFFECT + timedelta(days=10)
    assert any(abs((b - truth).days) <= 1 for b in health.break_dates), health.break_dates
    assert health.effect.had_effect is True
    states = {d.day: d.state for d in health.days}
    assert states[EFFECT + timedelta(days=5)] == State.HOLDING


@pytest.mark.parametrize("seed", range(10))
def test_violence_above_its_old_level_is_a_collapse(seed: int) -> None:
    """The truce holds at 2/day, then violence returns above the 10/day baseline (12/day)."""
    series = synthetic([(BASELINE_DAYS, 10), (10, 2), (15, 12)], seed)
    states = {d.day: d.state for d in measure("synthetic", series, EFFECT).days}
    assert states[EFFECT + timedelta(days=24)] == State.COLLAPSED


@pytest.mark.parametrize("seed", range(10))
def test_two_known_breaks_in_effect_are_both_found(seed: int) -> None:
    """Truce at 2/day, a flare-up at 12/day for 6 days, then 2/day again."""
    series = synthetic([(BASELINE_DAYS, 10), (8, 2), (6, 12), (12, 2)], seed)
    health = measure("synthetic", series, EFFECT)
    for truth in (EFFECT + timedelta(days=8), EFFECT + timedelta(days=14)):
        assert any(abs((b - truth).days) <= 1 for b in health.break_dates), (
            truth,
            health.break_dates,
        )


@pytest.mark.parametrize("seed", range(20))
def test_a_steady_noisy_truce_never_collapses(seed: int) -> None:
    """Baseline 10/day, then a steady 4/day with overdispersed noise for 40 days."""
    series = synthetic([(BASELINE_DAYS, 10), (40, 4)], seed, overdispersed=True)
    health = measure("synthetic", series, EFFECT)
    assert not [d for d in health.days if d.state in (State.COLLAPSING, State.COLLAPSED)]
    assert health.break_dates == []


@pytest.mark.parametrize("seed", range(10))
def test_no_effect_at_all_is_reported_as_such_not_as_a_collapse(seed: int) -> None:
    """The same level before and after: nothing held, so nothing collapsed."""
    series = synthetic([(BASELINE_DAYS, 8), (30, 8)], seed)
    health = measure("synthetic", series, EFFECT)
    assert health.effect.had_effect is False
    assert not [d for d in health.days if d.state == State.COLLAPSED]


@pytest.mark.parametrize("seed", range(5))
def test_the_state_and_warning_on_day_t_use_no_data_after_t(seed: int) -> None:
    series = synthetic([(BASELINE_DAYS, 10), (8, 2), (20, 11)], seed, overdispersed=True)
    full = {d.day: d for d in measure("synthetic", series, EFFECT).days}
    for cut in range(BASELINE_DAYS + 1, len(series) + 1):
        truncated = measure("synthetic", series[:cut], EFFECT).days
        last = truncated[-1]
        assert (last.state, last.warning, last.reasons) == (
            full[last.day].state,
            full[last.day].warning,
            full[last.day].reasons,
        ), last.day


def test_a_warning_fires_before_the_collapse() -> None:
    series = synthetic([(BASELINE_DAYS, 10), (10, 2), (15, 12)], seed=3)
    health = measure("synthetic", series, EFFECT)
    collapsed = min(d.day for d in health.days if d.state == State.COLLAPSED)
    assert any(d.warning and d.day < collapsed for d in health.days)
    warned = [d for d in health.days if d.warning]
    assert all(any(r.startswith("WARNING:") for r in d.reasons) for d in warned)


def test_json_has_days_effect_and_break_dates() -> None:
    data = measure("synthetic", synthetic([(BASELINE_DAYS, 10), (20, 3)], seed=1), EFFECT).as_json()
    assert {"days", "effect", "break_dates"} <= set(data)
    day = data["days"][-1]
    assert set(day) >= {"date", "state", "reasons", "warning"}
    assert data["effect"]["had_effect"] is True
    assert data["effect"]["first_days"]["ci95"][1] < 1


def test_where_violence_came_back_is_found_per_admin1() -> None:
    """Two synthetic areas: North holds then flares on day 10; South stays quiet."""
    north = synthetic([(BASELINE_DAYS, 6), (10, 1), (15, 8)], seed=11)
    south = synthetic([(BASELINE_DAYS, 6), (25, 1)], seed=12)
    series = [
        DaySeries(
            n.day,
            n.in_effect,
            n.party_events + s.party_events,
            (0, 0, 0),
            0,
            0,
            0,
            by_admin1={"North (synthetic)": n.party_events, "South (synthetic)": s.party_events},
        )
        for n, s in zip(north, south, strict=True)
    ]
    where = measure("synthetic", series, EFFECT).break_dates_by_admin1
    assert list(where) == ["North (synthetic)"]
    assert any(
        abs((d - (EFFECT + timedelta(days=10))).days) <= 1 for d in where["North (synthetic)"]
    )
