"""Incidents in ACLED's terms, with UCDP's low/best/high casualty ranges.

An incident records what sources say happened; who is *responsible* is not
a field here but a derived attribution (``verify``), because in a truce that
is exactly what the parties dispute.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator, model_validator

from trucewatch.domain.base import DomainModel
from trucewatch.domain.vocabulary import EVENT_TYPE_OF, EVENT_TYPES


class Role(StrEnum):
    """An actor's part in an incident as the source tells it."""

    PERPETRATOR = "perpetrator"
    TARGET = "target"
    OTHER = "other"


class CasualtyRange(DomainModel):
    """A count as UCDP gives it: low, best and high estimates."""

    low: int = Field(ge=0)
    best: int = Field(ge=0)
    high: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> CasualtyRange:
        if not self.low <= self.best <= self.high:
            raise ValueError(f"need low <= best <= high, got {self.low}/{self.best}/{self.high}")
        return self

    @classmethod
    def exactly(cls, n: int) -> CasualtyRange:
        """A single reported figure."""
        return cls(low=n, best=n, high=n)


class Location(DomainModel):
    """Where it happened, with ACLED's geo_precision (1 town, 2 near, 3 region)."""

    name: str
    country: str | None = None
    admin1: str | None = None
    admin2: str | None = None
    admin3: str | None = None
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    geo_precision: Literal[1, 2, 3] = 1


class IncidentActor(DomainModel):
    """An actor as named by the source, and its resolved registry id."""

    name: str
    id: str | None = None
    role: Role = Role.OTHER


class Provenance(DomainModel):
    """Where a record came from: file, its SHA-256, the row, the raw values."""

    file: str
    sha256: str
    row: int
    original: dict[str, str] = Field(default_factory=dict)


DatePrecision = Literal["day", "week", "month"]
_PRECISION_OF_ACLED: dict[int, DatePrecision] = {1: "day", 2: "week", 3: "month"}


class Incident(DomainModel):
    """One event: ACLED fields plus casualty ranges, tags and provenance."""

    id: str = Field(min_length=1)
    date: date
    time_precision: Literal[1, 2, 3] = 1
    event_type: str
    sub_event_type: str
    actors: list[IncidentActor] = Field(default_factory=list)
    location: Location
    fatalities: CasualtyRange = Field(default_factory=lambda: CasualtyRange.exactly(0))
    civilian_fatalities: CasualtyRange | None = None
    tags: list[str] = Field(default_factory=list)
    notes: str = ""
    source: str = ""
    source_scale: str = ""
    provenance: Provenance | None = None

    @field_validator("event_type")
    @classmethod
    def _known_event_type(cls, value: str) -> str:
        if value not in EVENT_TYPES:
            raise ValueError(
                f"unknown ACLED event_type {value!r}; use one of {sorted(EVENT_TYPES)}"
            )
        return value

    @model_validator(mode="after")
    def _sub_event_matches(self) -> Incident:
        parent = EVENT_TYPE_OF.get(self.sub_event_type)
        if parent is None:
            raise ValueError(f"unknown ACLED sub_event_type {self.sub_event_type!r}")
        if parent != self.event_type:
            raise ValueError(
                f"sub_event_type {self.sub_event_type!r} belongs to {parent!r}, "
                f"not {self.event_type!r}"
            )
        return self

    @property
    def date_precision(self) -> DatePrecision:
        """ACLED time_precision as a word: day, week or month."""
        return _PRECISION_OF_ACLED[self.time_precision]

    def span(self, tz: str) -> tuple[datetime, datetime]:
        """The [start, end) the incident may have happened in, in zone ``tz``.

        ACLED dates a week-precise event mid-week and a month-precise one
        mid-month; the span widens accordingly so that a phase boundary inside
        it is seen as uncertain rather than decided by the coder's convention.
        """
        return incident_span(self.date, self.time_precision, tz)

    def actors_in(self, role: Role) -> list[IncidentActor]:
        """The actors named in ``role``."""
        return [a for a in self.actors if a.role == role]

    @property
    def best_fatalities(self) -> int:
        """The best fatality estimate."""
        return self.fatalities.best


def incident_span(day: date, time_precision: int, tz: str) -> tuple[datetime, datetime]:
    """:meth:`Incident.span` for a bare date and precision.

    Apart so that a batch evaluation can compute the span once per distinct
    (date, precision) instead of once per incident, by the very same rule.
    """
    zone = ZoneInfo(tz)
    if time_precision == 1:
        first, days = day, 1
    elif time_precision == 2:
        first, days = day - timedelta(days=3), 7
    else:
        first = day.replace(day=1)
        nxt = (first + timedelta(days=32)).replace(day=1)
        days = (nxt - first).days
    start = datetime.combine(first, time.min, zone)
    return start, start + timedelta(days=days)
