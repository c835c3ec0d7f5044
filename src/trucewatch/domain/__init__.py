"""Pure domain types (pydantic v2): no I/O, no framework, nothing above this layer.

Every other layer speaks in these types; keeping them free of storage and HTTP
concerns is what lets the engine run the same on one machine or many.
"""

from trucewatch.domain.actor import Actor, ActorKind, ActorName, Affiliation, Relation
from trucewatch.domain.agreement import (
    AccessCommitment,
    ActPattern,
    Agreement,
    Commitment,
    ContactLine,
    EventObligation,
    Exemption,
    LineBelt,
    Obligation,
    Phase,
    PlaceRef,
    Side,
    TerritoryObligation,
    Zone,
)
from trucewatch.domain.claim import Claim, ClaimKind
from trucewatch.domain.finding import (
    Attribution,
    AttributionStatus,
    Finding,
    Responsibility,
    Verdict,
)
from trucewatch.domain.incident import (
    CasualtyRange,
    Incident,
    IncidentActor,
    Location,
    Provenance,
    Role,
)
from trucewatch.domain.source import Credibility, Reliability, Source, SourceKind

__all__ = [
    "AccessCommitment",
    "ActPattern",
    "Actor",
    "ActorKind",
    "ActorName",
    "Affiliation",
    "Agreement",
    "Attribution",
    "AttributionStatus",
    "CasualtyRange",
    "Claim",
    "ClaimKind",
    "Commitment",
    "ContactLine",
    "Credibility",
    "EventObligation",
    "Exemption",
    "Finding",
    "Incident",
    "IncidentActor",
    "LineBelt",
    "Location",
    "Obligation",
    "Phase",
    "PlaceRef",
    "Provenance",
    "Relation",
    "Reliability",
    "Responsibility",
    "Role",
    "Side",
    "Source",
    "SourceKind",
    "TerritoryObligation",
    "Verdict",
    "Zone",
]
