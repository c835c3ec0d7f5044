"""The Sept 2016 case end to end: what the demo must show, checked on its findings.

Incidents are found by date and place, as an analyst would look them up.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from trucewatch.domain import AttributionStatus, Finding, Incident, Verdict
from trucewatch.service import Evaluation, run_demo


@pytest.fixture(scope="module")
def demo() -> Evaluation:
    return run_demo()


def find(ev: Evaluation, day: date, place: str, sub_event_type: str | None = None) -> Incident:
    (inc,) = [
        i
        for i in ev.incidents
        if i.date == day
        and i.location.name == place
        and (sub_event_type is None or i.sub_event_type == sub_event_type)
    ]
    return inc


def finding(ev: Evaluation, inc: Incident, obligation: str) -> Finding:
    (f,) = [f for f in ev.findings_for(inc.id) if f.obligation == obligation]
    return f


def test_convoy_attack_violates_humanitarian_access_contested(demo: Evaluation) -> None:
    convoy = find(demo, date(2016, 9, 19), "Urum al Kubra")
    assert "humanitarian_aid" in convoy.tags
    f = finding(demo, convoy, "humanitarian-access")
    assert f.verdict == Verdict.VIOLATION
    assert f.attribution_status == AttributionStatus.CONTESTED
    assert {r.actor for r in f.responsible} == {"russia", "syria-government"}
    assert demo.attributions[convoy.id].contested_between[:2] in (
        ["russia", "syria-government"],
        ["syria-government", "russia"],
    )
    kinds = {(c.claimant, c.kind.value) for c in demo.claims_for(convoy.id)}
    assert ("russia", "denies") in kinds
    assert ("russia", "alternative_explanation") in kinds


def test_8_sept_strike_is_before_effect(demo: Evaluation) -> None:
    (strike,) = [
        i
        for i in demo.incidents
        if i.date == date(2016, 9, 8) and any(a.id == "jabhat-fateh-al-sham" for a in i.actors)
    ]
    verdicts = {f.verdict for f in demo.findings_for(strike.id)}
    assert verdicts == {Verdict.BEFORE_EFFECT, Verdict.NOT_APPLICABLE}
    assert finding(demo, strike, "no-air-operations").verdict == Verdict.BEFORE_EFFECT


def test_17_sept_coalition_strike_is_a_broker_act_not_a_party_violation(demo: Evaluation) -> None:
    strike = find(demo, date(2016, 9, 17), "Jabal Thurdah", "Air/drone strike")
    findings = demo.findings_for(strike.id)
    assert all(f.verdict != Verdict.VIOLATION for f in findings)
    applicable = [f for f in findings if f.broker_involved]
    assert applicable and all(f.broker_involved == "united-states" for f in applicable)
    assert "broker's act against syria-government" in applicable[0].reasons[-1]


def test_islamic_state_incidents_are_spoiler_activity(demo: Evaluation) -> None:
    by_is = [
        i
        for i in demo.incidents
        if any(a.id == "islamic-state" for a in i.actors) and i.date >= date(2016, 9, 13)
    ]
    assert len(by_is) >= 3
    for inc in by_is:
        verdicts = {f.verdict for f in demo.findings_for(inc.id)}
        assert Verdict.VIOLATION not in verdicts, inc.id
        assert Verdict.SPOILER_ACTIVITY in verdicts, inc.id


def test_every_verdict_kind_but_permitted_occurs_and_is_explained(demo: Evaluation) -> None:
    counts = demo.counts()
    for verdict in ("violation", "spoiler_activity", "before_effect", "not_applicable"):
        assert counts[verdict] > 0
    assert all(f.reasons for f in demo.findings)


def test_breakdown_is_detected_after_effect(demo: Evaluation) -> None:
    b = demo.breakdown
    assert b.effective == date(2016, 9, 12)
    assert b.day is not None and b.day > b.effective
    # Regression guard on the shipped data and the documented rule (analytics/timeline.py).
    assert b.day == date(2016, 9, 18)


def test_json_is_machine_readable(demo: Evaluation) -> None:
    data = demo.as_json()
    assert data["agreement"] == "syria-2016-09-us-russia"
    assert data["breakdown"]["date"] == "2016-09-18"
    assert len(data["findings"]) == len(demo.incidents) * 3
    assert data["unresolved_actor_names"] == {}


def test_demo_prints_the_access_section_with_nobody_reached() -> None:
    from typer.testing import CliRunner

    from trucewatch.cli import app

    result = CliRunner().invoke(app, ["demo"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Humanitarian access: measured from convoy histories" in result.stdout
    assert "east-aleppo-access" in result.stdout and "NOT MET" in result.stdout
    assert "0 of 250,000 people reached" in result.stdout
    data = CliRunner().invoke(app, ["demo", "--json"]).stdout
    access = json.loads(data)["access"]
    assert access["commitments"][0]["people_reached"] == 0
