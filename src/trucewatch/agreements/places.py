"""Zones written with place names or polygon files become coordinates before validation.

An agreement may say ``around: {place: Nubl, radius_km: 3}``, ``route:
{through: [Hreitan, Layramoun], buffer_km: 1}`` or ``polygon_file:
zone.geojson``.  This step fills in the points from the gazetteer (one place
per name, or a problem at the line: an ambiguous name is never guessed) and
the polygon from the file (checked like boundaries: WGS84, closed rings, valid),
so the validated Agreement always carries the coordinates it was judged with.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shapely.geometry import mapping
from shapely.ops import unary_union

from trucewatch.errors import InputError, Problem
from trucewatch.geo.boundaries import read_polygons
from trucewatch.geo.gazetteer import Gazetteer
from trucewatch.geo.geocode import geocode
from trucewatch.yamlfile import LineMap


def resolve_zone_places(data: Any, lines: LineMap, name: str, base: Path) -> list[Problem]:
    """Fill coordinates in ``data`` (in place); the problems found, each at its line."""
    zones = data.get("zones") if isinstance(data, dict) else None
    if not isinstance(zones, list):
        return []
    problems: list[Problem] = []
    gazetteer: Gazetteer | None = None

    def point(place: str, path: tuple[str | int, ...]) -> tuple[float, float] | None:
        nonlocal gazetteer
        gazetteer = gazetteer or Gazetteer.shipped()
        found = geocode(gazetteer, place)
        if found.place is None:
            hint = "add latitude and longitude, or a more precise name"
            problems.append(
                Problem(
                    name, lines.line_of(path), f"{'.'.join(map(str, path))}: {found.reason}", hint
                )
            )
            return None
        return found.place.latitude, found.place.longitude

    for i, zone in enumerate(zones):
        if not isinstance(zone, dict):
            continue
        around = zone.get("around")
        if isinstance(around, dict) and around.get("place") and "latitude" not in around:
            p = point(str(around["place"]), ("zones", i, "around", "place"))
            if p is not None:
                around["latitude"], around["longitude"] = p
        route = zone.get("route")
        if (
            isinstance(route, dict)
            and not route.get("points")
            and isinstance(route.get("through"), list)
        ):
            pts = [
                point(str(t), ("zones", i, "route", "through", k))
                for k, t in enumerate(route["through"])
            ]
            if all(p is not None for p in pts):
                route["points"] = [list(p) for p in pts if p is not None]
        polygon_file = zone.get("polygon_file")
        if polygon_file and "polygon" not in zone:
            try:
                geoms = read_polygons(base / str(polygon_file))
            except InputError as e:
                at = lines.line_of(("zones", i, "polygon_file"))
                problems.extend(
                    Problem(name, at, f"zones.{i}.polygon_file: {p}", None) for p in e.problems
                )
                continue
            zone["polygon"] = mapping(unary_union(geoms))
    return problems
