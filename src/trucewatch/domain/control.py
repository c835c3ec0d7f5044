"""Who holds what, when: control layers, lines of contact, and who gained ground.

Truces break on the ground before they break in statements, and many
agreements are written in lines rather than points.  A *control layer* is a
snapshot of territorial control on a date (polygons, each with the actor that
holds it), in force until the next snapshot; a *contact line* is the line
between the sides on a date, with the side holding each hand of it.  Both are
plain records here: the geometry work is in ``trucewatch.geo.control`` and
``trucewatch.geo.lines``.

Who gained ground in an incident is decided by :func:`territorial_gainers`,
shared by the engine (advances during a truce) and by control derived from
incidents, so both read an incident the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from pydantic import Field, model_validator

from trucewatch.domain.actor import ActorKind
from trucewatch.domain.base import DomainModel
from trucewatch.domain.incident import Incident, Role
from trucewatch.domain.vocabulary import TERRITORY_GAINS

_ID = r"^[a-z0-9][a-z0-9-]*$"

#: Actor kinds that count as "government" in ACLED's "Government regains territory".
STATE_KINDS = frozenset({ActorKind.STATE, ActorKind.STATE_FORCES})
#: Kinds that never hold ground in a control layer.
NON_HOLDERS = frozenset(
    {
        ActorKind.CIVILIANS,
        ActorKind.HUMANITARIAN,
        ActorKind.MONITOR,
        ActorKind.MEDIA,
        ActorKind.INTERNATIONAL_ORGANISATION,
    }
)


class ControlArea(DomainModel):
    """One area and the actor holding it (a GeoJSON Polygon/MultiPolygon, WGS84)."""

    actor: str = Field(pattern=_ID, description="registry id of the actor in control")
    geometry: dict[str, Any]
    name: str | None = None
    population: int | None = Field(default=None, ge=0)
    pcode: str | None = Field(default=None, description="the admin unit it came from, if any")
    feature: int | None = Field(default=None, description="its feature number in the file")


class ControlLayer(DomainModel):
    """A snapshot of control on ``valid_from``, in force until ``valid_to`` (or the next one)."""

    id: str = Field(min_length=1)
    valid_from: date
    valid_to: date | None = None
    source: str
    sha256: str | None = None
    areas: list[ControlArea] = Field(default_factory=list)
    note: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> ControlLayer:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError(f"valid_to {self.valid_to} is before valid_from {self.valid_from}")
        return self


class LinePosition(DomainModel):
    """Where a line of contact ran from ``valid_from`` on, and who holds each hand of it.

    ``left`` and ``right`` are actor ids (registry), for a walker following
    the points in order.
    """

    line: str = Field(pattern=_ID)
    valid_from: date
    points: list[tuple[float, float]] = Field(min_length=2, description="[latitude, longitude]")
    left: str = Field(pattern=_ID)
    right: str = Field(pattern=_ID)
    source: str
    sha256: str | None = None
    approximate: bool = False
    note: str | None = None


def is_territorial_gain(incident: Incident) -> bool:
    """True when the incident's outcome is ground gained (ACLED's territorial sub-event types)."""
    return incident.sub_event_type in TERRITORY_GAINS


def territorial_gainers(
    incident: Incident, kind_of: Callable[[str], ActorKind | None]
) -> list[str]:
    """The actor(s) that gained ground in a territorial incident (empty if none can be told).

    In order: actors coded as perpetrators (advances derived from control
    layers are written that way); else, by ACLED's sub-event type, the state
    forces among the fighters ("Government regains territory") or the
    non-state ones ("Non-state actor overtakes territory"); when that does not
    single out a party (both or neither kind fought), actor1 — ACLED codes the
    actor that took the ground first.
    """
    if not is_territorial_gain(incident):
        return []
    coded = [a.id for a in incident.actors_in(Role.PERPETRATOR) if a.id]
    if coded:
        return list(dict.fromkeys(coded))
    fighters = list(
        dict.fromkeys(
            a.id
            for a in incident.actors
            if a.id and a.role != Role.TARGET and kind_of(a.id) not in NON_HOLDERS
        )
    )
    if not fighters:
        return []
    state = incident.sub_event_type == "Government regains territory"
    chosen = [f for f in fighters if (kind_of(f) in STATE_KINDS) == state]
    if chosen and len(chosen) < len(fighters):
        return chosen
    return fighters[:1]
