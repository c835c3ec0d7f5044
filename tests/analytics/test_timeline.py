"""The compliance matrix and the breakdown rule, on the shipped Sept 2016 agreement.

Findings and days here are synthetic: they exercise the counting rules only.
"""

from __future__ import annotations

from datetime import date, timedelta

from trucewatch.actors import ActorRegistry
from trucewatch.agreements import agreement_path, load_agreement
from trucewatch.analytics import compliance_matrix, detect_breakdown
from trucewatch.analytics.timeline import DayCount, Period
from trucewatch.domain import AttributionStatus, Finding, Responsibility, Verdict


def test_contested_counted_apart_from_attributed(actors: ActorRegistry) -> None:
    a = load_agreement(agreement_path("syria-2016-09-us-russia"), actors=actors)
    gov = Responsibility(actor="syria-government", side="government", confidence=0.8)
    ru = Responsibility(actor="russia", side="government", confidence=0.4)
    findings = [
        Finding(
            incident="1",
            obligation="no-air-operations",
            verdict=Verdict.VIOLATION,
            responsible=[gov],
            attribution_status=AttributionStatus.LIKELY,
        ),
        Finding(
            incident="2",
            obligation="no-air-operations",
            verdict=Verdict.VIOLATION,
            responsible=[gov, ru],
            attribution_status=AttributionStatus.CONTESTED,
        ),
        Finding(incident="3", obligation="no-air-operations", verdict=Verdict.VIOLATION),
        Finding(incident="4", obligation="no-air-operations", verdict=Verdict.SPOILER_ACTIVITY),
    ]
    m = compliance_matrix(a, findings)
    assert (
        m.cell("syria-government", "no-air-operations").attributed,
        m.cell("syria-government", "no-air-operations").contested,
    ) == (1, 1)
    assert m.cell("russia", "no-air-operations").contested == 1
    assert m.cell("(unattributed)", "no-air-operations").attributed == 1
    assert str(m.cell("syria-government", "no-air-operations")) == "1 (+1 contested)"


def days(values: list[int], start: date, effect_index: int) -> list[DayCount]:
    out = []
    for i, v in enumerate(values):
        period = (
            Period.BEFORE
            if i < effect_index
            else Period.EFFECT_DAY
            if i == effect_index
            else Period.IN_EFFECT
        )
        out.append(
            DayCount(
                day=start + timedelta(days=i),
                period=period,
                party_acts=1 if v else 0,
                party_fatalities=v,
                violations=0,
                spoiler=0,
                permitted=0,
            )
        )
    return out


def test_breakdown_needs_three_days_at_pre_truce_level(actors: ActorRegistry) -> None:
    a = load_agreement(agreement_path("syria-2016-09-us-russia"), actors=actors)
    start = date(2016, 9, 1)
    # 11 days before (mean 10), effect day, then a spike that fades, then a sustained return.
    series = [10] * 11 + [50] + [0, 0, 40, 0, 0, 12, 15, 30, 0]
    b = detect_breakdown(a, days(series, start, 11))
    assert b.baseline == 10
    assert b.day == date(2016, 9, 18)


def test_no_breakdown_when_violence_stays_low(actors: ActorRegistry) -> None:
    a = load_agreement(agreement_path("syria-2016-09-us-russia"), actors=actors)
    b = detect_breakdown(a, days([10] * 11 + [0] + [2] * 10, date(2016, 9, 1), 11))
    assert b.day is None
