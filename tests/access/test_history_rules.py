"""The rules a convoy's history must follow, on the domain type itself.

Histories here are synthetic (made-up ids and dates) to exercise the rules.
"""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from trucewatch.domain.access import (
    TRANSITIONS,
    AccessEvent,
    AccessStatus,
    Siege,
    StatusChange,
    history_breaches,
)


def _event(*steps: dict[str, object], planned: int | None = 100) -> AccessEvent:
    return AccessEvent.model_validate(
        {
            "id": "synthetic-convoy",
            "organisation": "Synthetic aid agency (test)",
            "destination": "synthetic-area",
            "planned_beneficiaries": planned,
            "history": list(steps),
        }
    )


def test_a_plausible_history_is_accepted_and_reads_back() -> None:
    e = _event(
        {"status": "requested", "date": "2020-01-01"},
        {"status": "approved", "date": "2020-01-02"},
        {"status": "delayed", "date": "2020-01-03", "actor": "x", "reason": "checkpoint"},
        {"status": "delivered", "date": "2020-01-04", "people_reached": 80},
    )
    assert e.status is AccessStatus.DELIVERED
    assert e.people_reached == 80
    assert e.arrival is not None and e.arrival.date == date(2020, 1, 4)


def test_delivered_then_requested_is_refused_with_what_may_follow() -> None:
    with pytest.raises(ValidationError) as e:
        _event(
            {"status": "delivered", "date": "2020-01-04", "people_reached": 10},
            {"status": "requested", "date": "2020-01-05"},
        )
    text = str(e.value)
    assert "history.1.status: delivered → requested is not a possible change" in text
    assert "after delivered comes nothing: it is final" in text


def test_every_status_can_start_a_history_and_arrivals_are_final() -> None:
    for status in AccessStatus:
        _event({"status": status.value, "date": "2020-01-01"})
    assert TRANSITIONS[AccessStatus.DELIVERED] == frozenset()
    assert TRANSITIONS[AccessStatus.PARTIALLY_DELIVERED] == frozenset()


def test_out_of_order_dates_are_refused() -> None:
    steps = [
        StatusChange(status=AccessStatus.REQUESTED, date=date(2020, 1, 5)),
        StatusChange(status=AccessStatus.APPROVED, date=date(2020, 1, 4)),
    ]
    [breach] = history_breaches(steps, None)
    assert (breach.index, breach.field) == (1, "date")
    assert "2020-01-04 is before the previous step (2020-01-05)" in breach.message


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        _event({"status": "delivered", "date": "2020-01-04", "people_reached": -1})
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        _event({"status": "requested", "date": "2020-01-04"}, planned=-5)


def test_more_reached_than_planned_needs_a_stated_reason() -> None:
    with pytest.raises(ValidationError, match="150 people reached is more than the 100 planned"):
        _event({"status": "delivered", "date": "2020-01-04", "people_reached": 150})
    accepted = _event(
        {
            "status": "delivered",
            "date": "2020-01-04",
            "people_reached": 150,
            "over_plan_reason": "a second distribution the same day (synthetic)",
        }
    )
    assert accepted.people_reached == 150
    with pytest.raises(ValidationError, match="over_plan_reason"):
        _event(
            {
                "status": "delivered",
                "date": "2020-01-04",
                "people_reached": 150,
                "over_plan_reason": "   ",
            }
        )


def test_people_reached_belongs_on_an_arrival() -> None:
    with pytest.raises(ValidationError, match="people_reached is given on a 'approved' step"):
        _event({"status": "approved", "date": "2020-01-04", "people_reached": 5})


def test_with_change_appends_or_refuses() -> None:
    e = _event({"status": "requested", "date": "2020-01-01"})
    e2 = e.with_change(StatusChange(status=AccessStatus.DENIED, date=date(2020, 1, 2)))
    assert [c.status for c in e2.history] == [AccessStatus.REQUESTED, AccessStatus.DENIED]
    assert len(e.history) == 1  # the original is untouched (frozen)
    with pytest.raises(ValueError, match="denied → delivered is not a possible change"):
        e2.with_change(StatusChange(status=AccessStatus.DELIVERED, date=date(2020, 1, 3)))


def test_a_convoy_that_never_arrived_reached_nobody_and_unknown_counts_stay_unknown() -> None:
    assert _event({"status": "blocked", "date": "2020-01-01"}).people_reached == 0
    assert _event({"status": "delivered", "date": "2020-01-01"}).people_reached is None


def test_siege_checks_its_dates_and_population_range() -> None:
    with pytest.raises(ValidationError, match="end 2020-01-01 is before start 2020-02-01"):
        Siege.model_validate({"id": "s", "area": "a", "start": "2020-02-01", "end": "2020-01-01"})
    with pytest.raises(ValidationError, match="population_high 10 is below population 20"):
        Siege.model_validate({"id": "s", "area": "a", "population": 20, "population_high": 10})
    s = Siege.model_validate({"id": "s", "area": "a", "start": "2020-01-01", "end": "2020-01-31"})
    assert s.covers(date(2020, 1, 15)) and not s.covers(date(2020, 2, 1))
