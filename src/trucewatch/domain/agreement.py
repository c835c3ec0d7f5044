"""An agreement as terms a machine can check.

Parties are grouped in sides with their allies; brokers stand outside the
sides; excluded groups (ISIS, JFS in 2016) are outside the truce altogether.
Obligations come in two kinds: event obligations are checked against incidents,
commitments (such as "dissociate from JFS") are assessed by analysts per party
and date.  Cross-references (actor ids, zone ids, phase ids) are checked by
``trucewatch.agreements.validate``, which knows the actor registry; this module
only checks what a single agreement can know about itself.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from trucewatch.domain.base import DomainModel
from trucewatch.domain.vocabulary import (
    EVENT_TYPES,
    SUB_EVENT_TYPES,
    TERRITORY_GAINS,
    WEAPON_CLASSES,
)

_ID = r"^[a-z0-9][a-z0-9-]*$"


class Side(DomainModel):
    """A side: the parties that signed or accepted, and the allies it answers for."""

    name: str | None = None
    members: list[str] = Field(default_factory=list)
    allies: list[str] = Field(default_factory=list)
    note: str | None = None


class Phase(DomainModel):
    """A phase of the agreement: starts at a time or after another phase.

    ``days`` (or ``end``) bounds it; a phase with neither runs until the
    agreement ends.  Times carry their UTC offset: "sunset on 12 Sept" was
    19:00 Damascus time, and a day boundary in the wrong zone moves incidents
    in or out of effect.
    """

    id: str = Field(pattern=_ID)
    start: datetime | None = None
    after: str | None = None
    days: float | None = Field(default=None, gt=0)
    end: datetime | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_start(self) -> Phase:
        if (self.start is None) == (self.after is None):
            raise ValueError(
                "a phase needs exactly one of 'start' (a time) or 'after' (a phase id)"
            )
        if self.days is not None and self.end is not None:
            raise ValueError("give either 'days' or 'end' for a phase, not both")
        return self

    @field_validator("start", "end")
    @classmethod
    def _has_offset(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError(
                "needs a UTC offset, e.g. 2016-09-12T19:00+03:00, "
                "so that the phase begins at the right moment"
            )
        return value


class ZoneKind(StrEnum):
    """What a zone is for in the agreement."""

    DESIGNATED_AREA = "designated_area"
    BESIEGED_AREA = "besieged_area"
    HARD_TO_REACH_AREA = "hard_to_reach_area"
    FREEZE_ZONE = "freeze_zone"
    ROUTE = "route"
    DISENGAGEMENT_AREA = "disengagement_area"
    EVACUATION_AREA = "evacuation_area"
    SECURITY_ZONE = "security_zone"
    OTHER = "other"


class Circle(DomainModel):
    """A radius around a point (latitude/longitude in WGS84).

    In an agreement file ``place`` alone may be given: the loader asks the
    gazetteer for the point, which must be one place, and records it here.
    """

    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    radius_km: float = Field(gt=0)
    place: str | None = None


class Route(DomainModel):
    """A line through points, with a buffer in km either side.

    In an agreement file ``through`` alone may be given: the loader asks the
    gazetteer for each named place's point, in order, and records them here.
    """

    points: list[tuple[float, float]] = Field(
        min_length=2, description="[latitude, longitude] pairs"
    )
    buffer_km: float = Field(gt=0)
    through: list[str] = Field(default_factory=list, description="names of the places it passes")


class PlaceRef(DomainModel):
    """A place by name, with the admin unit that tells it from its namesakes."""

    place: str = Field(min_length=1)
    admin1: str | None = None


class ContactLine(DomainModel):
    """A line of contact (or a withdrawal line) as the agreement draws it.

    Points run in order; ``left`` and ``right`` say which side's ground lies
    on each hand of a walker following them, so a belt "on a side's own side"
    is a one-sided buffer.  ``through`` alone may be given in a file: the
    loader asks the gazetteer for each place (one place per name, or a
    problem at its line) and records the points here.  Later positions of
    the line (``trucewatch lines load FILE --date D``) replace it from their
    date on.
    """

    id: str = Field(pattern=_ID)
    name: str | None = None
    points: list[tuple[float, float]] = Field(
        min_length=2, description="[latitude, longitude] pairs, in order along the line"
    )
    through: list[str | PlaceRef] = Field(
        default_factory=list, description="the places it passes, in order"
    )
    left: str = Field(description="side id whose ground lies left of the line as drawn")
    right: str = Field(description="side id whose ground lies right of the line as drawn")
    approximate: bool = False
    note: str | None = None
    sources: list[str] = Field(default_factory=list)


class LineBelt(DomainModel):
    """A belt ``km`` deep along a line, on one side's own side of it.

    In a file: ``from_line: {line: contact-line, side: ukraine, km: 25}``.  The
    loader copies the line's points and which hand (``on``) the side holds,
    so the zone carries the geometry it was judged with.
    """

    line: str = Field(pattern=_ID)
    side: str
    km: float = Field(gt=0)
    points: list[tuple[float, float]] = Field(
        default_factory=list, description="filled by the loader from the line"
    )
    on: Literal["left", "right"] | None = Field(
        default=None, description="filled by the loader: the hand of the line the side holds"
    )


class Zone(DomainModel):
    """A named area: admin units, a polygon, a circle, a buffered route or a belt along a line.

    ``approximate`` says the real line was never published and this is our
    documented stand-in; reports show the flag next to every finding that
    depends on the zone.
    """

    id: str = Field(pattern=_ID)
    kind: ZoneKind
    name: str | None = None
    admin1: list[str] = Field(default_factory=list)
    admin_units: list[str] = Field(
        default_factory=list,
        description="admin units at any level by name or P-code, matched against the "
        "boundaries loaded with `trucewatch geo load`",
    )
    polygon: dict[str, Any] | None = Field(default=None, description="GeoJSON Polygon/MultiPolygon")
    polygon_file: str | None = Field(
        default=None, description="a GeoJSON file (path relative to the agreement file)"
    )
    around: Circle | None = None
    route: Route | None = None
    from_line: LineBelt | None = Field(
        default=None, description="a belt along one of the agreement's lines, on one side"
    )
    union: list[str] = Field(default_factory=list, description="ids of zones added to this one")
    minus: list[str] = Field(default_factory=list, description="ids of zones taken out of this one")
    population: int | None = Field(default=None, ge=0)
    approximate: bool = False
    note: str | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _has_extent(self) -> Zone:
        if not (
            self.admin1
            or self.admin_units
            or self.polygon
            or self.polygon_file
            or self.around
            or self.route
            or self.from_line
            or self.union
        ):
            raise ValueError(
                "a zone needs an extent: 'admin1', 'admin_units', 'polygon', 'polygon_file', "
                "'around', 'route', 'from_line' or 'union'"
            )
        return self


class ActPattern(DomainModel):
    """A kind of act, in ACLED's vocabulary; every given field must match."""

    event_type: list[str] = Field(default_factory=list)
    sub_event_type: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list, description="all of these tags")
    weapons: list[str] = Field(
        default_factory=list,
        description="any of these weapon classes (an incident tagged weapon:<class>)",
    )

    @field_validator("weapons")
    @classmethod
    def _known_weapons(cls, values: list[str]) -> list[str]:
        for v in values:
            if v not in WEAPON_CLASSES:
                raise ValueError(f"unknown weapon class {v!r}; use one of {sorted(WEAPON_CLASSES)}")
        return values

    @field_validator("event_type")
    @classmethod
    def _known_event_types(cls, values: list[str]) -> list[str]:
        for v in values:
            if v not in EVENT_TYPES:
                raise ValueError(
                    f"unknown ACLED event_type {v!r}; use one of {sorted(EVENT_TYPES)}"
                )
        return values

    @field_validator("sub_event_type")
    @classmethod
    def _known_sub_event_types(cls, values: list[str]) -> list[str]:
        for v in values:
            if v not in SUB_EVENT_TYPES:
                raise ValueError(f"unknown ACLED sub_event_type {v!r}")
        return values

    @model_validator(mode="after")
    def _not_empty(self) -> ActPattern:
        if not (self.event_type or self.sub_event_type or self.tags or self.weapons):
            raise ValueError("a prohibited act needs event_type, sub_event_type, tags or weapons")
        return self


