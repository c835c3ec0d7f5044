"""evaluate(): one test per verdict kind, and the reasons a person reads.

All incidents here are synthetic (notes say so); actor ids are real registry
ids because standing in the agreement is looked up through the registry.
"""

from __future__ import annotations

from datetime import date

import pytest

from trucewatch.actors import ActorRegistry
from trucewatch.agreements import parse_agreement
from trucewatch.domain import (
    Agreement,
    Attribution,
    AttributionStatus,
    CasualtyRange,
    Claim,
    ClaimKind,
    Finding,
    Incident,
    IncidentActor,
    Location,
    Reliability,
    Role,
    Source,
    SourceKind,
    Verdict,
)
from trucewatch.engine import evaluate

AGREEMENT = """\
id: synthetic-truce
title: Synthetic test agreement (not a real agreement)
signed: 2016-09-09
timezone: Asia/Damascus
sources: ["synthetic, for tests"]
brokers: [united-states, russia]
sides:
  government: {members: [syria-government], allies: [russia]}
  opposition: {members: [armed-opposition]}
excluded: [islamic-state, jabhat-fateh-al-sham]
phases:
  - {id: truce, start: 2016-09-12T19:00+03:00, days: 7}
zones:
  - {id: designated, kind: designated_area, admin1: [Deir ez-Zor], approximate: true,
     note: synthetic}
obligations:
  - id: no-air-operations
    binds: [government]
    prohibits: [{sub_event_type: ["Air/drone strike"]}]
    except: [{within: [designated], targets: excluded}]
  - id: cease-hostilities
    binds: [government, opposition]
    prohibits: [{event_type: [Battles, "Explosions/Remote violence"]}]
    except: [{targets: excluded}]
"""

ALEPPO = Location(name="Aleppo", admin1="Aleppo", latitude=36.2, longitude=37.16)
DEIR = Location(
    name="Deir ez Zor", admin1="Deir ez Zor Governorate", latitude=35.34, longitude=40.14
)


@pytest.fixture(scope="module")
def agreement(actors: ActorRegistry) -> Agreement:
    return parse_agreement(AGREEMENT, name="synthetic.yaml", actors=actors)


def incident(
    iid: str,
    day: date,
    sub: str = "Air/drone strike",
    *,
    by: str | None = "syria-government",
    on: str | None = "armed-opposition",
    where: Location = ALEPPO,
    event: str = "Explosions/Remote violence",
    precision: int = 1,
) -> Incident:
    battle = event == "Battles"
    actors = []
    if by:
        actors.append(
            IncidentActor(name=by, id=by, role=Role.OTHER if battle else Role.PERPETRATOR)
        )
    if on:
        actors.append(IncidentActor(name=on, id=on, role=Role.OTHER if battle else Role.TARGET))
    return Incident(
        id=iid,
        date=day,
        time_precision=precision,
        event_type=event,  # type: ignore[arg-type]
        sub_event_type=sub,
        actors=actors,
        location=where,
        fatalities=CasualtyRange.exactly(3),
        notes="synthetic test incident",
    )


def one(findings: list[Finding], obligation: str) -> Finding:
    (f,) = [f for f in findings if f.obligation == obligation]
    return f


def test_violation_with_chain_of_reasons(agreement: Agreement, actors: ActorRegistry) -> None:
    f = one(
        evaluate(agreement, [incident("a", date(2016, 9, 15))], actors=actors), "no-air-operations"
    )
    assert f.verdict == Verdict.VIOLATION
    assert [r.actor for r in f.responsible] == ["syria-government"]
    assert f.responsible[0].side == "government"
    assert f.reasons[0] == (
        "Air/drone strike (Explosions/Remote violence) at 36.20,37.16 "
        "(Aleppo) on 2016-09-15, phase truce"
    )
    assert f.reasons[-1] == "→ violates no-air-operations (by syria-government)"


def test_permitted_strike_on_excluded_group_in_designated_area(
    agreement: Agreement, actors: ActorRegistry
) -> None:
    inc = incident("b", date(2016, 9, 15), on="islamic-state", where=DEIR)
    f = one(evaluate(agreement, [inc], actors=actors), "no-air-operations")
    assert f.verdict == Verdict.PERMITTED
    assert "inside designated" in f.reasons
    assert f.depends_on_approximate_zone


