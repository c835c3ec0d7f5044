"""Attribution v1: claims weighed by source grade; contests are never hidden.

Sources and claims here are synthetic (named so); actor ids are registry ids.
"""

from __future__ import annotations

from datetime import date

from trucewatch.domain import (
    AttributionStatus,
    Claim,
    ClaimKind,
    Incident,
    IncidentActor,
    Location,
    Reliability,
    Role,
    Source,
    SourceKind,
)
from trucewatch.verify import attribute

INC = Incident(
    id="x",
    date=date(2016, 9, 19),
    event_type="Explosions/Remote violence",
    sub_event_type="Air/drone strike",
    actors=[
        IncidentActor(name="Unidentified Military Forces", id="unidentified", role=Role.PERPETRATOR)
    ],
    location=Location(name="Synthetic place", latitude=36.1, longitude=36.9),
    notes="synthetic test incident",
)
MONITOR = Source(
    id="mon", name="Synthetic monitor", kind=SourceKind.MONITOR, reliability=Reliability.B
)
MONITOR2 = Source(
    id="mon2", name="Second synthetic monitor", kind=SourceKind.NGO, reliability=Reliability.A
)
REPOST = Source(
    id="repost",
    name="Outlet reposting the monitor",
    kind=SourceKind.MEDIA,
    reliability=Reliability.B,
    independence_group="mon",
)
PARTY = Source(
    id="party",
    name="A party's ministry (synthetic)",
    kind=SourceKind.PARTY_STATEMENT,
    reliability=Reliability.B,
)
SOURCES = {s.id: s for s in (MONITOR, MONITOR2, REPOST, PARTY)}


def claim(
    cid: str,
    kind: ClaimKind,
    subject: str | None,
    source: str,
    claimant: str = "sohr",
    credibility: str = "2",
) -> Claim:
    return Claim(
        id=cid,
        incident="x",
        claimant=claimant,
        kind=kind,
        subject=subject,
        text="synthetic",
        date=date(2016, 9, 20),
        source=source,
        credibility=credibility,
    )  # type: ignore[arg-type]


def test_nothing_points_at_anyone_is_unattributed() -> None:
    a = attribute(INC, [], SOURCES, not_attributable=frozenset({"unidentified"}))
    assert a.status == AttributionStatus.UNATTRIBUTED
    assert a.shares == {}


def test_admission_confirms() -> None:
    claims = [
        claim("c1", ClaimKind.ADMITS, "us-led-coalition", "party", claimant="us-led-coalition")
    ]
    a = attribute(INC, claims, SOURCES, not_attributable=frozenset({"unidentified"}))
    assert a.status == AttributionStatus.CONFIRMED
    assert a.leading()[0] == "us-led-coalition"


def test_two_independent_reliable_sources_confirm() -> None:
    claims = [
        claim("c1", ClaimKind.ACCUSES, "russia", "mon"),
        claim("c2", ClaimKind.ACCUSES, "russia", "mon2", claimant="human-rights-watch"),
    ]
    a = attribute(INC, claims, SOURCES, not_attributable=frozenset({"unidentified"}))
    assert a.status == AttributionStatus.CONFIRMED


def test_one_claimant_quoted_by_two_outlets_is_one_source() -> None:
    claims = [
        claim("c1", ClaimKind.ACCUSES, "russia", "mon"),
        claim("c2", ClaimKind.ACCUSES, "russia", "mon2"),
    ]  # sohr, twice
    a = attribute(INC, claims, SOURCES, not_attributable=frozenset({"unidentified"}))
    assert a.status == AttributionStatus.LIKELY


def test_reposts_are_not_corroboration() -> None:
    claims = [
        claim("c1", ClaimKind.ACCUSES, "russia", "mon"),
        claim("c2", ClaimKind.ACCUSES, "russia", "repost"),
    ]
    a = attribute(INC, claims, SOURCES, not_attributable=frozenset({"unidentified"}))
    assert a.status == AttributionStatus.LIKELY  # one independent source, not two


