"""Claims: statements about who did an incident, kept even when they conflict.

A claim is not a fact.  Accusations, admissions, denials and alternative
explanations are all recorded as they were made, with who made them and
where we read them; ``verify.attribution`` weighs them.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from trucewatch.domain.base import DomainModel
from trucewatch.domain.source import Credibility


class ClaimKind(StrEnum):
    """What the claimant says (CAMEO 112 accuse, 015 claim, 016 deny)."""

    ACCUSES = "accuses"
    ADMITS = "admits"
    DENIES = "denies"
    ALTERNATIVE_EXPLANATION = "alternative_explanation"


class Claim(DomainModel):
    """One statement about one incident."""

    id: str = Field(min_length=1)
    incident: str
    claimant: str = Field(description="registry id of who makes the claim")
    kind: ClaimKind
    subject: str | None = Field(default=None, description="registry id of who the claim is about")
    text: str
    date: date
    source: str = Field(description="source id where the claim was reported")
    credibility: Credibility = Credibility.CANNOT_BE_JUDGED
    language: str = "en"
    url: str | None = None
