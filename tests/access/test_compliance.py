"""Measuring access commitments: the shipped Sept 2016 case, and synthetic rules.

The synthetic agreement and convoys are made up to exercise each rule; their
titles and organisations say so.  Actor ids are real registry ids because
standing under an agreement is looked up through the registry.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from trucewatch.access import measure_access
from trucewatch.access.compliance import SUSTAINED_GAP_DAYS, in_force_days
from trucewatch.actors import ActorRegistry
from trucewatch.agreements import parse_agreement
from trucewatch.domain import Agreement, Attribution, AttributionStatus
from trucewatch.domain.access import AccessEvent, Siege
from trucewatch.service import run_demo

AGREEMENT = """\
id: synthetic-access
title: Synthetic access agreement (not a real agreement)
signed: 2020-01-01
timezone: Asia/Damascus
sources: ["synthetic, for tests"]
brokers: [united-states]
sides:
  government: {members: [syria-government], allies: [russia]}
  opposition: {members: [armed-opposition]}
excluded: [islamic-state]
phases:
  - {id: truce, start: 2020-01-01T00:00+02:00, days: 30}
zones:
  - {id: town, kind: besieged_area, around: {place: synthetic town, latitude: 35.0,
     longitude: 38.0, radius_km: 2}, population: 10000}
obligations:
  - id: access
    binds: [government, opposition]
    prohibits: [{tags: [humanitarian_aid, obstruction]}]
    access: [town-access]
access:
  - {id: town-access, standard: STANDARD, areas: [town], people: 10000, answer_within_days: 2}
