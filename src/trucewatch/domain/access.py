"""Humanitarian access: convoys and missions, their status histories, and sieges.

Access is measured, not asserted.  A convoy is recorded as the sequence of
what happened to it — requested, approved, delayed, blocked, attacked,
delivered — each step dated, with who obstructed it and the reason *as that
party stated it*.  Compliance with an agreement's access commitments is then
computed from these histories (``trucewatch.access.compliance``), never typed
in.

The rules a history must follow (:data:`TRANSITIONS`, :func:`history_breaches`)
exist because a wrong history silently changes the measure: a convoy marked
``delivered`` and then ``requested`` again would count as both an arrival and
an open request, and "more people reached than planned" usually means a typo
in a count, so it needs a stated reason before it is believed.

Constraint categories follow the access-constraint typology of the OCHA Access
Monitoring & Reporting Framework as operationalised by ACAPS (nine indicators
in three pillars; see ../shared/REFERENCE.md §8.2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from pydantic import Field, model_validator

from trucewatch.domain.base import DomainModel

_ID = r"^[a-z0-9][a-z0-9-]*$"


class AccessStatus(StrEnum):
    """Where a convoy or mission stands after one step of its history."""

    REQUESTED = "requested"
    APPROVED = "approved"
    DENIED = "denied"
    DELAYED = "delayed"
    BLOCKED = "blocked"
    ATTACKED = "attacked"
    DELIVERED = "delivered"
    PARTIALLY_DELIVERED = "partially_delivered"


S = AccessStatus

#: Which status may follow which.  Arrivals are final: a convoy that delivered
#: is a new convoy (a new access event) if it sets out again.  A denial may be
#: reversed (denied → approved) and a request may be held up before any answer
#: (requested → delayed).  The first recorded status may be any: monitoring
#: often starts in the middle of a convoy's story (an attack is the first
#: thing anyone reports).
_HELD_UP = frozenset(set(S) - {S.REQUESTED})  # after a hold-up, anything but a new request
TRANSITIONS: dict[AccessStatus, frozenset[AccessStatus]] = {
    S.REQUESTED: frozenset({S.APPROVED, S.DENIED, S.DELAYED}),
    S.APPROVED: frozenset(
        {S.DENIED, S.DELAYED, S.BLOCKED, S.ATTACKED, S.DELIVERED, S.PARTIALLY_DELIVERED}
    ),
    S.DENIED: frozenset({S.APPROVED}),
    S.DELAYED: _HELD_UP,
    S.BLOCKED: _HELD_UP,
    S.ATTACKED: frozenset({S.BLOCKED, S.ATTACKED, S.DELIVERED, S.PARTIALLY_DELIVERED}),
    S.DELIVERED: frozenset(),
    S.PARTIALLY_DELIVERED: frozenset(),
}

#: Statuses that obstruct access; each one names (where known) who obstructed.
OBSTRUCTIONS = frozenset({S.DENIED, S.DELAYED, S.BLOCKED, S.ATTACKED})
#: Statuses that mean the convoy reached its destination.
ARRIVALS = frozenset({S.DELIVERED, S.PARTIALLY_DELIVERED})
#: Statuses that answer a request.
ANSWERS = frozenset({S.APPROVED, S.DENIED})


class Constraint(StrEnum):
    """OCHA AMRF / ACAPS access-constraint categories (indicator number in the name)."""

    DENIAL_OF_NEEDS = "1-denial-of-needs"
    RESTRICTED_ACCESS_TO_SERVICES = "2-restricted-access-to-services"
    IMPEDIMENTS_TO_ENTRY = "3-impediments-to-entry"
    RESTRICTED_MOVEMENT = "4-restricted-movement"
    INTERFERENCE = "5-interference"
    VIOLENCE_AGAINST_HUMANITARIANS = "6-violence-against-humanitarians"
    HOSTILITIES = "7-hostilities"
    EXPLOSIVE_HAZARDS = "8-explosive-hazards"
    PHYSICAL_CONSTRAINTS = "9-physical-constraints"


class AccessKind(StrEnum):
    """What moved: an aid convoy, an assessment or monitoring mission, an evacuation."""

    CONVOY = "convoy"
    MISSION = "mission"
    EVACUATION = "evacuation"


class StatusChange(DomainModel):
    """One dated step of a convoy's history, as a source reported it."""

    status: AccessStatus
    date: date
    actor: str | None = Field(
        default=None,
        description="who obstructed (denied, delayed, blocked, attacked): a name or registry id "
        "as the source gives it; resolved through the actor registry when measured",
    )
    reason: str | None = Field(
        default=None, description="the reason as stated, and by whom (never our inference)"
    )
    constraint: Constraint | None = None
    people_reached: int | None = Field(
        default=None, ge=0, description="people reached by this arrival (delivered / partial)"
    )
    over_plan_reason: str | None = Field(
        default=None,
        description="why people_reached exceeds planned_beneficiaries; required when it does",
    )
    incident: str | None = Field(
        default=None,
        description="the incident this step is (e.g. the attack): its attribution, not this "
        "record's actor, says who is responsible",
    )
    source: str | None = None
    note: str | None = None


