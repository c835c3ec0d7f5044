"""Who holds what on a date, what changed hands between two dates, and who is encircled.

Pure geometry over :mod:`trucewatch.domain.control` records:

* :func:`control_at` — the control layer in force on a day (the latest
  snapshot on or before it), with the ground gained in territorial incidents
  since that snapshot laid over it (:func:`gains_from_incidents`).
* :func:`control_changes` — for two days, the ground each actor gained and
  from whom, in km² (on the local plane of :mod:`trucewatch.geo.geometry`)
  with the places on it; :func:`advance_incidents` turns each change into a
  derived incident the engine can judge against "no offensive operations to
  gain territory".
* :func:`encirclements` — areas held by one party and its friends that cannot
  reach open ground without crossing hostile-held ground, except through gaps
  narrower than a tolerance (a road under fire is not a route).  "Open
  ground" is anything that reaches the edge of the mapped area: what lies
  beyond the layer is unknown, and an area is never called besieged on a
  guess.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon, box, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from trucewatch.domain.actor import ActorKind
from trucewatch.domain.control import ControlLayer, territorial_gainers
from trucewatch.domain.incident import (
    CasualtyRange,
    Incident,
    IncidentActor,
    Location,
    Role,
)
from trucewatch.geo.boundaries import AdminIndex
from trucewatch.geo.gazetteer import Place
from trucewatch.geo.geometry import area_km2, buffer_km, circle

#: Radius (km) of ground taken in an incident located at a town (ACLED
#: geo_precision 1) or near one (2), when no admin unit is loaded to stand for it.
GAIN_RADIUS_KM: dict[int, float] = {1: 3.0, 2: 5.0}
#: Changes smaller than this (km²) are drawing noise between two snapshots.
MIN_CHANGE_KM2 = 0.05
#: How far beyond the mapped area the "outside world" starts (km).
FRAME_MARGIN_KM = 20.0

_EMPTY = Polygon()


@dataclass(frozen=True)
class Holding:
    """One held area as a snapshot gave it (kept for names and populations)."""

    actor: str
    geometry: BaseGeometry
    name: str | None = None
    population: int | None = None


@dataclass(frozen=True)
class Gain:
    """Ground an actor took on a day, derived from a territorial incident."""

    day: date
    actor: str
    geometry: BaseGeometry
    incident: str
    how: str


@dataclass
class ControlMap:
    """Who held what on ``day``: one geometry per actor, and the snapshot it came from."""

    day: date
    layer: str | None
    layer_date: date | None
    holdings: dict[str, BaseGeometry] = field(default_factory=dict)
    features: list[Holding] = field(default_factory=list)
    gains: list[Gain] = field(default_factory=list)

    def holder_at(self, lat: float, lon: float) -> str | None:
        """The actor holding the point (border inside; first in id order on a shared edge)."""
        for actor in sorted(self.holdings):
            if shapely.intersects_xy(self.holdings[actor], lon, lat):
                return actor
        return None

    @property
    def covered(self) -> BaseGeometry:
        """All ground the map says anything about."""
        return unary_union(list(self.holdings.values())) if self.holdings else _EMPTY

    def areas_km2(self) -> dict[str, float]:
        """Each actor's holding in km²."""
        return {a: round(area_km2(g), 3) for a, g in sorted(self.holdings.items())}

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready summary (areas, the snapshot used, derived gains applied)."""
        return {
            "date": self.day.isoformat(),
            "layer": self.layer,
            "layer_date": self.layer_date.isoformat() if self.layer_date else None,
            "holdings": [
                {"actor": a, "area_km2": km2, "geometry": mapping(self.holdings[a])}
                for a, km2 in self.areas_km2().items()
            ],
            "derived_from_incidents": [
                {
                    "incident": g.incident,
                    "date": g.day.isoformat(),
                    "actor": g.actor,
                    "area_km2": round(area_km2(g.geometry), 3),
                    "how": g.how,
                }
                for g in self.gains
            ],
        }


def layer_in_force(layers: Iterable[ControlLayer], day: date) -> ControlLayer | None:
    """The latest snapshot on or before ``day`` whose ``valid_to`` (last day) has not passed."""
    best: ControlLayer | None = None
    for layer in layers:
        if layer.valid_from > day or (layer.valid_to is not None and day > layer.valid_to):
            continue
        if best is None or (layer.valid_from, layer.id) > (best.valid_from, best.id):
            best = layer
    return best


def control_at(layers: Iterable[ControlLayer], day: date, gains: Iterable[Gain] = ()) -> ControlMap:
    """The control map on ``day``: its snapshot, then the gains dated after it, in order.

    A gain takes its ground from whoever held it and gives it to the gainer.
    Without a snapshot in force the map holds only derived gains (if any).
    """
    layer = layer_in_force(list(layers), day)
    cmap = ControlMap(day, layer.id if layer else None, layer.valid_from if layer else None)
    parts: dict[str, list[BaseGeometry]] = {}
    for area in layer.areas if layer else []:
        geom = shape(area.geometry)
        parts.setdefault(area.actor, []).append(geom)
        cmap.features.append(Holding(area.actor, geom, area.name, area.population))
    cmap.holdings = {a: unary_union(g) for a, g in parts.items()}
    since = layer.valid_from if layer else date.min
    for gain in sorted(gains, key=lambda g: (g.day, g.incident)):
        if not since < gain.day <= day:
            continue
        for actor in list(cmap.holdings):
            if actor != gain.actor:
                cmap.holdings[actor] = cmap.holdings[actor].difference(gain.geometry)
        cmap.holdings[gain.actor] = unary_union(
            [cmap.holdings.get(gain.actor, _EMPTY), gain.geometry]
        )
        cmap.gains.append(gain)
    cmap.holdings = {a: g for a, g in cmap.holdings.items() if not g.is_empty}
    return cmap


def gains_from_incidents(
    incidents: Iterable[Incident],
    kind_of: Callable[[str], ActorKind | None],
    admin: AdminIndex | None = None,
) -> list[Gain]:
    """Ground taken in territorial incidents ("Government regains territory" …).

    The ground is the smallest loaded admin unit containing the incident's
    point, or else a circle of :data:`GAIN_RADIUS_KM` around it.  Incidents
    coded only to a region (geo_precision 3), or whose gainer cannot be told,
    move nothing: a map is never redrawn on a guess.
    """
    out = []
    for incident in incidents:
        gainers = territorial_gainers(incident, kind_of)
        loc = incident.location
        if not gainers or loc.geo_precision not in GAIN_RADIUS_KM:
            continue
        unit = None
        if admin is not None:
            found = admin.locate(loc.latitude, loc.longitude)
            unit = found[max(found)] if found else None
        if unit is not None:
            geom, how = unit.geometry, f"admin unit {unit.name} ({unit.pcode})"
        else:
            radius = GAIN_RADIUS_KM[loc.geo_precision]
            geom = circle(loc.latitude, loc.longitude, radius)
            how = f"{radius:g} km around {loc.name} (no admin unit loaded there)"
        out.append(Gain(incident.date, gainers[0], geom, incident.id, how))
    return out


@dataclass(frozen=True)
class ControlChange:
    """Ground that passed from ``loser`` (None: held by no one on the map) to ``gainer``."""

    gainer: str
    loser: str | None
    geometry: BaseGeometry
    area_km2: float
    places: tuple[Place, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "gainer": self.gainer,
            "loser": self.loser,
            "area_km2": round(self.area_km2, 3),
            "places": [p.name for p in self.places],
            "geometry": mapping(self.geometry),
        }


def control_changes(
    before: ControlMap,
    after: ControlMap,
    places: Sequence[Place] = (),
    *,
    min_km2: float = MIN_CHANGE_KM2,
) -> list[ControlChange]:
    """What changed hands between two maps, by gainer and loser, largest first.

    Ground the earlier map says nothing about is not counted as gained from
    anyone unless the later map's holder took it from nobody (``loser`` None).
    """
    covered_before = before.covered
    changes = []
    for gainer, now in sorted(after.holdings.items()):
        sources: list[tuple[str | None, BaseGeometry]] = [
            (loser, then.intersection(now))
            for loser, then in sorted(before.holdings.items())
            if loser != gainer
        ]
        sources.append((None, now.difference(covered_before)))
        for loser, geom in sources:
            geom = _polygonal(geom)
            km2 = area_km2(geom)
            if km2 < min_km2:
                continue
            inside = [p for p in places if shapely.intersects_xy(geom, p.longitude, p.latitude)]
            inside.sort(key=lambda p: -(p.population or 0))
            changes.append(ControlChange(gainer, loser, geom, km2, tuple(inside)))
    return sorted(changes, key=lambda c: -c.area_km2)


def advance_incidents(
    changes: Iterable[ControlChange],
    date_from: date,
    date_to: date,
    kind_of: Callable[[str], ActorKind | None],
    *,
    source: str,
) -> list[Incident]:
    """Each change of control as a derived incident, labelled as derived.

    Battles / "Government regains territory" when the gainer is a state,
    else "Non-state actor overtakes territory"; the gainer is coded as the
    perpetrator and the loser as the target.  The date is the middle of the
    interval, precise to the day, week or month the two maps allow.
    """
    days = max((date_to - date_from).days, 0)
    precision = 1 if days <= 1 else 2 if days <= 7 else 3
    when = date_to if days <= 1 else date_from + timedelta(days=days // 2)
    out = []
    for n, change in enumerate(changes, start=1):
        state = kind_of(change.gainer) in (ActorKind.STATE, ActorKind.STATE_FORCES)
        point = change.geometry.representative_point()
        where = change.places[0].name if change.places else f"{point.y:.3f}, {point.x:.3f}"
        actors = [IncidentActor(name=change.gainer, id=change.gainer, role=Role.PERPETRATOR)]
        if change.loser:
            actors.append(IncidentActor(name=change.loser, id=change.loser, role=Role.TARGET))
        names = ", ".join(p.name for p in change.places[:5])
        out.append(
            Incident(
                id=f"control:{date_from}:{date_to}:{n}",
                date=when,
                time_precision=precision,
                event_type="Battles",
                sub_event_type=(
                    "Government regains territory"
                    if state
                    else "Non-state actor overtakes territory"
                ),
                actors=actors,
                location=Location(
                    name=where, latitude=round(point.y, 5), longitude=round(point.x, 5)
                ),
                fatalities=CasualtyRange.exactly(0),
                tags=["derived:control"],
                notes=(
                    f"Derived from control maps of {date_from} and {date_to} ({source}): "
                    f"{change.area_km2:.1f} km² passed from {change.loser or 'no holder'} to "
                    f"{change.gainer}" + (f", including {names}" if names else "") + "."
                ),
                source=source,
            )
        )
    return out


@dataclass(frozen=True)
class Encirclement:
    """An area held by ``actor`` (and its friends) with no open route out."""

    actor: str
    friends: tuple[str, ...]
    besieged_by: tuple[str, ...]
    geometry: BaseGeometry
    area_km2: float
    population: int | None
    population_source: str
    places: tuple[Place, ...]
    name: str

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "name": self.name,
            "actor": self.actor,
            "friends": list(self.friends),
            "besieged_by": list(self.besieged_by),
            "area_km2": round(self.area_km2, 3),
            "population": self.population,
            "population_source": self.population_source,
            "places": [p.name for p in self.places],
            "geometry": mapping(self.geometry),
        }


def encirclements(
    cmap: ControlMap,
    friends_of: Callable[[str], set[str]],
    *,
    tolerance_km: float = 1.0,
    places: Sequence[Place] = (),
) -> list[Encirclement]:
    """Held areas that cannot reach open ground except across hostile-held ground.

    For each actor's held pieces: the ground not held by anyone hostile to it
    (its friends', no one's, and what lies beyond the map) is shrunk by half
    the tolerance, so gaps narrower than ``tolerance_km`` close; a piece whose
    remaining ground does not reach the edge of the mapped area is encircled.
    ``friends_of(actor)`` gives the actors on its side (itself included).
    """
    if not cmap.holdings:
        return []
    frame = buffer_km(box(*cmap.covered.bounds), FRAME_MARGIN_KM + tolerance_km)
    edge = frame.difference(buffer_km(frame, -(tolerance_km / 2 + 1.0)))
    found: list[Encirclement] = []
    seen: list[BaseGeometry] = []
    for actor in sorted(cmap.holdings):
        friends = friends_of(actor) | {actor}
        hostile_ids = sorted(a for a in cmap.holdings if a not in friends)
        if not hostile_ids:
            continue
        hostile = unary_union([cmap.holdings[a] for a in hostile_ids])
        passable = frame.difference(hostile)
        components = _parts(buffer_km(passable, -tolerance_km / 2))
        pockets = [c for c in components if not c.intersects(edge)]
        held = cmap.holdings[actor]
        # Held pieces thinner than the tolerance vanish when shrunk: cut off too,
        # unless they lie at the edge of the map.
        slivers = [
            p
            for p in _parts(held)
            if not any(c.intersects(p) for c in components) and not p.intersects(edge)
        ]
        regions = [buffer_km(c, tolerance_km / 2 + 0.05) for c in pockets] + slivers
        for region in regions:
            inside = _polygonal(held.intersection(region))
            if area_km2(inside) < MIN_CHANGE_KM2 or any(inside.equals(s) for s in seen):
                continue
            around = buffer_km(region, tolerance_km + 1.0)
            by = tuple(a for a in hostile_ids if cmap.holdings[a].intersects(around))
            found.append(_encircled(cmap, actor, friends, by, inside, places))
            seen.append(inside)
    return found


def _encircled(
    cmap: ControlMap,
    actor: str,
    friends: set[str],
    by: tuple[str, ...],
    piece: BaseGeometry,
    places: Sequence[Place],
) -> Encirclement:
    inside = sorted(
        (p for p in places if shapely.intersects_xy(piece, p.longitude, p.latitude)),
        key=lambda p: -(p.population or 0),
    )
    counted = [
        h
        for h in cmap.features
        if h.actor in friends
        and h.population is not None
        and piece.contains(h.geometry.representative_point())
    ]
    if counted:
        population: int | None = sum(h.population or 0 for h in counted)
        how = "the control layer's population figures"
    elif any(p.population for p in inside):
        population = sum(p.population or 0 for p in inside)
        how = (
            f"GeoNames populations of {len(inside)} places inside (a pre-war census "
            "figure, not the people there now)"
        )
    else:
        population, how = None, "unknown: no population figure for the area"
    named = [h.name for h in counted if h.name] or [p.name for p in inside[:1]]
    point = piece.representative_point()
    return Encirclement(
        actor=actor,
        friends=tuple(sorted(friends - {actor})),
        besieged_by=by,
        geometry=piece,
        area_km2=area_km2(piece),
        population=population,
        population_source=how,
        places=tuple(inside),
        name=named[0] if named else f"area at {point.y:.3f}, {point.x:.3f}",
    )


def _parts(geom: BaseGeometry) -> list[BaseGeometry]:
    if geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return list(geom.geoms)
    return [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon) and not g.is_empty]


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Only the polygons of an overlay result (edges and points shared are not ground)."""
    parts = _parts(geom)
    return unary_union(parts) if parts else _EMPTY