class Exemption(DomainModel):
    """When a prohibited act is allowed: inside zones and/or against targets.

    ``targets: excluded`` means "against the agreement's excluded groups";
    both conditions must hold when both are given.
    """

    within: list[str] = Field(default_factory=list)
    targets: Literal["excluded"] | list[str] | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Exemption:
        if not self.within and self.targets is None:
            raise ValueError("an exemption needs 'within' (zones) or 'targets'")
        return self


class EventObligation(DomainModel):
    """An obligation checked against incidents: who must not do what, where, when."""

    kind: Literal["event"] = "event"
    id: str = Field(pattern=_ID)
    title: str | None = None
    pillar: str | None = None
    binds: list[str]
    prohibits: list[ActPattern] = Field(min_length=1)
    exemptions: list[Exemption] = Field(default_factory=list, alias="except")
    within: list[str] = Field(default_factory=list, description="applies only inside these zones")
    outside: list[str] = Field(default_factory=list, description="applies only outside these zones")
    phases: list[str] = Field(default_factory=list, description="empty: every phase")
    access: list[str] = Field(default_factory=list, description="access commitments it protects")
    text: str | None = None
    source: str | None = None

    @field_validator("prohibits", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, dict) else value

    @field_validator("exemptions", mode="before")
    @classmethod
    def _one_or_many_exemptions(cls, value: Any) -> Any:
        return [value] if isinstance(value, dict) else value


