"""Who sees what, rule by rule (pure: no database)."""

from __future__ import annotations

from trucewatch.accounts import ANONYMOUS, Role, User
from trucewatch.actors import ActorRegistry
from trucewatch.agreements import agreement_path, load_agreement
from trucewatch.domain import Finding, Responsibility, Verdict
from trucewatch.visibility import (
    SENSITIVE_FIELDS,
    can_see_finding,
    can_see_incident,
    finding_is_about,
    redact_field_report,
)

ANALYST = User(1, "analyst1", Role.ANALYST)
MONITOR = User(2, "monitor1", Role.MONITOR)
OTHER_MONITOR = User(3, "monitor2", Role.MONITOR)
LIAISON = User(4, "liaison1", Role.PARTY_LIAISON, party="syria-government")
OPPOSITION_LIAISON = User(5, "liaison2", Role.PARTY_LIAISON, party="armed-opposition")
PUBLIC = User(6, "public1", Role.PUBLIC)

REPORT = {
    "id": 1,
    "incident_id": "field:fr-1",
    "user_name": "monitor1",
    "client_ref": "phone-42",
    "description": "shelling heard to the east",
    "witness": "a name that must not leave the mission",
    "source_latitude": 36.2,
    "source_longitude": 37.1,
}


def test_unpublished_incidents_are_seen_by_analysts_and_their_monitor_only() -> None:
    def sees(u: User) -> bool:
        return can_see_incident(u, published=False, submitted_by="monitor1")

    assert sees(ANALYST) and sees(MONITOR)
    assert not any(sees(u) for u in (OTHER_MONITOR, LIAISON, PUBLIC, ANONYMOUS))
    for u in (ANALYST, MONITOR, OTHER_MONITOR, LIAISON, PUBLIC, ANONYMOUS):
        assert can_see_incident(u, published=True, submitted_by="monitor1")


def test_sensitive_fields_reach_analysts_and_the_recording_monitor_only() -> None:
    for u in (ANALYST, MONITOR):
        assert redact_field_report(REPORT, u) == REPORT
    for u in (OTHER_MONITOR, LIAISON, PUBLIC, ANONYMOUS):
        shown = redact_field_report(REPORT, u)
        assert not set(SENSITIVE_FIELDS) & set(shown)
        assert "a name that must not" not in repr(shown)
        assert shown["description"] == "shelling heard to the east"


def test_a_liaison_sees_findings_about_their_party_or_its_side_only() -> None:
    agreement = load_agreement(
        agreement_path("syria-2016-09-us-russia"), actors=ActorRegistry.shipped()
    )
    about_russia = Finding(
        incident="x",
        obligation="humanitarian-access",
        verdict=Verdict.VIOLATION,
        responsible=[Responsibility(actor="russia", side="government", confidence=0.5)],
    )
    # Russia is an ally on the government side: the government's liaison sees it.
    assert finding_is_about(LIAISON, about_russia, agreement)
    assert not finding_is_about(OPPOSITION_LIAISON, about_russia, agreement)
    assert can_see_finding(LIAISON, about_russia, agreement, incident_visible=False)
    assert not can_see_finding(OPPOSITION_LIAISON, about_russia, agreement, incident_visible=False)
    assert not can_see_finding(PUBLIC, about_russia, agreement, incident_visible=False)
    assert can_see_finding(PUBLIC, about_russia, agreement, incident_visible=True)