"""


def _agreement(actors: ActorRegistry, standard: str = "unimpeded") -> Agreement:
    return parse_agreement(
        AGREEMENT.replace("STANDARD", standard), name="synthetic.yaml", actors=actors
    )


def _convoy(cid: str, *steps: dict[str, Any], planned: int = 10000) -> AccessEvent:
    return AccessEvent.model_validate(
        {
            "id": cid,
            "agreement": "synthetic-access",
            "organisation": "Synthetic agency (test)",
            "destination": "town",
            "planned_beneficiaries": planned,
            "history": list(steps),
        }
    )


def _delivered(cid: str, day: str, people: int | None) -> AccessEvent:
    return _convoy(
        cid,
        {"status": "requested", "date": day},
        {"status": "approved", "date": day},
        {"status": "delivered", "date": day, "people_reached": people},
    )


# --------------------------------------------------------------------- the real case


def test_sept_2016_east_aleppo_reached_nobody_and_names_the_obstructers() -> None:
    """Must show: zero people reached in east Aleppo during the truce, with who obstructed."""
    ev = run_demo()
    assert ev.access is not None
    [c] = ev.access.commitments
    assert c.commitment.id == "east-aleppo-access"
    assert c.obligations == ["humanitarian-access"]
    assert (c.people_reached, c.target_people) == (0, 250000)
    assert c.status == "not_met"
    assert "0 of 250,000 people reached (0%) by 0 arrival(s)" in c.reasons
    [area] = c.areas
    assert area.area == "east-aleppo" and area.days_without_access == area.days == 22
    assert area.besieged_by == ["syria-government (member of side government)"]
    who = {(o.event, o.actor, o.party) for o in c.obstructions}
    assert who == {
        ("un-border-convoy-1", "syria-government", "side government"),
        ("un-border-convoy-1", None, "unidentified"),
        ("un-border-convoy-2", None, "unidentified"),
    }
    gov = next(o for o in c.obstructions if o.actor == "syria-government")
    assert (gov.since, gov.until, gov.steps) == (date(2016, 9, 13), date(2016, 9, 19), 3)
    assert any("necessary permissions and safety guarantees" in r for r in gov.reasons)
    some = next(o for o in c.obstructions if o.reported_actor == "some groups")
    assert some.standing == "unidentified (reported as 'some groups')"
    assert ev.access.start == date(2016, 9, 12) and ev.access.end == date(2016, 10, 3)


def test_the_urum_al_kubra_attack_takes_the_incidents_contested_attribution() -> None:
    ev = run_demo()
    assert ev.access is not None
    assert ev.access.other_events == ["un-sarc-urum-al-kubra"]
    [attack] = [o for o in ev.access.obstructions if o.event == "un-sarc-urum-al-kubra"]
    assert attack.incident == "TW-SYR-0023"
    assert attack.actor is None  # contested: no single actor
    assert attack.attribution is not None and attack.attribution.startswith("contested: ")
    assert attack.standing.startswith("contested between russia")
    # both candidates are on the government side, so the side is not in doubt
    assert attack.party == "side government"


# --------------------------------------------------------------------- synthetic rules


def test_unimpeded_is_met_only_when_every_approved_convoy_arrives(actors: ActorRegistry) -> None:
    agreement = _agreement(actors)
    ok = measure_access(agreement, [_delivered("a", "2020-01-05", 4000)], [], actors=actors)
    [c] = ok.commitments
    assert (c.status, c.people_reached, c.arrived, c.approved) == ("met", 4000, 1, 1)
    stuck = _convoy(
        "b",
        {"status": "approved", "date": "2020-01-06"},
        {"status": "blocked", "date": "2020-01-07", "actor": "Government of Syria"},
    )
    bad = measure_access(agreement, [_delivered("a", "2020-01-05", 4000), stuck], [], actors=actors)
    [c] = bad.commitments
    assert c.status == "not_met"
    assert "1 approved convoy(s) did not arrive" in c.reasons
    assert c.by_party == {"side government": 1}


def test_no_events_is_no_data_not_compliance(actors: ActorRegistry) -> None:
    [c] = measure_access(_agreement(actors), [], [], actors=actors).commitments
    assert c.status == "no_data"
    assert "absence of records is not compliance" in c.reasons[0]


def test_sustained_fails_on_a_long_gap(actors: ActorRegistry) -> None:
    agreement = _agreement(actors, "sustained")
    weekly = [_delivered(f"w{d}", f"2020-01-{d:02d}", 100) for d in (1, 8, 15, 22, 29)]
    [c] = measure_access(agreement, weekly, [], actors=actors).commitments
    assert c.status == "met", c.reasons
    [c] = measure_access(agreement, weekly[:2] + weekly[3:], [], actors=actors).commitments
    assert c.status == "not_met"
    assert (
        f"13 days in a row without an arrival (sustained allows {SUSTAINED_GAP_DAYS})" in c.reasons
    )


def test_as_agreed_counts_only_obstruction_by_a_party(actors: ActorRegistry) -> None:
    agreement = _agreement(actors, "as_agreed")
    spoiled = _convoy(
        "s",
        {"status": "approved", "date": "2020-01-03"},
        {"status": "blocked", "date": "2020-01-03", "actor": "Iranian-backed militias"},
    )
    [c] = measure_access(agreement, [spoiled], [], actors=actors).commitments
    assert c.by_party == {"spoiler": 1}
    assert c.obstructions[0].standing == "iran-backed-militias (not a party to this agreement)"
    assert c.status == "met"
    by_party = _convoy("p", {"status": "denied", "date": "2020-01-03", "actor": "Syrian Arab Army"})
    [c] = measure_access(agreement, [spoiled, by_party], [], actors=actors).commitments
    assert c.status == "not_met" and c.by_party == {"spoiler": 1, "side government": 1}


def test_requests_answered_within_the_agreed_days(actors: ActorRegistry) -> None:
    fast = _convoy(
        "f",
        {"status": "requested", "date": "2020-01-01"},
        {"status": "approved", "date": "2020-01-03"},
    )
    slow = _convoy(
        "s",
        {"status": "requested", "date": "2020-01-01"},
        {"status": "denied", "date": "2020-01-10"},
    )
    open_ = _convoy("o", {"status": "requested", "date": "2020-01-01"})
    [c] = measure_access(_agreement(actors), [fast, slow, open_], [], actors=actors).commitments
    assert (c.requests, c.answered, c.answered_in_time) == (3, 2, 1)


def test_people_reached_share_is_capped_and_unknown_counts_are_kept_apart(
    actors: ActorRegistry,
) -> None:
    convoys = [
        _delivered("a", "2020-01-02", 8000),
        _delivered("b", "2020-01-03", 8000),
        _delivered("c", "2020-01-04", None),
    ]
    siege = Siege(id="siege", area="town", population=10000, besieged_by=["Government of Syria"])
    [c] = measure_access(_agreement(actors), convoys, [siege], actors=actors).commitments
    [area] = c.areas
    assert c.people_reached == 16000
    assert area.share_reached == 1.0  # an upper bound: the same people may be counted twice
    assert area.arrivals_count_unknown == 1
    assert area.days_without_access == 30 - 3
    assert area.besieged_by == ["syria-government (member of side government)"]


def test_a_period_excludes_steps_outside_it(actors: ActorRegistry) -> None:
    late = _delivered("late", "2020-03-01", 500)
    report = measure_access(_agreement(actors), [late], [], actors=actors)
    [c] = report.commitments
    assert c.status == "no_data" and c.people_reached == 0
    report = measure_access(_agreement(actors), [late], [], actors=actors, end=date(2020, 3, 31))
    assert report.commitments[0].people_reached == 500


def test_an_attack_with_a_contested_attribution_across_sides_stays_contested(
    actors: ActorRegistry,
) -> None:
    attacked = _convoy(
        "x",
        {"status": "approved", "date": "2020-01-05"},
        {"status": "attacked", "date": "2020-01-05", "incident": "SYN-1", "actor": "Russia"},
    )
    attribution = Attribution(
        incident="SYN-1",
        shares={"syria-government": 0.5, "armed-opposition": 0.5},
        status=AttributionStatus.CONTESTED,
    )
    [c] = measure_access(
        _agreement(actors), [attacked], [], actors=actors, attributions={"SYN-1": attribution}
    ).commitments
    [o] = c.obstructions
    # the source's "Russia" does not override the incident's contested attribution
    assert (o.party, o.actor, o.reported_actor) == ("contested", None, "Russia")


def test_in_force_days_use_the_agreements_local_dates(actors: ActorRegistry) -> None:
    assert in_force_days(_agreement(actors)) == (date(2020, 1, 1), date(2020, 1, 30))


@pytest.mark.parametrize("standard", ["unimpeded", "sustained", "as_agreed"])
def test_json_has_the_measures(actors: ActorRegistry, standard: str) -> None:
    report = measure_access(
        _agreement(actors, standard), [_delivered("a", "2020-01-05", 10)], [], actors=actors
    )
    data = report.as_json()
    c = data["commitments"][0]
    assert c["standard"] == standard and c["people_reached"] == 10
    assert {"obstructions_by_party", "areas", "answered_in_time"} <= set(c)


def test_an_event_under_no_agreement_counts_only_for_a_commitment(actors: ActorRegistry) -> None:
    def free(cid: str, destination: str) -> AccessEvent:
        return AccessEvent.model_validate(
            {
                "id": cid,
                "organisation": "Synthetic agency (test)",
                "destination": destination,
                "history": [
                    {"status": "blocked", "date": "2020-01-03", "actor": "Syrian Arab Army"}
                ],
            }
        )

    report = measure_access(
        _agreement(actors),
        [free("to-town", "town"), free("elsewhere", "elsewhere")],
        [],
        actors=actors,
    )
    assert report.commitments[0].events == ["to-town"]
    assert report.other_events == []
    assert [o.event for o in report.obstructions] == ["to-town"]
