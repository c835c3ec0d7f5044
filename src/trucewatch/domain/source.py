"""Sources graded with the Admiralty code (STANAG 2511).

Reliability (A–F) belongs to the source and is its track record; credibility
(1–6) belongs to each item it reports.  They are independent: A5 and F1 are
both valid.  Outlets sharing an owner or a feed carry one ``independence_group``
so that reposts are not counted as corroboration.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from trucewatch.domain.base import DomainModel


class Reliability(StrEnum):
    """Admiralty source reliability."""

    A = "A"  # completely reliable
    B = "B"  # usually reliable
    C = "C"  # fairly reliable
    D = "D"  # not usually reliable
    E = "E"  # unreliable
    F = "F"  # reliability cannot be judged


class Credibility(StrEnum):
    """Admiralty information credibility."""

    CONFIRMED = "1"
    PROBABLY_TRUE = "2"
    POSSIBLY_TRUE = "3"
    DOUBTFUL = "4"
    IMPROBABLE = "5"
    CANNOT_BE_JUDGED = "6"


class SourceKind(StrEnum):
    """Who is telling us."""

    MONITOR = "monitor"
    UN_AGENCY = "un_agency"
    NGO = "ngo"
    MEDIA = "media"
    PARTY_STATEMENT = "party_statement"
    SOCIAL_MEDIA = "social_media"
    DATASET = "dataset"


class Source(DomainModel):
    """A source of reports and claims, with its grade and independence group."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    kind: SourceKind
    reliability: Reliability = Reliability.F
    independence_group: str | None = None
    actor: str | None = Field(default=None, description="registry id when the source is an actor")
    url: str | None = None
    note: str | None = None

    @property
    def group(self) -> str:
        """The independence group (the source itself when none is set)."""
        return self.independence_group or self.id
