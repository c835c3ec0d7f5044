"""Where an actor stands in an agreement: party, ally, broker, excluded or outsider.

An actor answers through its principals (an air force through its government,
a coalition through the state leading it), so a unit never registered in the
agreement still finds its side.  Side membership takes precedence over being
a broker: in Sept 2016 Russia co-brokered the truce and flew for the
government side, and its strikes are the government side's acts.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from trucewatch.actors import ActorRegistry
from trucewatch.domain import ActorKind, Agreement


class StandingKind(StrEnum):
    """An actor's standing under one agreement."""

    MEMBER = "member"
    ALLY = "ally"
    BROKER = "broker"
    EXCLUDED = "excluded"
    OUTSIDER = "outsider"  # armed, but neither party, broker nor excluded: a spoiler
    NON_BELLIGERENT = "non_belligerent"  # civilians, aid agencies, monitors
    UNIDENTIFIED = "unidentified"


@dataclass(frozen=True)
class Standing:
    """The standing of ``actor`` (reached through ``via``) and its side, if any."""

    actor: str
    kind: StandingKind
    side: str | None = None
    via: str | None = None

    def describe(self) -> str:
        """Plain words for reasons: 'russia (ally of side government)'."""
        through = f" via {self.via}" if self.via and self.via != self.actor else ""
        if self.kind in (StandingKind.MEMBER, StandingKind.ALLY):
            return f"{self.actor}{through} ({self.kind.value} of side {self.side})"
        if self.kind == StandingKind.OUTSIDER:
            return f"{self.actor}{through} (not a party to this agreement)"
        return f"{self.actor}{through} ({self.kind.value.replace('_', '-')})"


_NON_BELLIGERENT = {
    ActorKind.CIVILIANS,
    ActorKind.HUMANITARIAN,
    ActorKind.MONITOR,
    ActorKind.MEDIA,
    ActorKind.INTERNATIONAL_ORGANISATION,
}


class AgreementRoles:
    """Look up actors' standing under one agreement, on a given day."""

    def __init__(self, agreement: Agreement, actors: ActorRegistry) -> None:
        self.agreement = agreement
        self.actors = actors
        self._side: dict[str, tuple[str, StandingKind]] = {}
        for side_id, side in agreement.sides.items():
            for m in side.members:
                self._side[m] = (side_id, StandingKind.MEMBER)
            for a in side.allies:
                self._side.setdefault(a, (side_id, StandingKind.ALLY))
        self._excluded = set(agreement.excluded)
        self._brokers = set(agreement.brokers)
        # Standings change only where an affiliation starts or ends: remembered per period.
        self._changes = actors.affiliation_changes()
        self._known: dict[tuple[str, int | None], Standing] = {}

    def standing(self, actor_id: str | None, on: date | None = None) -> Standing:
        """The standing of ``actor_id`` on ``on``; the nearest principal decides."""
        if actor_id is None or actor_id not in self.actors:
            return Standing(actor_id or "unknown", StandingKind.UNIDENTIFIED)
        period = None if on is None else bisect.bisect_right(self._changes, on)
        known = self._known.get((actor_id, period))
        if known is None:
            known = self._known[(actor_id, period)] = self._standing(actor_id, on)
        return known

    def _standing(self, actor_id: str, on: date | None) -> Standing:
        chain = self.actors.principals(actor_id, on)
        for principal in chain:
            if principal in self._excluded:
                return Standing(actor_id, StandingKind.EXCLUDED, via=principal)
            if principal in self._side:
                side, kind = self._side[principal]
                return Standing(actor_id, kind, side, via=principal)
        for principal in chain:
            if principal in self._brokers:
                return Standing(actor_id, StandingKind.BROKER, via=principal)
        actor_kind = self.actors.get(actor_id).kind
        if actor_kind == ActorKind.UNIDENTIFIED:
            return Standing(actor_id, StandingKind.UNIDENTIFIED)
        if actor_kind in _NON_BELLIGERENT:
            return Standing(actor_id, StandingKind.NON_BELLIGERENT)
        return Standing(actor_id, StandingKind.OUTSIDER)
