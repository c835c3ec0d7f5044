"""The real-data check: UCDP GED 19.1 Syria against the shipped 2016 agreements.

Skips when ../shared/data is absent.  The thresholds in analytics.health were
set from statistics (quasi-Poisson intervals, a BIC penalty), not from these
dates; this test records what they find on real data.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from trucewatch.actors import ActorRegistry
from trucewatch.agreements import agreement_path, load_agreement
from trucewatch.analytics.health import State
from trucewatch.domain import Incident
from trucewatch.ingest.ucdp import UcdpImporter
from trucewatch.service import HealthReport, evaluation_of, health_of


@pytest.fixture(scope="module")
def ucdp(actors: ActorRegistry) -> list[Incident]:
    path = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "events"
    path = path / "ucdp_ged_syria_2016_2019.csv"
    if not path.is_file():
        pytest.skip("../shared/data is not present")
    return [r.incident for r in UcdpImporter().rows(path, actors=actors) if r.incident]


def _health(agreement_id: str, incidents: list[Incident], actors: ActorRegistry) -> HealthReport:
    agreement = load_agreement(agreement_path(agreement_id), actors=actors)
    return health_of(evaluation_of(agreement, incidents, [], [], actors))


def test_sept_2016_drop_in_its_first_days_and_a_return_between_16_and_22_sept(
    ucdp: list[Incident], actors: ActorRegistry
) -> None:
    window = [i for i in ucdp if date(2016, 8, 20) <= i.date <= date(2016, 10, 3)]
    report = _health("syria-2016-09-us-russia", window, actors)
    h = report.health
    assert h.effect.had_effect is True, h.effect.reason
    assert h.effect.headline.high is not None and h.effect.headline.high < 1
    states = {d.day: d.state for d in h.days}
    assert State.HOLDING in {states[date(2016, 9, d)] for d in (13, 14, 15)}
    returns = [b for b in h.break_dates if date(2016, 9, 16) <= b <= date(2016, 9, 22)]
    warned = [d.day for d in h.warnings if date(2016, 9, 16) <= d.day <= date(2016, 9, 22)]
    assert returns and warned, (h.break_dates, [d.day for d in h.warnings])


def test_feb_2016_cessation_shows_a_sustained_drop_over_its_first_weeks(
    ucdp: list[Incident], actors: ActorRegistry
) -> None:
    window = [i for i in ucdp if date(2016, 2, 1) <= i.date <= date(2016, 3, 31)]
    report = _health("syria-2016-02-cessation-of-hostilities", window, actors)
    e = report.health.effect
    assert e.had_effect is True, e.reason
    first_weeks = e.weeks[:3]
    assert all(w.ratio is not None and w.ratio < 1 for w in first_weeks), [
        w.ratio for w in first_weeks
    ]
    assert not [d for d in report.health.days if d.state == State.COLLAPSED]
