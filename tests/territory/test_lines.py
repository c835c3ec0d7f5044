"""Lines of contact and belts along them; weapons inside their belt (synthetic).

The agreement, line and incidents here are synthetic (their titles and notes
say so); the actor ids are real because standing is looked up in the registry.
"""

from __future__ import annotations

import random
from datetime import date

import pytest

from trucewatch.actors import ActorRegistry
from trucewatch.agreements import dump_agreement, parse_agreement
from trucewatch.domain import Incident, IncidentActor, Location, Role, Verdict
from trucewatch.domain.control import LinePosition
from trucewatch.engine import evaluate
from trucewatch.errors import InputError
from trucewatch.geo.lines import distance_km, side_of
from trucewatch.geo.zones import Membership, ZoneIndex
from trucewatch.territory import merge_line_versions

from .synthetic import GOV, OPP, SEED

# A north–south line at 36.0 E; walking north, west is the left hand.
AGREEMENT = """\
id: synthetic-lines
title: Synthetic withdrawal agreement (not a real agreement)
signed: 2016-07-01
sources: ["synthetic, for tests"]
sides:
  government: {members: [syria-government]}
  opposition: {members: [armed-opposition]}
phases:
  - {id: withdrawal, start: 2016-07-01T00:00+03:00, days: 14}
  - {id: after-withdrawal, after: withdrawal}
lines:
  - id: contact
    points: [[35.0, 36.0], [36.0, 36.0]]
    left: opposition
    right: government
    approximate: true
    note: synthetic
zones:
  - id: gov-artillery-belt
    kind: security_zone
    from_line: {line: contact, side: government, km: 25}
  - id: opp-artillery-belt
    kind: security_zone
    from_line: {line: contact, side: opposition, km: 25}
obligations:
  - id: withdraw-artillery
    binds: [government]
    prohibits: {event_type: [Strategic developments], weapons: [artillery-100mm-plus]}
    within: [gov-artillery-belt]
    phases: [after-withdrawal]
  - id: withdraw-artillery-opposition
    binds: [opposition]
    prohibits: {event_type: [Strategic developments], weapons: [artillery-100mm-plus]}
    within: [opp-artillery-belt]
    phases: [after-withdrawal]
"""

KM_PER_DEG_LON = 111.195 * 0.8141  # cos(35.5°)


def sighting(n: int, lon: float, who: str, weapon: str = "artillery-100mm-plus") -> Incident:
    return Incident(
        id=f"synthetic-sighting-{n}",
        date=date(2016, 7, 20),
        event_type="Strategic developments",
        sub_event_type="Other",
        actors=[IncidentActor(name=who, id=who, role=Role.PERPETRATOR)],
        location=Location(name="synthetic position", latitude=35.5, longitude=lon),
        tags=[f"weapon:{weapon}"],
        notes="synthetic: a weapon seen at a position",
    )


@pytest.fixture
def agreement(actors: ActorRegistry):  # type: ignore[no-untyped-def]
    return parse_agreement(AGREEMENT, name="synthetic.yaml", actors=actors)


def test_the_loader_copies_the_line_into_each_belt(agreement) -> None:  # type: ignore[no-untyped-def]
    gov, opp = agreement.zones
    assert gov.from_line.on == "right" and opp.from_line.on == "left"
    assert gov.from_line.points == [(35.0, 36.0), (36.0, 36.0)]
    text = dump_agreement(agreement)
    assert "from_line" in text


def test_belts_lie_on_their_own_side_and_are_measured_in_km(agreement) -> None:  # type: ignore[no-untyped-def]
    zones = ZoneIndex(agreement.zones)

    def where(zone: str, km_east: float) -> Membership:
        lon = 36.0 + km_east / KM_PER_DEG_LON
        return zones.membership(zone, Location(name="p", latitude=35.5, longitude=lon))

    assert where("gov-artillery-belt", 24.9) == Membership.INSIDE
    assert where("gov-artillery-belt", 25.1) == Membership.OUTSIDE
    assert where("gov-artillery-belt", -1.0) == Membership.OUTSIDE  # the other side
    assert where("opp-artillery-belt", -24.9) == Membership.INSIDE
    assert where("opp-artillery-belt", 3.0) == Membership.OUTSIDE
    # seeded random points: membership agrees with side and distance everywhere
    rng = random.Random(SEED)
    for _ in range(200):
        lat, lon = rng.uniform(35.05, 35.95), rng.uniform(35.5, 36.5)
        d = distance_km([(35.0, 36.0), (36.0, 36.0)], lat, lon)
        if abs(d - 25) < 0.2:
            continue
        inside = side_of([(35.0, 36.0), (36.0, 36.0)], lat, lon) == "right" and d < 25
        got = zones.membership(
            "gov-artillery-belt", Location(name="p", latitude=lat, longitude=lon)
        )
        assert (got == Membership.INSIDE) == inside


