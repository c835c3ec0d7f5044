"""Actors: who acts in a conflict, under which names, and with whom.

Names change (Jabhat al-Nusra became Jabhat Fateh al-Sham on 28 Jul 2016 and
Hay'at Tahrir al-Sham on 28 Jan 2017), so every name carries the period it was
in use; affiliations carry periods too, because alliances shift.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field, model_validator

from trucewatch.domain.base import DomainModel


class ActorKind(StrEnum):
    """What sort of actor this is (close to ACLED's inter codes, plus non-belligerents)."""

    STATE = "state"
    STATE_FORCES = "state_forces"
    REBEL_GROUP = "rebel_group"
    POLITICAL_MILITIA = "political_militia"
    IDENTITY_MILITIA = "identity_militia"
    COALITION = "coalition"
    EXTERNAL_FORCES = "external_forces"
    INTERNATIONAL_ORGANISATION = "international_organisation"
    HUMANITARIAN = "humanitarian"
    MONITOR = "monitor"
    MEDIA = "media"
    CIVILIANS = "civilians"
    UNIDENTIFIED = "unidentified"
    OTHER = "other"


class Relation(StrEnum):
    """How one actor stands to another.

    ``part_of`` and ``led_by`` make the first actor answer through the second
    (an air force is part of a government; a coalition is led by a state);
    ``backed_by`` and ``allied_with`` do not: a militia backed by Iran is not Iran.
    """

    PART_OF = "part_of"
    LED_BY = "led_by"
    BACKED_BY = "backed_by"
    ALLIED_WITH = "allied_with"


class ActorName(DomainModel):
    """One name or alias, with the period it was in use (open ends allowed)."""

    name: str = Field(min_length=1)
    valid_from: date | None = None
    valid_to: date | None = None
    lang: str = "en"

    def in_use_on(self, day: date) -> bool:
        """Whether this name was in use on ``day``."""
        if self.valid_from is not None and day < self.valid_from:
            return False
        return not (self.valid_to is not None and day >= self.valid_to)


class Affiliation(DomainModel):
    """A dated relation to another actor, with the public source that states it."""

    relation: Relation
    actor: str
    valid_from: date | None = None
    valid_to: date | None = None
    source: str | None = None

    def in_force_on(self, day: date | None) -> bool:
        """Whether the relation held on ``day`` (always, when no day is given)."""
        if day is None:
            return True
        if self.valid_from is not None and day < self.valid_from:
            return False
        return not (self.valid_to is not None and day >= self.valid_to)


class Actor(DomainModel):
    """A canonical actor: stable id, its names over time, kind and affiliations."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    kind: ActorKind
    names: list[ActorName] = Field(default_factory=list)
    affiliations: list[Affiliation] = Field(default_factory=list)
    acled_inter: int | None = Field(default=None, ge=0, le=8)
    designations: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    note: str | None = None

    @model_validator(mode="after")
    def _canonical_name_is_a_name(self) -> Actor:
        if not any(n.name == self.name for n in self.names):
            # The canonical name always resolves, whatever the data file lists.
            object.__setattr__(self, "names", [ActorName(name=self.name), *self.names])
        return self

    def name_on(self, day: date | None) -> str:
        """The name the actor used on ``day`` (its canonical name when unknown)."""
        if day is None:
            return self.name
        dated = [n for n in self.names if n.valid_from or n.valid_to]
        for n in dated:
            if n.in_use_on(day):
                return n.name
        return self.name
