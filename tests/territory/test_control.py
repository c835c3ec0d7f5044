"""Control at a date, what changed hands, advances judged, sieges from control (synthetic).

Every layer and incident here is synthetic (see synthetic.py); the actor ids
are real registry ids because standing is looked up through the registry.
"""

from __future__ import annotations

from datetime import date

import pytest
from shapely.geometry import shape

from trucewatch.actors import ActorRegistry
from trucewatch.agreements import parse_agreement
from trucewatch.domain import Incident, IncidentActor, Location, Verdict
from trucewatch.domain.control import ControlArea, ControlLayer, territorial_gainers
from trucewatch.engine import evaluate
from trucewatch.geo.control import (
    advance_incidents,
    control_at,
    control_changes,
    encirclements,
    gains_from_incidents,
)
from trucewatch.geo.geometry import area_km2

from .synthetic import GOV, OPP, STRIP, snapshot

AGREEMENT = """\
id: synthetic-front
title: Synthetic front-line agreement (not a real agreement)
signed: 2016-07-01
sources: ["synthetic, for tests"]
sides:
  government: {members: [syria-government]}
  opposition: {members: [armed-opposition]}
phases:
  - {id: truce, start: 2016-07-05T00:00+03:00, days: 30}
obligations:
  - id: no-offensives
    kind: territory
    binds: [government, opposition]
    text: "No offensive operations to gain territory (synthetic)."
"""


def layer(day: date, corridor_open: bool, advanced: bool = False) -> ControlLayer:
    return ControlLayer(
        id=f"synthetic@{day}",
        valid_from=day,
        source="synthetic",
        areas=[
            ControlArea(
                actor=f["properties"]["actor"],
                geometry=f["geometry"],
                name=f["properties"].get("name"),
                population=f["properties"].get("population"),
            )
            for f in snapshot(corridor_open, advanced=advanced)
        ],
    )


def friends(actor: str) -> set[str]:
    return {actor}


def test_control_at_a_date_takes_the_snapshot_in_force() -> None:
    layers = [layer(date(2016, 7, 1), True), layer(date(2016, 7, 20), False, advanced=True)]
    assert control_at(layers, date(2016, 6, 30)).holdings == {}
    early = control_at(layers, date(2016, 7, 10))
    late = control_at(layers, date(2016, 7, 20))
    assert early.layer == "synthetic@2016-07-01"
    assert late.layer == "synthetic@2016-07-20"
    # a point in the strip (35.45 E, 35.7 N) was the opposition's, then the government's
    assert early.holder_at(35.7, 35.45) == OPP
    assert late.holder_at(35.7, 35.45) == GOV
    assert early.holder_at(35.2, 40.0) is None  # off the map: nobody, not a guess


def test_area_that_changed_hands_between_two_dates() -> None:
    layers = [layer(date(2016, 7, 1), False), layer(date(2016, 7, 20), False, advanced=True)]
    changes = control_changes(
        control_at(layers, date(2016, 7, 10)), control_at(layers, date(2016, 7, 25))
    )
    assert [(c.gainer, c.loser) for c in changes] == [(GOV, OPP)]
    # the strip is 0.1° of longitude at 35.5 N (9.05 km) by 1° of latitude (111.2 km)
    assert changes[0].area_km2 == pytest.approx(area_km2(STRIP), rel=1e-6)
    assert changes[0].area_km2 == pytest.approx(1006.5, rel=0.01)


def test_an_advance_during_a_truce_is_a_violation(actors: ActorRegistry) -> None:
    agreement = parse_agreement(AGREEMENT, name="synthetic.yaml", actors=actors)
    layers = [layer(date(2016, 7, 1), False), layer(date(2016, 7, 20), False, advanced=True)]
    changes = control_changes(
        control_at(layers, date(2016, 7, 10)), control_at(layers, date(2016, 7, 20))
    )
    derived = advance_incidents(
        changes,
        date(2016, 7, 10),
        date(2016, 7, 20),
        lambda a: actors.get(a).kind,
        source="synthetic layers",
    )
    assert derived[0].sub_event_type == "Government regains territory"
    assert "derived:control" in derived[0].tags
    [finding] = evaluate(agreement, derived, actors=actors)
    assert finding.verdict == Verdict.VIOLATION
    assert [r.actor for r in finding.responsible] == [GOV]
    assert any("ground gained by syria-government" in r for r in finding.reasons)


def _territorial(day: date, sub_event: str) -> Incident:
    return Incident(
        id=f"synthetic-{day}",
        date=day,
        event_type="Battles",
        sub_event_type=sub_event,
        actors=[
            IncidentActor(name="Syrian army", id=GOV),
            IncidentActor(name="rebels", id=OPP),
        ],
        location=Location(name="synthetic village", latitude=35.7, longitude=35.2),
        notes="synthetic",
    )


def test_acled_territorial_incident_blames_the_side_that_gained(actors: ActorRegistry) -> None:
    agreement = parse_agreement(AGREEMENT, name="synthetic.yaml", actors=actors)
    before = _territorial(date(2016, 7, 3), "Non-state actor overtakes territory")
    during = _territorial(date(2016, 7, 8), "Non-state actor overtakes territory")
    kind = lambda a: actors.get(a).kind  # noqa: E731
    assert territorial_gainers(during, kind) == [OPP]
    assert territorial_gainers(_territorial(during.date, "Government regains territory"), kind) == [
        GOV
    ]
    by_id = {f.incident: f for f in evaluate(agreement, [before, during], actors=actors)}
    assert by_id[during.id].verdict == Verdict.VIOLATION
    assert [r.actor for r in by_id[during.id].responsible] == [OPP]
    assert by_id[before.id].verdict == Verdict.BEFORE_EFFECT


def test_control_derived_from_incidents_moves_the_map(actors: ActorRegistry) -> None:
    layers = [layer(date(2016, 7, 1), False)]
    gains = gains_from_incidents(
        [_territorial(date(2016, 7, 8), "Government regains territory")],
        lambda a: actors.get(a).kind,
    )
    assert control_at(layers, date(2016, 7, 7), gains).holder_at(35.7, 35.2) == OPP
    after = control_at(layers, date(2016, 7, 8), gains)
    assert after.holder_at(35.7, 35.2) == GOV
    assert after.holder_at(35.7, 35.26) == OPP  # 5.4 km east: outside the 3 km circle


def test_siege_appears_when_the_last_route_closes_and_disappears_when_it_reopens() -> None:
    layers = [
        layer(date(2016, 7, 1), True),
        layer(date(2016, 7, 17), False),
        layer(date(2016, 8, 6), True),
    ]
    open_before = encirclements(control_at(layers, date(2016, 7, 10)), friends, tolerance_km=1)
    closed = encirclements(control_at(layers, date(2016, 7, 20)), friends, tolerance_km=1)
    reopened = encirclements(control_at(layers, date(2016, 8, 10)), friends, tolerance_km=1)
    assert open_before == [] and reopened == []
    [siege] = closed
    assert siege.actor == OPP and siege.besieged_by == (GOV,)
    assert siege.name == "Synthetic Town"
    assert siege.population == 12000
    assert siege.area_km2 == pytest.approx(
        area_km2(shape(snapshot(False)[2]["geometry"])) * 4, rel=0.01
    )


def test_a_route_narrower_than_the_tolerance_is_no_route() -> None:
    cmap = control_at([layer(date(2016, 7, 1), True)], date(2016, 7, 2))
    assert encirclements(cmap, friends, tolerance_km=1.0) == []  # corridor 2.2 km wide
    [siege] = encirclements(cmap, friends, tolerance_km=3.0)
    assert siege.actor == OPP
