"""Findings: one incident against one obligation, with a verdict and its reasons.

A finding never states more certainty than the evidence gives: responsibility
carries a confidence and an attribution status, and a contested attribution is
shown as contested, with every actor it is contested between.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from trucewatch.domain.base import DomainModel


class Verdict(StrEnum):
    """The outcome of checking an incident against an obligation."""

    VIOLATION = "violation"
    PERMITTED = "permitted"
    SPOILER_ACTIVITY = "spoiler_activity"
    BEFORE_EFFECT = "before_effect"
    NOT_APPLICABLE = "not_applicable"


#: The share from which an actor counts in a contest: below it an account is
#: kept and shown but does not, on its own, make the act that actor's.
CONTEST_SHARE = 0.2


class AttributionStatus(StrEnum):
    """How sure we are of who did it."""

    CONFIRMED = "confirmed"
    LIKELY = "likely"
    CONTESTED = "contested"
    UNATTRIBUTED = "unattributed"


class Attribution(DomainModel):
    """A distribution over responsible actors and a status, with its reasons."""

    incident: str
    shares: dict[str, float] = Field(default_factory=dict)
    status: AttributionStatus = AttributionStatus.UNATTRIBUTED
    reasons: list[str] = Field(default_factory=list)

    def leading(self) -> list[str]:
        """Actors in descending share."""
        return sorted(self.shares, key=lambda a: (-self.shares[a], a))

    @property
    def contested_between(self) -> list[str]:
        """The actors a contested attribution is split between (share ≥ CONTEST_SHARE)."""
        if self.status != AttributionStatus.CONTESTED:
            return []
        return [a for a in self.leading() if self.shares[a] >= CONTEST_SHARE]


class Responsibility(DomainModel):
    """A party held (possibly) responsible, with its side and our confidence."""

    actor: str
    side: str | None = None
    confidence: float = Field(ge=0, le=1)


class Finding(DomainModel):
    """Incident × obligation → verdict, responsibility and the chain of reasons."""

    incident: str
    obligation: str
    verdict: Verdict
    responsible: list[Responsibility] = Field(default_factory=list)
    attribution_status: AttributionStatus = AttributionStatus.UNATTRIBUTED
    broker_involved: str | None = Field(
        default=None, description="broker that acted against a party (not a party's violation)"
    )
    would_be: Verdict | None = Field(
        default=None,
        description="for before_effect: the verdict had the obligation been in effect (baseline)",
    )
    timing_uncertain: bool = False
    depends_on_approximate_zone: bool = False
    zone_versions: dict[str, int] = Field(
        default_factory=dict,
        description="the version of each zone the obligation names, as used (0: as written "
        "in the agreement; n: the n-th approved change)",
    )
    reasons: list[str] = Field(default_factory=list)

    @property
    def contested(self) -> bool:
        """Whether responsibility is contested between actors."""
        return self.attribution_status == AttributionStatus.CONTESTED