def test_strike_on_excluded_group_outside_designated_area_violates(
    agreement: Agreement, actors: ActorRegistry
) -> None:
    inc = incident("c", date(2016, 9, 15), on="islamic-state")
    findings = evaluate(agreement, [inc], actors=actors)
    assert one(findings, "no-air-operations").verdict == Verdict.VIOLATION
    # ...but the cessation of hostilities exempts operations against excluded groups anywhere
    assert one(findings, "cease-hostilities").verdict == Verdict.PERMITTED


def test_spoiler_activity_by_excluded_group(agreement: Agreement, actors: ActorRegistry) -> None:
    inc = incident(
        "d",
        date(2016, 9, 15),
        "Shelling/artillery/missile attack",
        by="islamic-state",
        on="syria-government",
    )
    f = one(evaluate(agreement, [inc], actors=actors), "cease-hostilities")
    assert f.verdict == Verdict.SPOILER_ACTIVITY
    assert [r.actor for r in f.responsible] == ["islamic-state"]
    assert "spoiler activity, not a party's violation" in f.reasons[-1]


def test_battle_between_party_and_excluded_group_is_spoiler_activity(
    agreement: Agreement, actors: ActorRegistry
) -> None:
    inc = incident(
        "e",
        date(2016, 9, 15),
        "Armed clash",
        event="Battles",
        by="syria-government",
        on="islamic-state",
    )
    f = one(evaluate(agreement, [inc], actors=actors), "cease-hostilities")
    assert f.verdict == Verdict.SPOILER_ACTIVITY


def test_battle_between_parties_is_a_shared_violation(
    agreement: Agreement, actors: ActorRegistry
) -> None:
    inc = incident("f", date(2016, 9, 15), "Armed clash", event="Battles")
    f = one(evaluate(agreement, [inc], actors=actors), "cease-hostilities")
    assert f.verdict == Verdict.VIOLATION
    assert {r.actor for r in f.responsible} == {"syria-government", "armed-opposition"}
    assert f.attribution_status == AttributionStatus.UNATTRIBUTED
    assert all(r.confidence == 0.5 for r in f.responsible)


def test_before_effect(agreement: Agreement, actors: ActorRegistry) -> None:
    f = one(
        evaluate(agreement, [incident("g", date(2016, 9, 8))], actors=actors), "no-air-operations"
    )
    assert f.verdict == Verdict.BEFORE_EFFECT
    assert f.reasons[0].endswith("before 'no-air-operations' took effect at 2016-09-12 19:00 +0300")
    assert [r.actor for r in f.responsible] == ["syria-government"]


def test_day_of_start_is_flagged_uncertain(agreement: Agreement, actors: ActorRegistry) -> None:
    f = one(
        evaluate(agreement, [incident("h", date(2016, 9, 12))], actors=actors), "no-air-operations"
    )
    assert f.verdict == Verdict.VIOLATION
    assert f.timing_uncertain
    assert f.responsible[0].confidence == 0.4  # likely (0.8) halved for the uncertain date


def test_after_the_last_phase_is_not_applicable(
    agreement: Agreement, actors: ActorRegistry
) -> None:
    f = one(
        evaluate(agreement, [incident("i", date(2016, 9, 25))], actors=actors), "no-air-operations"
    )
    assert f.verdict == Verdict.NOT_APPLICABLE


def test_act_not_prohibited_is_not_applicable(agreement: Agreement, actors: ActorRegistry) -> None:
    inc = incident("j", date(2016, 9, 15), "Arrests", event="Strategic developments")
    f = one(evaluate(agreement, [inc], actors=actors), "cease-hostilities")
    assert f.verdict == Verdict.NOT_APPLICABLE
    assert "not an act that 'cease-hostilities' prohibits" in f.reasons[0]


def test_party_not_bound_by_obligation(agreement: Agreement, actors: ActorRegistry) -> None:
    inc = incident("k", date(2016, 9, 15), by="armed-opposition", on="syria-government")
    f = one(evaluate(agreement, [inc], actors=actors), "no-air-operations")
    assert f.verdict == Verdict.NOT_APPLICABLE
    assert "not bound by 'no-air-operations' (it binds government)" in f.reasons[-1]


def test_broker_act_against_a_party_is_not_a_party_violation(
    agreement: Agreement, actors: ActorRegistry
) -> None:
    inc = incident("l", date(2016, 9, 17), by="us-led-coalition", on="syria-government", where=DEIR)
    f = one(evaluate(agreement, [inc], actors=actors), "cease-hostilities")
    assert f.verdict == Verdict.NOT_APPLICABLE
    assert f.broker_involved == "united-states"
    assert "recorded as a broker's act against syria-government" in f.reasons[-1]


