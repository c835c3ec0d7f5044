"""Zones as geometry: km not degrees, the border rule, unions and differences, areas, versions.

All zones and points here are synthetic (made-up ids), except where a shipped
place name is resolved through the gazetteer.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from trucewatch.actors import ActorRegistry
from trucewatch.agreements import parse_agreement
from trucewatch.domain import Zone
from trucewatch.domain.incident import Location
from trucewatch.errors import InputError
from trucewatch.geo import Membership, ZoneIndex
from trucewatch.geo.geometry import area_km2, circle
from trucewatch.geo.zones import ZoneVersion


def _loc(lat: float, lon: float, precision: int = 1) -> Location:
    return Location(name="synthetic point", latitude=lat, longitude=lon, geo_precision=precision)


def _east_km(lat: float, lon: float, km: float) -> tuple[float, float]:
    return lat, lon + km / (111.195 * math.cos(math.radians(lat)))


def test_a_route_buffer_is_measured_in_km_not_degrees() -> None:
    """A north–south route at 36° N with a 5 km buffer: 4.9 km east is in, 5.1 km is out.

    In degrees of longitude, 5 km is 0.0556° here; a buffer of 5/111 = 0.045°
    (treating degrees as equal everywhere) would wrongly leave the point at
    4.9 km out.
    """
    z = Zone.model_validate(
        {
            "id": "road",
            "kind": "route",
            "route": {"points": [[35.9, 37.0], [36.1, 37.0]], "buffer_km": 5},
        }
    )
    index = ZoneIndex([z])
    assert index.membership("road", _loc(*_east_km(36.0, 37.0, 4.9))) == Membership.INSIDE
    assert index.membership("road", _loc(*_east_km(36.0, 37.0, 5.1))) == Membership.OUTSIDE
    assert index.membership("road", _loc(36.0, 37.0 + 5 / 111)) == Membership.INSIDE


def test_a_point_on_the_border_is_inside() -> None:
    """The documented rule: the closed zone (edges included)."""
    square = {
        "type": "Polygon",
        "coordinates": [[[37.0, 36.0], [37.1, 36.0], [37.1, 36.1], [37.0, 36.1], [37.0, 36.0]]],
    }
    index = ZoneIndex([Zone.model_validate({"id": "sq", "kind": "freeze_zone", "polygon": square})])
    assert index.membership("sq", _loc(36.05, 37.0)) == Membership.INSIDE  # on the west edge
    assert index.membership("sq", _loc(36.0, 37.0)) == Membership.INSIDE  # a corner
    assert index.membership("sq", _loc(36.05, 36.9999)) == Membership.OUTSIDE
    lons = np.array([37.0, 37.05, 37.2])
    lats = np.array([36.05, 36.05, 36.05])
    assert index.inside_many("sq", lons, lats).tolist() == [True, True, False]


def test_a_region_coded_point_is_unknown_for_geometry() -> None:
    index = ZoneIndex(
        [
            Zone.model_validate(
                {
                    "id": "c",
                    "kind": "freeze_zone",
                    "around": {"latitude": 36.0, "longitude": 37.0, "radius_km": 5},
                }
            )
        ]
    )
    assert index.membership("c", _loc(36.0, 37.0, precision=3)) == Membership.UNKNOWN


def test_unions_and_differences_and_areas() -> None:
    big = {
        "id": "big",
        "kind": "other",
        "around": {"latitude": 36.0, "longitude": 37.0, "radius_km": 10},
    }
    small = {
        "id": "small",
        "kind": "other",
        "around": {"latitude": 36.0, "longitude": 37.0, "radius_km": 4},
    }
    far = {
        "id": "far",
        "kind": "other",
        "around": {"latitude": 36.5, "longitude": 37.5, "radius_km": 2},
    }
    ring = {"id": "ring", "kind": "other", "union": ["big", "far"], "minus": ["small"]}
    index = ZoneIndex([Zone.model_validate(z) for z in (big, small, far, ring)])
    assert index.membership("ring", _loc(36.0, 37.0)) == Membership.OUTSIDE  # in the hole
    assert index.membership("ring", _loc(*_east_km(36.0, 37.0, 7))) == Membership.INSIDE
    assert index.membership("ring", _loc(36.5, 37.5)) == Membership.INSIDE  # the far circle
    expected = math.pi * (10**2 - 4**2 + 2**2)
    assert index.area_km2("ring") == pytest.approx(expected, rel=0.005)
    assert area_km2(circle(36.0, 37.0, 10)) == pytest.approx(math.pi * 100, rel=0.001)


def test_zones_by_place_name_route_through_places_and_polygon_file(
    actors: ActorRegistry, tmp_path: Path
) -> None:
    (tmp_path / "zone.geojson").write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},'
        ' "geometry": {"type": "Polygon", "coordinates": [[[37.0, 36.0], [37.1, 36.0],'
        " [37.1, 36.1], [37.0, 36.0]]]}}]}"
    )
    text = (
        AGREEMENT
        + """\
  - {id: around-nubl, kind: freeze_zone, around: {place: Nubl, radius_km: 3}}
  - {id: corridor, kind: route, route: {through: [Hreitan, Layramoun], buffer_km: 1}}
  - {id: drawn, kind: freeze_zone, polygon_file: zone.geojson}