class AccessEvent(DomainModel):
    """A convoy, mission or evacuation and everything that happened to it."""

    id: str = Field(pattern=_ID)
    kind: AccessKind = AccessKind.CONVOY
    agreement: str | None = Field(default=None, description="agreement id it is measured under")
    organisation: str = Field(min_length=1)
    origin: str | None = None
    destination: str = Field(
        min_length=1, description="a zone id of the agreement (e.g. east-aleppo) or a place name"
    )
    route: str | None = Field(default=None, description="a route zone id, e.g. castello-road")
    planned_beneficiaries: int | None = Field(default=None, ge=0)
    trucks: int | None = Field(default=None, ge=0)
    cargo: str | None = None
    history: list[StatusChange] = Field(min_length=1)
    sources: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _history_follows_the_rules(self) -> AccessEvent:
        breaches = history_breaches(self.history, self.planned_beneficiaries)
        if breaches:
            raise ValueError("; ".join(str(b) for b in breaches))
        return self

    @property
    def status(self) -> AccessStatus:
        """The latest status."""
        return self.history[-1].status

    @property
    def arrival(self) -> StatusChange | None:
        """The step at which it reached its destination, if it did."""
        return next((c for c in self.history if c.status in ARRIVALS), None)

    @property
    def people_reached(self) -> int | None:
        """People reached by its arrival: 0 if it never arrived, None if arrived, count unknown."""
        arrival = self.arrival
        return 0 if arrival is None else arrival.people_reached

    def with_change(self, change: StatusChange) -> AccessEvent:
        """This event with ``change`` appended; raises ValueError if the rules refuse it."""
        return AccessEvent.model_validate(
            {**self.model_dump(), "history": [*self.model_dump()["history"], change.model_dump()]}
        )


@dataclass(frozen=True)
class Breach:
    """One way a history breaks the rules: which step, which field, what to do."""

    index: int
    field: str
    message: str
    hint: str

    def __str__(self) -> str:
        return f"history.{self.index}.{self.field}: {self.message} — {self.hint}"


def history_breaches(history: Sequence[StatusChange], planned: int | None) -> list[Breach]:
    """Every rule ``history`` breaks; empty when it is a history that can have happened."""
    breaches: list[Breach] = []
    for i, change in enumerate(history):
        if i:
            before = history[i - 1]
            allowed = TRANSITIONS[before.status]
            if change.status not in allowed:
                options = ", ".join(sorted(allowed)) or "nothing: it is final"
                again = (
                    "; a convoy that sets out again after arriving is a new access event"
                    if before.status in ARRIVALS
                    else ""
                )
                breaches.append(
                    Breach(
                        i,
                        "status",
                        f"{before.status} → {change.status} is not a possible change",
                        f"after {before.status} comes {options}{again}",
                    )
                )
            if change.date < before.date:
                breaches.append(
                    Breach(
                        i,
                        "date",
                        f"{change.date} is before the previous step ({before.date})",
                        "list the history in the order it happened",
                    )
                )
        if change.people_reached is not None and change.status not in ARRIVALS:
            breaches.append(
                Breach(
                    i,
                    "people_reached",
                    f"people_reached is given on a '{change.status}' step",
                    "give it on the delivered or partially_delivered step",
                )
            )
        if (
            change.people_reached is not None
            and planned is not None
            and change.people_reached > planned
            and not (change.over_plan_reason or "").strip()
        ):
            breaches.append(
                Breach(
                    i,
                    "people_reached",
                    f"{change.people_reached} people reached is more than the {planned} planned",
                    "check the count, or state why in over_plan_reason",
                )
            )
    return breaches


class SiegeKind(StrEnum):
    """OCHA's two categories of area that aid cannot reach regularly."""

    BESIEGED = "besieged"
    HARD_TO_REACH = "hard_to_reach"


class Siege(DomainModel):
    """A besieged or hard-to-reach area over a period: who besieges it, how many live there."""

    id: str = Field(pattern=_ID)
    area: str = Field(min_length=1, description="a zone id (e.g. east-aleppo) or a place name")
    name: str | None = None
    kind: SiegeKind = SiegeKind.BESIEGED
    start: date | None = Field(default=None, description="first day; unknown if not given")
    end: date | None = Field(default=None, description="last day; ongoing if not given")
    population: int | None = Field(default=None, ge=0)
    population_high: int | None = Field(
        default=None, ge=0, description="upper figure where sources give a range"
    )
    besieged_by: list[str] = Field(
        default_factory=list, description="actors as sources name them (names or registry ids)"
    )
    sources: list[str] = Field(default_factory=list)
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Siege:
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if (
            self.population is not None
            and self.population_high is not None
            and self.population_high < self.population
        ):
            raise ValueError(
                f"population_high {self.population_high} is below population {self.population}"
            )
        return self

    def covers(self, day: date) -> bool:
        """True when the siege record holds on ``day``."""
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)