def test_denial_alone_never_clears() -> None:
    claims = [
        claim("c1", ClaimKind.ACCUSES, "russia", "mon"),
        claim("c2", ClaimKind.DENIES, "russia", "party", claimant="russia", credibility="1"),
    ]
    a = attribute(INC, claims, SOURCES, not_attributable=frozenset({"unidentified"}))
    assert a.shares["russia"] > 0
    assert a.status == AttributionStatus.CONTESTED


def test_party_statement_counts_for_less_than_a_monitor() -> None:
    claims = [
        claim("c1", ClaimKind.ACCUSES, "russia", "mon"),
        claim("c2", ClaimKind.ACCUSES, "syria-government", "party", claimant="united-states"),
    ]
    a = attribute(INC, claims, SOURCES, not_attributable=frozenset({"unidentified"}))
    assert a.shares["russia"] > a.shares["syria-government"]


def test_competing_credible_accusations_are_contested() -> None:
    claims = [
        claim("c1", ClaimKind.ACCUSES, "russia", "mon"),
        claim("c2", ClaimKind.ACCUSES, "syria-government", "mon2"),
    ]
    a = attribute(INC, claims, SOURCES, not_attributable=frozenset({"unidentified"}))
    assert a.status == AttributionStatus.CONTESTED
    assert set(a.contested_between) == {"russia", "syria-government"}
    assert a.reasons  # every weight is explained


LOW_PARTY = Source(
    id="low-party",
    name="A party's channel (synthetic)",
    kind=SourceKind.PARTY_STATEMENT,
    reliability=Reliability.E,
)
GRADED = {**SOURCES, LOW_PARTY.id: LOW_PARTY}


def test_recording_an_admission_confirms_a_test_incident() -> None:
    before = attribute(
        INC,
        [claim("c1", ClaimKind.ACCUSES, "russia", "mon")],
        GRADED,
        not_attributable=frozenset({"unidentified"}),
    )
    assert before.status == AttributionStatus.LIKELY
    claims = [
        claim("c1", ClaimKind.ACCUSES, "russia", "mon"),
        claim("c2", ClaimKind.ADMITS, "russia", "low-party", claimant="russia"),
    ]
    after = attribute(INC, claims, GRADED, not_attributable=frozenset({"unidentified"}))
    assert after.status == AttributionStatus.CONFIRMED
    assert after.leading()[0] == "russia"


def test_a_low_graded_partys_denial_alone_does_not_move_a_confirmed_attribution() -> None:
    confirmed = [
        claim("c1", ClaimKind.ACCUSES, "russia", "mon"),
        claim("c2", ClaimKind.ACCUSES, "russia", "mon2", claimant="human-rights-watch"),
    ]
    base = attribute(INC, confirmed, GRADED, not_attributable=frozenset({"unidentified"}))
    assert base.status == AttributionStatus.CONFIRMED
    denial = claim(
        "c3", ClaimKind.DENIES, "russia", "low-party", claimant="russia", credibility="4"
    )
    after = attribute(
        INC, [*confirmed, denial], GRADED, not_attributable=frozenset({"unidentified"})
    )
    assert after.status == AttributionStatus.CONFIRMED
    assert any("denies" in r for r in after.reasons)  # recorded and shown, not hidden


def test_a_weighty_denial_does_block_confirmation() -> None:
    confirmed = [
        claim("c1", ClaimKind.ACCUSES, "russia", "mon"),
        claim("c2", ClaimKind.ACCUSES, "russia", "mon2", claimant="human-rights-watch"),
    ]
    denial = claim("c3", ClaimKind.DENIES, "russia", "party", claimant="russia", credibility="1")
    after = attribute(
        INC, [*confirmed, denial], GRADED, not_attributable=frozenset({"unidentified"})
    )
    assert after.status == AttributionStatus.LIKELY
