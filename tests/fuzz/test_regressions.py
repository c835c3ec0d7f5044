"""Inputs the fuzzers found that once crashed, kept as plain tests with their message."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzz.test_documents import AGREEMENT
from trucewatch.actors import ActorRegistry
from trucewatch.agreements import parse_agreement
from trucewatch.errors import InputError
from trucewatch.ingest import read_claims


def test_claim_kind_written_as_a_list_is_a_clear_error(tmp_path: Path) -> None:
    # Found by test_claims_file: `kind: []` raised TypeError (unhashable list).
    path = tmp_path / "claims.yaml"
    path.write_text(
        "claims:\n"
        "  - id: synthetic-claim\n"
        "    incident: '1'\n"
        "    claimant: united-states\n"
        "    kind: []\n"
        "    subject: russia\n"
        "    text: synthetic\n"
        "    date: 2016-09-20\n"
        "    source: sarc\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        read_claims(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:5: claims.0.kind: Input should be 'accuses', 'admits', 'denies' "
        "or 'alternative_explanation'"
    ]


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (".inf", "a.yaml:17: phase 'first' lasts inf days, past any date we can compute"),
        ("1e300", "a.yaml:17: phase 'first' lasts 1e+300 days, past any date we can compute"),
        ("3000000", "a.yaml:14: the phases end after the year 9999 — check their days and ends"),
    ],
)
def test_phase_too_long_for_the_calendar_is_a_clear_error(
    days: str, message: str, actors: ActorRegistry
) -> None:
    # Found by test_agreement_file: `days: .inf` (or a huge number) raised OverflowError.
    text = AGREEMENT.replace("days: 7", f"days: {days}")
    with pytest.raises(InputError) as info:
        parse_agreement(text, name="a.yaml", actors=actors)
    assert len(info.value.problems) == 1
    assert str(info.value.problems[0]).startswith(message)
