"""The compliance matrix: party × obligation, violations counted by certainty.

Attributed violations (confirmed or likely) and contested ones are counted in
separate columns: adding a contested accusation to a party's tally would be
taking one side's word for it.  Violations with no identified perpetrator are
counted once, in their own row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from trucewatch.domain import Agreement, AttributionStatus, EventObligation, Finding, Verdict

UNATTRIBUTED = "(unattributed)"


@dataclass
class Cell:
    """Counts for one party × obligation."""

    attributed: int = 0
    contested: int = 0

    @property
    def total(self) -> int:
        """Every violation the party is named in."""
        return self.attributed + self.contested

    def __str__(self) -> str:
        if not self.total:
            return "0"
        return f"{self.attributed}" + (f" (+{self.contested} contested)" if self.contested else "")


@dataclass
class ComplianceMatrix:
    """Rows: parties (and the unattributed row); columns: event obligations."""

    obligations: list[str]
    rows: dict[str, dict[str, Cell]] = field(default_factory=dict)
    sides: dict[str, str | None] = field(default_factory=dict)

    def cell(self, party: str, obligation: str) -> Cell:
        """The cell for ``party`` × ``obligation`` (zero when absent)."""
        return self.rows.get(party, {}).get(obligation, Cell())

    def as_dict(self) -> dict[str, object]:
        """Plain data for --json output."""
        return {
            "obligations": self.obligations,
            "parties": [
                {
                    "party": party,
                    "side": self.sides.get(party),
                    "cells": {
                        ob: {"attributed": c.attributed, "contested": c.contested}
                        for ob, c in row.items()
                    },
                }
                for party, row in self.rows.items()
            ],
        }


def compliance_matrix(agreement: Agreement, findings: Iterable[Finding]) -> ComplianceMatrix:
    """Count violations per responsible party and obligation."""
    obligations = [o.id for o in agreement.obligations if isinstance(o, EventObligation)]
    matrix = ComplianceMatrix(obligations=obligations)
    for side_id, side in agreement.sides.items():
        for member in side.members:
            matrix.rows.setdefault(member, {ob: Cell() for ob in obligations})
            matrix.sides[member] = side_id
    for f in findings:
        if f.verdict != Verdict.VIOLATION:
            continue
        if not f.responsible:
            row = matrix.rows.setdefault(UNATTRIBUTED, {ob: Cell() for ob in obligations})
            matrix.sides[UNATTRIBUTED] = None
            row[f.obligation].attributed += 1
            continue
        for r in f.responsible:
            row = matrix.rows.setdefault(r.actor, {ob: Cell() for ob in obligations})
            matrix.sides[r.actor] = r.side
            cell = row[f.obligation]
            if f.attribution_status in (AttributionStatus.CONFIRMED, AttributionStatus.LIKELY) and (
                len(f.responsible) == 1
            ):
                cell.attributed += 1
            else:
                cell.contested += 1
    return matrix
