"""Who may see what: the scope of each role and the fields it never sees.

Pure rules, no I/O, so the API, the dashboard and the exports apply the same
ones and a test can check them one by one.

- Admins and analysts see everything, sensitive fields included.
- A monitor sees what is published and what they submitted themselves.
- A party's liaison sees what is published, and the findings about their own
  party (published or not): the right of reply needs them before publication.
- The public sees published incidents only.

Sensitive fields — a witness's identity, the exact place an account was given
— are shown only to admins, analysts and the monitor who recorded them.
"""

from __future__ import annotations

from trucewatch.accounts import Permission, Role, User
from trucewatch.domain import Agreement, Finding

#: Fields of a field report nobody outside the mission's analysts (and the
#: monitor who recorded it) may see: the witness, the exact place the account
#: was given, and the recording monitor's name and phone key — in a conflict
#: zone a monitor's name is as dangerous to publish as a witness's.
SENSITIVE_FIELDS = ("witness", "source_latitude", "source_longitude", "user_name", "client_ref")


def sees_all(user: User) -> bool:
    """Whether the user sees every incident, unpublished ones included."""
    return user.can(Permission.READ_ALL)


def can_see_incident(user: User, *, published: bool, submitted_by: str | None) -> bool:
    """Whether ``user`` may see an incident at all."""
    if sees_all(user):
        return True
    if published:
        return user.can(Permission.READ)
    return user.role == Role.MONITOR and submitted_by == user.name


def sees_sensitive(user: User, *, recorded_by: str | None) -> bool:
    """Whether ``user`` may see a field report's witness and exact source location."""
    return sees_all(user) or (user.role == Role.MONITOR and recorded_by == user.name)


def sees_provenance(user: User) -> bool:
    """Whether ``user`` may see the files, rows and raw values behind an incident.

    Raw rows can carry what the public version leaves out (monitor names,
    exact coordinates of a source), so only the mission's analysts see them.
    """
    return sees_all(user)


def party_of_finding(finding: Finding, agreement: Agreement) -> set[str]:
    """Every actor and side a finding holds (possibly) responsible."""
    named: set[str] = set()
    for r in finding.responsible:
        named.add(r.actor)
        if r.side:
            named.add(r.side)
    return named


def finding_is_about(user: User, finding: Finding, agreement: Agreement) -> bool:
    """Whether a finding names the liaison's party, or the side their party is on."""
    if user.party is None:
        return False
    named = party_of_finding(finding, agreement)
    if user.party in named:
        return True
    sides = {
        name
        for name, side in agreement.sides.items()
        if user.party in side.members or user.party in side.allies
    }
    return bool(sides & named)


def can_see_finding(
    user: User, finding: Finding, agreement: Agreement, *, incident_visible: bool
) -> bool:
    """Whether ``user`` may see one finding, given whether its incident is visible to them."""
    if incident_visible:
        return True
    return user.role == Role.PARTY_LIAISON and finding_is_about(user, finding, agreement)


def redact_field_report(report: dict[str, object], user: User) -> dict[str, object]:
    """A field report as ``user`` may see it: sensitive fields removed unless allowed."""
    if sees_sensitive(user, recorded_by=str(report.get("user_name") or "")):
        return dict(report)
    return {k: v for k, v in report.items() if k not in SENSITIVE_FIELDS}