def test_weapon_inside_its_belt_is_a_violation_outside_it_is_not(agreement, actors) -> None:  # type: ignore[no-untyped-def]
    inside = sighting(1, 36.0 + 10 / KM_PER_DEG_LON, GOV)
    outside = sighting(2, 36.0 + 40 / KM_PER_DEG_LON, GOV)
    other_class = sighting(3, 36.0 + 10 / KM_PER_DEG_LON, GOV, weapon="mortar")
    opp_inside = sighting(4, 36.0 - 10 / KM_PER_DEG_LON, OPP)
    found = {
        (f.incident, f.obligation): f
        for f in evaluate(agreement, [inside, outside, other_class, opp_inside], actors=actors)
    }
    hit = found[(inside.id, "withdraw-artillery")]
    assert hit.verdict == Verdict.VIOLATION
    assert [r.actor for r in hit.responsible] == [GOV]
    assert found[(outside.id, "withdraw-artillery")].verdict == Verdict.NOT_APPLICABLE
    assert found[(other_class.id, "withdraw-artillery")].verdict == Verdict.NOT_APPLICABLE
    assert found[(opp_inside.id, "withdraw-artillery-opposition")].verdict == Verdict.VIOLATION
    assert found[(opp_inside.id, "withdraw-artillery")].verdict == Verdict.NOT_APPLICABLE


def test_a_moved_line_moves_its_belts_from_its_date(agreement, actors) -> None:  # type: ignore[no-untyped-def]
    # the synthetic line moves 30 km east on 2016-07-25
    lon = 36.0 + 30 / KM_PER_DEG_LON
    moved = LinePosition(
        line="contact",
        valid_from=date(2016, 7, 25),
        points=[(35.0, lon), (36.0, lon)],
        left=OPP,
        right=GOV,
        source="synthetic",
    )
    versions = merge_line_versions(agreement, {}, [moved], actors)
    zones = ZoneIndex(agreement.zones, None, versions)
    spot = Location(name="p", latitude=35.5, longitude=36.0 + 40 / KM_PER_DEG_LON)
    assert zones.membership("gov-artillery-belt", spot, on=date(2016, 7, 24)) == Membership.OUTSIDE
    assert zones.membership("gov-artillery-belt", spot, on=date(2016, 7, 26)) == Membership.INSIDE
    assert zones.version("gov-artillery-belt", date(2016, 7, 26)) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("line: contact, side: government", "line: contactt, side: government"),
            "synthetic.yaml:21: zones.0.from_line.line: unknown line 'contactt' — "
            "did you mean contact?",
        ),
        (
            ("line: contact, side: government", "line: contact, side: brokers"),
            "synthetic.yaml:21: zones.0.from_line.side: side 'brokers' holds neither hand of line "
            "'contact' (left: opposition, right: government)",
        ),
        (
            (
                "weapons: [artillery-100mm-plus]}\n    within: [gov",
                "weapons: [artilery]}\n    within: [gov",
            ),
            "synthetic.yaml:28: obligations.0.prohibits.0.weapons: unknown weapon class "
            "'artilery'; use one of ['air-defence', ",
        ),
        (
            ("    right: government\n", "    right: opposition\n"),
            "synthetic.yaml:21: zones.0.from_line.side: side 'government' holds neither hand of "
            "line 'contact' (left: opposition, right: opposition)",
        ),
    ],
)
def test_bad_line_forms_are_reported_at_their_line(
    actors: ActorRegistry, change: tuple[str, str], message: str
) -> None:
    text = AGREEMENT.replace(*change, 1)
    with pytest.raises(InputError) as e:
        parse_agreement(text, name="synthetic.yaml", actors=actors)
    assert any(str(p).startswith(message) for p in e.value.problems), [
        str(p) for p in e.value.problems
    ]


def test_a_line_needs_two_known_sides(actors: ActorRegistry) -> None:
    start = AGREEMENT.index("zones:")
    end = AGREEMENT.index("obligations:")
    text = AGREEMENT[:start] + AGREEMENT[end:]  # no belts: the line itself is checked
    text = text.replace("    left: opposition\n", "    left: oposition\n", 1)
    with pytest.raises(InputError) as e:
        parse_agreement(
            text.replace("within: [gov-artillery-belt]", "within: []").replace(
                "within: [opp-artillery-belt]", "within: []"
            ),
            name="synthetic.yaml",
            actors=actors,
        )
    assert [str(p) for p in e.value.problems] == [
        "synthetic.yaml:14: unknown side 'oposition' — did you mean opposition?"
    ]
