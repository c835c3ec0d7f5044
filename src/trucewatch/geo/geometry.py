"""Zone geometries in WGS84, built in kilometres, and their areas.

Buffers and radii are given in km, never degrees: a degree of longitude is
111 km at the equator and 89 km at Aleppo.  Each circle or route is drawn on a
local equirectangular plane centred on it (x = Δlon·cos φ₀·R, y = Δlat·R,
R = 6371.0088 km), buffered there, and projected back.  Over the tens of km
an agreement's circles and corridors span, the distortion is well under 1 %.
Areas use the same plane around each geometry's centroid.

A zone's extents are united: admin units (by name or P-code, from the loaded
boundaries), an inline polygon, a circle, a buffered route, a belt along a
line on one hand of it (a withdrawal zone), other zones
(``union``); then ``minus`` zones are taken out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping

import numpy as np
import shapely
from shapely.geometry import LineString, Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from trucewatch.domain import Zone
from trucewatch.errors import InputError, Problem
from trucewatch.geo.admin_names import canonical_admin1
from trucewatch.geo.boundaries import AdminIndex, AdminUnit

EARTH_RADIUS_KM = 6371.0088
_KM_PER_DEGREE = math.pi / 180 * EARTH_RADIUS_KM
CIRCLE_SEGMENTS = 64  # per quarter circle: a 4.5 km radius is off by under 2 m


Plane = Callable[[np.ndarray], np.ndarray]


def _planes(lat0: float, lon0: float) -> tuple[Plane, Plane]:
    """(lon, lat) degrees ⇄ (x, y) km on the local plane at (lat0, lon0), for shapely.transform."""
    kx = math.cos(math.radians(lat0)) * _KM_PER_DEGREE
    scale = np.array([kx, _KM_PER_DEGREE])
    origin = np.array([lon0, lat0])

    def to_km(xy: np.ndarray) -> np.ndarray:
        return np.asarray((xy - origin) * scale, dtype=float)

    def to_deg(xy: np.ndarray) -> np.ndarray:
        return np.asarray(xy / scale + origin, dtype=float)

    return to_km, to_deg


def circle(lat: float, lon: float, radius_km: float) -> BaseGeometry:
    """A circle of ``radius_km`` around a point, as a WGS84 polygon."""
    _, to_deg = _planes(lat, lon)
    return shapely.transform(Point(0, 0).buffer(radius_km, quad_segs=CIRCLE_SEGMENTS), to_deg)


def corridor(points: Iterable[tuple[float, float]], buffer_km: float) -> BaseGeometry:
    """A route ([lat, lon] points) buffered by ``buffer_km`` either side, as a WGS84 polygon."""
    pts = list(points)
    lat0 = sum(p[0] for p in pts) / len(pts)
    lon0 = sum(p[1] for p in pts) / len(pts)
    to_km, to_deg = _planes(lat0, lon0)
    line = shapely.transform(LineString([(lon, lat) for lat, lon in pts]), to_km)
    return shapely.transform(line.buffer(buffer_km, quad_segs=CIRCLE_SEGMENTS), to_deg)


def belt(points: Iterable[tuple[float, float]], km: float, on: str) -> BaseGeometry:
    """The ground within ``km`` of a line ([lat, lon] points), on one hand of it only.

    ``on`` is ``"left"`` or ``"right"`` for a walker following the points in
    order.  Drawn on the line's local plane like :func:`corridor` (shapely's
    single-sided buffer: positive distance to the left), so a belt of 25 km is
    25 km deep wherever it lies.  Beyond the line's ends the belt stops square.
    """
    if on not in ("left", "right"):
        raise ValueError(f"on must be 'left' or 'right', not {on!r}")
    pts = list(points)
    lat0 = sum(p[0] for p in pts) / len(pts)
    lon0 = sum(p[1] for p in pts) / len(pts)
    to_km, to_deg = _planes(lat0, lon0)
    line = shapely.transform(LineString([(lon, lat) for lat, lon in pts]), to_km)
    distance = km if on == "left" else -km
    strip = line.buffer(distance, single_sided=True, quad_segs=CIRCLE_SEGMENTS)
    return shapely.transform(strip, to_deg)


def buffer_km(geometry: BaseGeometry, km: float) -> BaseGeometry:
    """``geometry`` grown (or, for negative ``km``, shrunk) by ``km`` on its local plane."""
    if geometry.is_empty:
        return geometry
    c = geometry.centroid
    to_km, to_deg = _planes(c.y, c.x)
    return shapely.transform(shapely.transform(geometry, to_km).buffer(km, quad_segs=16), to_deg)


def area_km2(geometry: BaseGeometry) -> float:
    """Area in km² on the local plane around the geometry's centroid."""
    if geometry.is_empty:
        return 0.0
    c = geometry.centroid
    to_km, _ = _planes(c.y, c.x)
    return float(shapely.transform(geometry, to_km).area)


