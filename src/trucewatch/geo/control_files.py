"""Control snapshots and line positions from GeoJSON files, checked before anything is stored.

A **control snapshot** is a FeatureCollection of Polygon / MultiPolygon
features (WGS84 longitude/latitude) with properties:

* ``actor`` (required) — the registry id of the actor holding the area, or
  a name the registry resolves on the snapshot's date;
* ``name``, ``population`` (optional) — what the area is called and how many
  live there (used for sieges);
* instead of a geometry, ``pcode`` (or ``admin_unit``) may name a loaded admin
  unit whose polygon stands for the area.

A **line file** is a FeatureCollection of LineString features with ``left``
and ``right`` (required: the actors holding each hand of the line, walked in
the order of its points), ``id`` (the line id; default ``line-of-contact``),
and optionally ``approximate`` and ``note``.

Refused, all or nothing, naming the feature (and its line in the file): a
geometry that is not a polygon (or line), an unclosed ring, a self-intersecting
polygon, positions outside degree ranges, latitude and longitude swapped, a
missing actor, an unknown actor (with the closest known ids), an actor that
cannot hold ground (civilians, monitors …), two actors holding the same
ground, and an admin unit that is not loaded.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from trucewatch.actors import ActorRegistry
from trucewatch.domain.control import NON_HOLDERS, ControlArea, ControlLayer, LinePosition
from trucewatch.errors import InputError, Problem
from trucewatch.geo.boundaries import AdminIndex, _checked_geometry, _features, _swapped
from trucewatch.geo.geometry import area_km2

#: Two actors may share an edge, not ground: overlaps above this (km²) are refused.
OVERLAP_KM2 = 0.01
DEFAULT_LINE = "line-of-contact"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _where(n: int, props: dict[str, Any]) -> str:
    label = props.get("name") or props.get("NAME_EN") or ""
    return f"feature {n}" + (f" ({label})" if label else "")


def _actor(
    value: Any, day: date, actors: ActorRegistry, name: str, line: int | None, where: str
) -> tuple[str | None, list[Problem]]:
    if value is None or not str(value).strip():
        return None, [
            Problem(
                name,
                line,
                f"{where}: no 'actor' property — who holds this ground?",
                'give the registry id of the actor in control, e.g. "actor": "ukraine"',
            )
        ]
    text = str(value).strip()
    actor_id = text if text in actors else None
    if actor_id is None:
        found = actors.resolve(text, on=day)
        actor_id = found.actor_id if found else None
    if actor_id is None:
        close = actors.closest(text)
        return None, [
            Problem(
                name,
                line,
                f"{where}: unknown actor '{text}'",
                f"did you mean {', '.join(close)}?" if close else "add it to the actor registry",
            )
        ]
    if actors.get(actor_id).kind in NON_HOLDERS:
        return None, [
            Problem(
                name,
                line,
                f"{where}: actor '{actor_id}' is {actors.get(actor_id).kind.value}, "
                "which does not hold ground",
                "name the armed actor in control",
            )
        ]
    return actor_id, []


def read_control_file(
    path: Path | str,
    *,
    day: date,
    actors: ActorRegistry,
    admin: AdminIndex | None = None,
    valid_to: date | None = None,
    sha256: str | None = None,
) -> ControlLayer:
    """A control snapshot for ``day`` from a GeoJSON file, or InputError listing every problem."""
    path = Path(path)
    name = str(path)
    features, lines, problems = _features(path)
    if problems:
        raise InputError(problems)
    areas: list[ControlArea] = []
    geoms: list[tuple[int, int | None, str, BaseGeometry]] = []
    for n, (feature, line) in enumerate(zip(features, lines, strict=True), start=1):
        props = feature.get("properties") or {}
        where = _where(n, props)
        actor, found = _actor(props.get("actor"), day, actors, name, line, where)
        problems += found
        ref = props.get("pcode") or props.get("admin_unit")
        geom: BaseGeometry | None
        if feature.get("geometry") is None and ref:
            units = admin.find(str(ref)) if admin is not None else []
            if admin is None or not units:
                problems.append(
                    Problem(
                        name,
                        line,
                        f"{where}: admin unit '{ref}' is not loaded",
                        "load boundaries first (trucewatch geo load FILE) or give a polygon",
                    )
                )
                continue
            geom = units[0].geometry
        else:
            geom, found = _checked_geometry(name, n, line, feature)
            problems += found
        population = props.get("population")
        if population is not None and (not isinstance(population, int) or population < 0):
            problems.append(
                Problem(name, line, f"{where}: population {population!r} is not a count", None)
            )
            population = None
        if geom is None or actor is None:
            continue
        geoms.append((n, line, actor, geom))
        areas.append(
            ControlArea(
                actor=actor,
                geometry=mapping(geom),
                name=props.get("name"),
                population=population,
                pcode=str(ref) if ref else None,
                feature=n,
            )
        )
    if not features:
        problems.append(Problem(name, None, "no features", "give polygons with an actor each"))
    if not problems:
        problems += _overlaps(name, geoms)
        problems += _swapped(name, [g.representative_point() for *_, g in geoms])
    if problems:
        raise InputError(problems)
    return ControlLayer(
        id=f"{path.name}@{day.isoformat()}",
        valid_from=day,
        valid_to=valid_to,
        source=name,
        sha256=sha256,
        areas=areas,
    )


def _overlaps(name: str, geoms: list[tuple[int, int | None, str, BaseGeometry]]) -> list[Problem]:
    problems = []
    tree = shapely.STRtree([g for *_, g in geoms])
    for i, (n, line, actor, geom) in enumerate(geoms):
        for j in tree.query(geom, predicate="intersects").tolist():
            m, _, other, other_geom = geoms[j]
            if j <= i or other == actor:
                continue
            km2 = area_km2(geom.intersection(other_geom))
            if km2 > OVERLAP_KM2:
                problems.append(
                    Problem(
                        name,
                        line,
                        f"feature {n} ({actor}) and feature {m} ({other}) overlap by "
                        f"{km2:.2f} km²: the same ground cannot be held by two actors",
                        "draw the contested strip once, or leave it out of both",
                    )
                )
    return problems


def read_line_file(
    path: Path | str, *, day: date, actors: ActorRegistry, sha256: str | None = None
) -> list[LinePosition]:
    """Line positions from ``day`` on, from a GeoJSON file, or InputError listing every problem."""
    path = Path(path)
    name = str(path)
    features, lines, problems = _features(path)
    if problems:
        raise InputError(problems)
    out: list[LinePosition] = []
    for n, (feature, line) in enumerate(zip(features, lines, strict=True), start=1):
        props = feature.get("properties") or {}
        where = _where(n, props)
        geometry = feature.get("geometry") or {}
        if geometry.get("type") != "LineString":
            problems.append(
                Problem(
                    name,
                    line,
                    f"{where}: geometry is {geometry.get('type')}, not a LineString",
                    "give each line as one LineString, points in order",
                )
            )
            continue
        coords = geometry.get("coordinates") or []
        bad = [c for c in coords if not (-180 <= c[0] <= 180 and -90 <= c[1] <= 90)]
        if len(coords) < 2 or bad:
            problems.append(
                Problem(
                    name,
                    line,
                    f"{where}: "
                    + (
                        f"position {bad[0]} is not longitude/latitude"
                        if bad
                        else "fewer than 2 points"
                    ),
                    "give WGS84 [longitude, latitude] positions",
                )
            )
            continue
        hands = {}
        for hand in ("left", "right"):
            actor, found = _actor(props.get(hand), day, actors, name, line, f"{where} {hand}")
            if props.get(hand) is None:
                found = [
                    Problem(
                        name,
                        line,
                        f"{where}: no '{hand}' property — which actor holds the {hand} hand "
                        "of the line, walked in the order of its points?",
                        "give left and right actor ids",
                    )
                ]
            problems += found
            hands[hand] = actor
        line_id = str(props.get("id") or DEFAULT_LINE)
        if not _ID.match(line_id):
            problems.append(
                Problem(name, line, f"{where}: line id '{line_id}' is not lower-case-with-hyphens")
            )
            continue
        if hands["left"] is None or hands["right"] is None:
            continue
        if not shape(geometry).is_simple:
            problems.append(
                Problem(name, line, f"{where}: the line crosses itself", "fix the line's points")
            )
            continue
        out.append(
            LinePosition(
                line=line_id,
                valid_from=day,
                points=[(float(c[1]), float(c[0])) for c in coords],
                left=hands["left"],
                right=hands["right"],
                source=name,
                sha256=sha256,
                approximate=bool(props.get("approximate", False)),
                note=props.get("note"),
            )
        )
    if not features:
        problems.append(Problem(name, None, "no features", "give LineString features"))
    if not problems:
        problems += _swapped(
            name,
            [shapely.Point(p.points[0][1], p.points[0][0]) for p in out]
            + [shapely.Point(p.points[-1][1], p.points[-1][0]) for p in out],
        )
    if problems:
        raise InputError(problems)
    return out
