"""Is an incident inside a zone?  Inside, outside, or unknown — never a guess.

Zones are admin units, circles, buffered routes or polygons.  A point coded
only to a region (geo_precision 3) cannot be placed inside a circle or a
polygon, so the answer is "unknown" and the engine says so in its reasons
rather than deciding on a centroid.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from enum import StrEnum

from shapely import contains_xy
from shapely.geometry import LineString, Point, shape
from shapely.geometry.base import BaseGeometry

from trucewatch.domain import Zone
from trucewatch.domain.incident import Location
from trucewatch.geo.admin_names import canonical_admin1

EARTH_RADIUS_KM = 6371.0088


class Membership(StrEnum):
    """Whether a location lies in a zone."""

    INSIDE = "inside"
    OUTSIDE = "outside"
    UNKNOWN = "unknown"


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def _route_distance_km(zone: Zone, lat: float, lon: float) -> float:
    """Distance from a point to the route line, on a local equirectangular plane.

    Accurate to well under 1% over the tens of km a route spans, which is far
    finer than the buffers agreements use.
    """
    assert zone.route is not None
    kx = math.cos(math.radians(lat)) * math.pi / 180 * EARTH_RADIUS_KM
    ky = math.pi / 180 * EARTH_RADIUS_KM
    line = LineString([((plon - lon) * kx, (plat - lat) * ky) for plat, plon in zone.route.points])
    return float(line.distance(Point(0.0, 0.0)))


class ZoneIndex:
    """The zones of one agreement, ready for membership tests."""

    def __init__(self, zones: Iterable[Zone]) -> None:
        self.zones = {z.id: z for z in zones}
        self._polygons: dict[str, BaseGeometry] = {
            z.id: shape(z.polygon) for z in self.zones.values() if z.polygon is not None
        }
        self._admin1 = {
            z.id: {canonical_admin1(a) for a in z.admin1} for z in self.zones.values() if z.admin1
        }

    def membership(self, zone_id: str, location: Location) -> Membership:
        """Where ``location`` stands relative to zone ``zone_id``."""
        zone = self.zones[zone_id]
        answers: list[Membership] = []
        if zone.admin1:
            if location.admin1:
                inside = canonical_admin1(location.admin1) in self._admin1[zone_id]
                answers.append(Membership.INSIDE if inside else Membership.OUTSIDE)
            else:
                answers.append(Membership.UNKNOWN)
        point_known = location.geo_precision < 3
        if zone.around is not None:
            d = haversine_km(
                location.latitude, location.longitude, zone.around.latitude, zone.around.longitude
            )
            answers.append(self._by_point(point_known, d <= zone.around.radius_km))
        if zone.route is not None:
            d = _route_distance_km(zone, location.latitude, location.longitude)
            answers.append(self._by_point(point_known, d <= zone.route.buffer_km))
        if zone_id in self._polygons:
            hit = bool(contains_xy(self._polygons[zone_id], location.longitude, location.latitude))
            answers.append(self._by_point(point_known, hit))
        if Membership.INSIDE in answers:
            return Membership.INSIDE
        if Membership.UNKNOWN in answers:
            return Membership.UNKNOWN
        return Membership.OUTSIDE

    @staticmethod
    def _by_point(point_known: bool, hit: bool) -> Membership:
        if not point_known:
            return Membership.UNKNOWN
        return Membership.INSIDE if hit else Membership.OUTSIDE

    def any_inside(self, zone_ids: Iterable[str], location: Location) -> Membership:
        """Inside if inside any of the zones; unknown if none inside but some unknown."""
        seen = [self.membership(z, location) for z in zone_ids]
        if Membership.INSIDE in seen:
            return Membership.INSIDE
        if Membership.UNKNOWN in seen:
            return Membership.UNKNOWN
        return Membership.OUTSIDE