def zone_geometries(
    zones: Iterable[Zone], admin: AdminIndex | None = None
) -> dict[str, BaseGeometry | None]:
    """Each zone's geometry, or None when it can only be judged by admin names.

    A zone given by governorate names (``admin1``) has a geometry only when
    boundaries are loaded; without them membership is decided by the
    incident's recorded admin1.  ``admin_units`` need loaded boundaries.
    """
    by_id = {z.id: z for z in zones}
    built: dict[str, BaseGeometry | None] = {}
    problems: list[Problem] = []

    def build(zone_id: str, seen: tuple[str, ...]) -> BaseGeometry | None:
        if zone_id in built:
            return built[zone_id]
        if zone_id in seen:
            cycle = " → ".join((*seen, zone_id))
            problems.append(
                Problem(zone_id, None, f"zones refer to each other in a circle: {cycle}")
            )
            return None
        z = by_id[zone_id]
        parts: list[BaseGeometry] = []
        if z.polygon is not None:
            parts.append(shape(z.polygon))
        if z.around is not None:
            parts.append(circle(z.around.latitude, z.around.longitude, z.around.radius_km))
        if z.route is not None:
            parts.append(corridor(z.route.points, z.route.buffer_km))
        if z.from_line is not None and z.from_line.points and z.from_line.on:
            parts.append(belt(z.from_line.points, z.from_line.km, z.from_line.on))
        if z.admin1 and admin is not None:
            # The governorates themselves if loaded, else every loaded unit inside them.
            wanted = {canonical_admin1(a) for a in z.admin1}

            def governorate(u: AdminUnit) -> str | None:
                if u.level == 1:
                    return canonical_admin1(u.pcode)
                parent = u.parent(1)
                return canonical_admin1(parent[0]) if parent else None

            level = 1 if 1 in admin.levels else min(admin.levels)
            parts.extend(
                u.geometry for u in admin.units if u.level == level and governorate(u) in wanted
            )
        for ref in z.admin_units:
            if admin is None:
                problems.append(
                    Problem(
                        f"zone {zone_id}",
                        None,
                        f"admin unit {ref!r} needs loaded boundaries",
                        "load them: trucewatch geo load BOUNDARIES.geojson",
                    )
                )
                continue
            found = admin.find(ref)
            if not found:
                problems.append(
                    Problem(
                        f"zone {zone_id}",
                        None,
                        f"no loaded admin unit is named or coded {ref!r}",
                        "check the name or P-code (trucewatch geo units)",
                    )
                )
            parts.extend(u.geometry for u in found)
        for other in z.union:
            g = build(other, (*seen, zone_id))
            if g is not None:
                parts.append(g)
        if not parts:
            built[zone_id] = None
            return None
        geom = unary_union(parts)
        for other in z.minus:
            g = build(other, (*seen, zone_id))
            if g is not None:
                geom = geom.difference(g)
        shapely.prepare(geom)
        built[zone_id] = geom
        return geom

    for zone_id in by_id:
        build(zone_id, ())
    if problems:
        raise InputError(problems)
    return built


def zone_areas(geometries: Mapping[str, BaseGeometry | None]) -> dict[str, float | None]:
    """Each zone's area in km² (None where it has no geometry)."""
    return {z: (None if g is None else round(area_km2(g), 3)) for z, g in geometries.items()}