def test_ally_who_is_also_broker_answers_as_ally(
    agreement: Agreement, actors: ActorRegistry
) -> None:
    f = one(
        evaluate(agreement, [incident("m", date(2016, 9, 15), by="russia")], actors=actors),
        "no-air-operations",
    )
    assert f.verdict == Verdict.VIOLATION
    assert f.responsible[0].side == "government"


def test_unidentified_perpetrator_is_an_unattributed_violation(
    agreement: Agreement, actors: ActorRegistry
) -> None:
    inc = incident("n", date(2016, 9, 15), by="unidentified")
    f = one(evaluate(agreement, [inc], actors=actors), "cease-hostilities")
    assert f.verdict == Verdict.VIOLATION
    assert f.responsible == []
    assert f.attribution_status == AttributionStatus.UNATTRIBUTED


def test_claims_make_responsibility_contested(agreement: Agreement, actors: ActorRegistry) -> None:
    inc = incident("o", date(2016, 9, 15), by="unidentified")
    sources = [
        Source(
            id="monitor-a",
            name="Monitor A (synthetic)",
            kind=SourceKind.MONITOR,
            reliability=Reliability.B,
        ),
        Source(
            id="ngo-b", name="NGO B (synthetic)", kind=SourceKind.NGO, reliability=Reliability.B
        ),
        Source(
            id="ministry",
            name="Ministry (synthetic)",
            kind=SourceKind.PARTY_STATEMENT,
            reliability=Reliability.D,
        ),
    ]
    claims = [
        Claim(
            id="c1",
            incident="o",
            claimant="sohr",
            kind=ClaimKind.ACCUSES,
            subject="russia",
            text="synthetic",
            date=date(2016, 9, 16),
            source="monitor-a",
            credibility="2",
        ),
        Claim(
            id="c2",
            incident="o",
            claimant="sohr",
            kind=ClaimKind.ACCUSES,
            subject="syria-government",
            text="synthetic",
            date=date(2016, 9, 16),
            source="ngo-b",
            credibility="2",
        ),
        Claim(
            id="c3",
            incident="o",
            claimant="russia",
            kind=ClaimKind.DENIES,
            subject="russia",
            text="synthetic",
            date=date(2016, 9, 17),
            source="ministry",
            credibility="4",
        ),
    ]
    f = one(evaluate(agreement, [inc], claims, actors=actors, sources=sources), "cease-hostilities")
    assert f.verdict == Verdict.VIOLATION
    assert f.attribution_status == AttributionStatus.CONTESTED
    assert {r.actor for r in f.responsible} == {"russia", "syria-government"}
    assert "contested between" in f.reasons[-1]


def test_every_incident_meets_every_event_obligation(
    agreement: Agreement, actors: ActorRegistry
) -> None:
    incs = [incident(str(i), date(2016, 9, 10 + i)) for i in range(5)]
    findings = evaluate(agreement, incs, actors=actors)
    assert len(findings) == 5 * 2
    assert {(f.incident, f.obligation) for f in findings} == {
        (str(i), ob) for i in range(5) for ob in ("no-air-operations", "cease-hostilities")
    }


@pytest.mark.parametrize(
    ("party_share", "verdict"),
    [(0.1, Verdict.SPOILER_ACTIVITY), (0.19, Verdict.SPOILER_ACTIVITY), (0.3, Verdict.VIOLATION)],
)
def test_a_minor_account_naming_a_party_does_not_make_a_spoilers_act_a_violation(
    agreement: Agreement, actors: ActorRegistry, party_share: float, verdict: Verdict
) -> None:
    """Below CONTEST_SHARE a party's account is kept in the reasons but not weighed."""
    inc = incident("minor", date(2016, 9, 15), by="iran-backed-militias")
    attribution = Attribution(
        incident="minor",
        shares={"iran-backed-militias": 1 - party_share, "syria-government": party_share},
        status=AttributionStatus.CONTESTED,
    )
    f = one(
        evaluate(agreement, [inc], actors=actors, attributions={"minor": attribution}),
        "cease-hostilities",
    )
    assert f.verdict == verdict
    if verdict == Verdict.SPOILER_ACTIVITY:
        assert [r.actor for r in f.responsible] == ["iran-backed-militias"]
        assert (
            "accounts below a 0.20 share, kept but not weighed for the verdict: "
            f"syria-government (member of side government) {party_share:.2f}"
        ) in f.reasons
    else:
        assert [r.actor for r in f.responsible] == ["syria-government"]
