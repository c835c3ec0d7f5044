"""The Dec 2016 east Aleppo evacuation case: the convoy stopped on 16 Dec is spoiling.

Iran, Hezbollah and the Iranian-backed militias are on no side of the
Russia–Turkey arrangement (the agreement's notes say why), so their stopping
of an evacuation convoy is spoiler activity by non-signatories, not a party's
violation — as a finding and as an access obstruction.
"""

from __future__ import annotations

import pytest

from trucewatch.cases import case_files
from trucewatch.domain import AttributionStatus, Verdict
from trucewatch.service import Evaluation, run_evaluation

AGREEMENT = "syria-2016-12-east-aleppo-evacuation"


@pytest.fixture(scope="module")
def dec() -> Evaluation:
    files = case_files("syria-2016-12")
    return run_evaluation(
        AGREEMENT, files.incidents, files.claims, files.sources, access_path=files.access
    )


def test_the_16_dec_convoy_stop_is_spoiler_activity_by_iranian_backed_militias(
    dec: Evaluation,
) -> None:
    [stop] = [i for i in dec.incidents if str(i.date) == "2016-12-16" and "obstruction" in i.tags]
    [f] = [f for f in dec.findings_for(stop.id) if f.obligation == "no-attacks-on-convoys"]
    assert f.verdict == Verdict.SPOILER_ACTIVITY
    assert f.responsible[0].actor == "iran-backed-militias"
    assert all(r.side is None for r in f.responsible), "non-signatories have no side"
    assert dec.attributions[stop.id].leading()[0] == "iran-backed-militias"
    assert dec.attributions[stop.id].status == AttributionStatus.CONTESTED
    assert any("not a party to this agreement" in r for r in f.reasons)
    # the minor accounts naming parties are kept, and shown
    assert any(r.startswith("accounts below a 0.20 share") for r in f.reasons)


def test_the_stop_is_an_obstruction_by_spoilers_in_the_access_record(dec: Evaluation) -> None:
    assert dec.access is not None
    assert dec.access.commitments == []  # the arrangement states no access commitment
    stop = [o for o in dec.access.obstructions if o.event == "evacuation-2016-12-16-convoy"]
    assert {(o.status.value, o.party) for o in stop} == {
        ("attacked", "spoiler"),
        ("blocked", "spoiler"),
    }
    blocked = next(o for o in stop if o.status.value == "blocked")
    assert blocked.standing == "iran-backed-militias (not a party to this agreement)"
    assert any("Syrian official source" in r for r in blocked.reasons)


def test_every_incident_cites_its_sources(dec: Evaluation) -> None:
    assert len(dec.incidents) >= 4
    for i in dec.incidents:
        assert i.source and i.notes, i.id