"""
    )
    a = parse_agreement(text, name="synthetic.yaml", actors=actors, base=tmp_path)
    zones = {z.id: z for z in a.zones}
    assert zones["around-nubl"].around is not None and zones["around-nubl"].around.latitude > 36
    assert zones["corridor"].route is not None and len(zones["corridor"].route.points) == 2
    assert zones["drawn"].polygon is not None


def test_an_ambiguous_place_in_a_zone_is_refused_at_its_line(actors: ActorRegistry) -> None:
    text = (
        AGREEMENT + "  - {id: where, kind: freeze_zone, around: {place: Abu Dali, radius_km: 3}}\n"
    )
    with pytest.raises(InputError) as e:
        parse_agreement(text, name="synthetic.yaml", actors=actors)
    [problem] = e.value.problems
    assert str(problem).startswith(
        "synthetic.yaml:19: zones.1.around.place: 2 places match 'Abu Dali'"
    )


def test_union_of_an_unknown_zone_and_circles_are_refused(actors: ActorRegistry) -> None:
    text = AGREEMENT + "  - {id: u, kind: other, union: [nowhere]}\n"
    with pytest.raises(InputError, match="unknown zone 'nowhere'"):
        parse_agreement(text, name="synthetic.yaml", actors=actors)
    text = (
        AGREEMENT + "  - {id: a, kind: other, union: [b]}\n  - {id: b, kind: other, union: [a]}\n"
    )
    with pytest.raises(InputError, match="part of a circle of union/minus"):
        parse_agreement(text, name="synthetic.yaml", actors=actors)


def test_a_zone_version_takes_effect_from_its_date() -> None:
    v0 = Zone.model_validate(
        {
            "id": "d",
            "kind": "designated_area",
            "around": {"latitude": 36.0, "longitude": 37.0, "radius_km": 5},
        }
    )
    v1 = v0.model_copy(update={"around": v0.around.model_copy(update={"radius_km": 20})})  # type: ignore[union-attr]
    index = ZoneIndex([v0], versions={"d": [ZoneVersion(1, date(2016, 9, 19), v1)]})
    point = _loc(*_east_km(36.0, 37.0, 12))
    assert index.membership("d", point, on=date(2016, 9, 18)) == Membership.OUTSIDE
    assert index.membership("d", point, on=date(2016, 9, 19)) == Membership.INSIDE
    assert (index.version("d", date(2016, 9, 18)), index.version("d", date(2016, 9, 20))) == (0, 1)


AGREEMENT = """\
id: synthetic-zones
title: Synthetic zones agreement (not a real agreement)
signed: 2016-09-09
timezone: Asia/Damascus
sources: ["synthetic, for tests"]
brokers: [united-states, russia]
sides:
  government: {members: [syria-government]}
  opposition: {members: [armed-opposition]}
phases:
  - {id: truce, start: 2016-09-12T19:00+03:00, days: 7}
obligations:
  - id: no-strikes
    binds: [government]
    prohibits: [{sub_event_type: ["Air/drone strike"]}]
    within: [base]
zones:
  - {id: base, kind: freeze_zone, around: {latitude: 36.0, longitude: 37.0, radius_km: 5}}
"""