def _territory_gains() -> list[ActPattern]:
    return [ActPattern(sub_event_type=list(TERRITORY_GAINS))]


class TerritoryObligation(EventObligation):
    """No offensive operations to gain territory: an advance by a bound party is a violation.

    Checked against incidents whose outcome is ground gained (ACLED's
    "Government regains territory" / "Non-state actor overtakes territory",
    and the advances derived from control layers): the party that gained the
    ground answers for it, not every party in the fight.  ``min_km2`` leaves
    out control changes smaller than that (slivers from a redrawn map).
    """

    kind: Literal["territory"]  # type: ignore[assignment]  # required: it selects this class
    prohibits: list[ActPattern] = Field(default_factory=_territory_gains, min_length=1)
    min_km2: float = Field(
        default=0.0, ge=0, description="control changes smaller than this are not advances"
    )


class Commitment(DomainModel):
    """An obligation assessed by analysts per party and date, with evidence."""

    kind: Literal["commitment"] = "commitment"
    id: str = Field(pattern=_ID)
    title: str | None = None
    pillar: str | None = None
    binds: list[str]
    commitment: str = Field(min_length=1)
    phases: list[str] = Field(default_factory=list)
    text: str | None = None
    source: str | None = None


def _obligation_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        if "kind" in value:
            return str(value["kind"])
        return "commitment" if "commitment" in value else "event"
    return getattr(value, "kind", None)


Obligation = Annotated[
    Annotated[EventObligation, Tag("event")]
    | Annotated[TerritoryObligation, Tag("territory")]
    | Annotated[Commitment, Tag("commitment")],
    Discriminator(_obligation_kind),
]


class AccessCommitment(DomainModel):
    """A humanitarian access commitment: which areas, by which routes, for how many."""

    id: str = Field(pattern=_ID)
    standard: Literal["unimpeded", "sustained", "as_agreed"] = "unimpeded"
    areas: list[str] = Field(default_factory=list)
    routes: list[str] = Field(default_factory=list)
    people: int | None = Field(
        default=None, ge=0, description="people the commitment is meant to reach"
    )
    answer_within_days: int | None = Field(
        default=None,
        ge=0,
        description="days within which a party must answer an access request, where agreed",
    )
    text: str | None = None
    source: str | None = None


class Ending(DomainModel):
    """How and when the agreement formally ended, if it did."""

    date: date
    how: str
    source: str | None = None


class Agreement(DomainModel):
    """A ceasefire agreement as checkable terms."""

    id: str = Field(pattern=_ID)
    title: str
    signed: date
    timezone: str = Field(
        default="UTC", description="IANA zone for incident dates, e.g. Asia/Damascus"
    )
    ceasefire_type: Literal["definitive", "preliminary", "simple_cessation"] | None = None
    pax_id: int | None = None
    sources: list[str] = Field(min_length=1)
    notes: list[str] = Field(default_factory=list)
    brokers: list[str] = Field(default_factory=list)
    sides: dict[str, Side] = Field(min_length=1)
    excluded: list[str] = Field(default_factory=list)
    phases: list[Phase] = Field(min_length=1)
    zones: list[Zone] = Field(default_factory=list)
    lines: list[ContactLine] = Field(
        default_factory=list, description="lines of contact or withdrawal lines zones refer to"
    )
    obligations: list[Obligation] = Field(min_length=1)
    access: list[AccessCommitment] = Field(default_factory=list)
    ended: Ending | None = None

    def phase_spans(self) -> dict[str, tuple[datetime, datetime | None]]:
        """Each phase's [start, end) in absolute time; ``None`` end means open.

        Phases that start ``after`` another begin at its end.  Unresolvable
        chains are left out here; the validator reports them with a line.
        """
        spans: dict[str, tuple[datetime, datetime | None]] = {}
        pending = list(self.phases)
        while pending:
            progressed = False
            for phase in list(pending):
                start: datetime | None = phase.start
                if start is None and phase.after in spans:
                    start = spans[phase.after][1]
                    if start is None:  # after an open-ended phase: never starts
                        pending.remove(phase)
                        progressed = True
                        continue
                if start is None:
                    continue
                end = phase.end
                if phase.days is not None:
                    end = start + timedelta(days=phase.days)
                if end is None and self.ended is not None:
                    end = datetime.combine(self.ended.date, datetime.min.time(), start.tzinfo)
                spans[phase.id] = (start, end)
                pending.remove(phase)
                progressed = True
            if not progressed:
                break
        return spans

    def effective_from(self) -> datetime | None:
        """When the first phase begins: the moment obligations start to bind."""
        starts = [s for s, _ in self.phase_spans().values()]
        return min(starts) if starts else None

    @property
    def obligation_ids(self) -> list[str]:
        """Ids of all obligations, in file order."""
        return [o.id for o in self.obligations]
