"""Zones written with place names or polygon files become coordinates before validation.

An agreement may say ``around: {place: Nubl, radius_km: 3}``, ``route:
{through: [Hreitan, Layramoun], buffer_km: 1}`` or ``polygon_file:
zone.geojson``.  This step fills in the points from the gazetteer (one place
per name, or a problem at the line: an ambiguous name is never guessed) and
the polygon from the file (checked like boundaries: WGS84, closed rings, valid),
so the validated Agreement always carries the coordinates it was judged with.

Lines (``lines: [{id, through: [...], left, right}]``) get their points the
same way (a place may be ``{place: Debaltseve, admin1: Donetsk}`` to tell it
from its namesakes), and a belt along a line (``from_line: {line, side, km}``)
gets the line's points and the hand of it its side holds.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from shapely.geometry import mapping
from shapely.ops import unary_union

from trucewatch.errors import InputError, Problem, close_matches
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

    def point(
        place: str, path: tuple[str | int, ...], admin1: str | None = None
    ) -> tuple[float, float] | None:
        nonlocal gazetteer
        gazetteer = gazetteer or Gazetteer.shipped()
        found = geocode(gazetteer, place, admin1=admin1)
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
    problems.extend(_resolve_lines(data, lines, name, point))
    return problems


def _resolve_lines(
    data: dict[str, Any],
    lines: LineMap,
    name: str,
    point: Callable[..., tuple[float, float] | None],
) -> list[Problem]:
    """Points of lines given by places; a belt's copy of its line's points and hand."""
    problems: list[Problem] = []
    known: dict[str, dict[str, Any]] = {}
    for i, line in enumerate(data.get("lines") or []):
        if not isinstance(line, dict):
            continue
        through = line.get("through")
        if not line.get("points") and isinstance(through, list):
            pts = []
            for k, t in enumerate(through):
                at = ("lines", i, "through", k)
                if isinstance(t, dict):
                    pts.append(point(str(t.get("place")), at, t.get("admin1")))
                else:
                    pts.append(point(str(t), at))
            if all(p is not None for p in pts):
                line["points"] = [list(p) for p in pts if p is not None]
        if isinstance(line.get("id"), str):
            known[line["id"]] = line
    for i, zone in enumerate(data.get("zones") or []):
        belt = zone.get("from_line") if isinstance(zone, dict) else None
        if not isinstance(belt, dict) or (belt.get("points") and belt.get("on")):
            continue
        here: tuple[str | int, ...] = ("zones", i, "from_line")
        line = known.get(str(belt.get("line")))
        if line is None:
            close = close_matches(str(belt.get("line")), known, cutoff=0.5)
            problems.append(
                Problem(
                    name,
                    lines.line_of((*here, "line")),
                    f"zones.{i}.from_line.line: unknown line '{belt.get('line')}'",
                    f"did you mean {', '.join(close)}?"
                    if close
                    else f"known lines: {', '.join(known) or 'none — define it under lines:'}",
                )
            )
            continue
        side = belt.get("side")
        hands = {"left": line.get("left"), "right": line.get("right")}
        on = next((hand for hand, holder in hands.items() if holder == side), None)
        if on is None:
            problems.append(
                Problem(
                    name,
                    lines.line_of((*here, "side")),
                    f"zones.{i}.from_line.side: side '{side}' holds neither hand of line "
                    f"'{line.get('id')}' (left: {hands['left']}, right: {hands['right']})",
                    "name the side whose ground the belt lies in",
                )
            )
            continue
        if line.get("points"):
            belt["points"] = line["points"]
            belt["on"] = on
    return problems
