"""Zone membership: admin names in any spelling, circles, routes; unknown when unsure."""

from __future__ import annotations

from trucewatch.domain import Zone
from trucewatch.domain.agreement import Circle, Route, ZoneKind
from trucewatch.domain.incident import Location
from trucewatch.geo import Membership, ZoneIndex
from trucewatch.geo.admin_names import canonical_admin1

ZONES = ZoneIndex(
    [
        Zone(id="east", kind=ZoneKind.DESIGNATED_AREA, admin1=["Deir ez-Zor", "Raqqa"]),
        Zone(
            id="ring",
            kind=ZoneKind.BESIEGED_AREA,
            around=Circle(latitude=36.2135, longitude=37.1838, radius_km=4.5),
        ),
        Zone(
            id="road",
            kind=ZoneKind.ROUTE,
            route=Route(points=[(36.287, 37.0833), (36.2436, 37.1037)], buffer_km=1),
        ),
    ]
)


def at(lat: float, lon: float, admin1: str | None = None, precision: int = 1) -> Location:
    return Location(name="p", latitude=lat, longitude=lon, admin1=admin1, geo_precision=precision)  # type: ignore[arg-type]


def test_governorate_spellings_agree() -> None:
    spellings = [
        "Deir ez-Zor",
        "Deir ez Zor Governorate",
        "Dayr az Zawr",
        "Deir al-Zour",
        "Deir-ez-Zor",
        "SY09",
    ]
    assert {canonical_admin1(s) for s in spellings} == {"SY09 Deir-ez-Zor"}


def test_admin_zone() -> None:
    assert ZONES.membership("east", at(35.0, 40.4, "Deir ez Zor Governorate")) == Membership.INSIDE
    assert ZONES.membership("east", at(36.1, 36.9, "Aleppo")) == Membership.OUTSIDE
    assert ZONES.membership("east", at(35.0, 40.4)) == Membership.UNKNOWN


def test_circle_zone() -> None:
    assert ZONES.membership("ring", at(36.2209, 37.19)) == Membership.INSIDE  # al-Sakhour
    assert ZONES.membership("ring", at(36.1481, 36.94775)) == Membership.OUTSIDE  # Urum al-Kubra
    # A point coded only to its region cannot be placed in a circle.
    assert ZONES.membership("ring", at(36.2209, 37.19, precision=3)) == Membership.UNKNOWN


def test_route_buffer() -> None:
    midpoint = at((36.287 + 36.2436) / 2, (37.0833 + 37.1037) / 2)
    assert ZONES.membership("road", midpoint) == Membership.INSIDE
    assert ZONES.membership("road", at(36.2653, 37.12)) == Membership.OUTSIDE  # ~1.6 km east
