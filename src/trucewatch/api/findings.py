"""Findings and the compliance matrix, as the caller may see them.

Both come from the agreement evaluated over every stored incident, kept in
the app's ``EvaluationCache`` until the data changes, then narrowed to what
the caller may see (``browse.visible_findings``): the public's matrix counts
published incidents only; a party's liaison also sees the findings about
their own party before publication.

``GET /api/compliance?agreement=ID`` answers exactly
``ComplianceMatrix.as_dict()``; benchmarks and users' scripts read it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from trucewatch.api.agreements import AGREEMENT_ID, evaluable
from trucewatch.api.deps import Reader, StateDep
from trucewatch.api.incidents import VerdictName
from trucewatch.browse import cursor_parts, encode_cursor, visible_compliance, visible_findings
from trucewatch.domain import Agreement, Finding
from trucewatch.views import finding_json
from trucewatch.visibility import party_of_finding

router = APIRouter(prefix="/api", tags=["findings"])

DEFAULT_FINDINGS = 200
MAX_FINDINGS = 2000

AgreementQuery = Annotated[
    str,
    Query(pattern=AGREEMENT_ID, max_length=100, description="an agreement id"),
]


def _cursor(f: Finding) -> str:
    return encode_cursor(f.incident, f.obligation)


def _after(cursor: str) -> tuple[str, str]:
    incident, obligation = cursor_parts(cursor, 2)
    return incident, obligation


def about_party(f: Finding, agreement: Agreement, party: str) -> bool:
    """Whether a finding holds ``party`` (an actor id or a side name) possibly responsible."""
    return party in party_of_finding(f, agreement)


@router.get("/findings", summary="Findings of an agreement")
def findings_list(
    st: StateDep,
    user: Reader,
    agreement: AgreementQuery,
    verdict: VerdictName | None = None,
    incident: Annotated[str | None, Query(max_length=200)] = None,
    party: Annotated[
        str | None,
        Query(max_length=100, description="an actor id or side: findings naming it responsible"),
    ] = None,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_FINDINGS)] = DEFAULT_FINDINGS,
) -> dict[str, Any]:
    """Incident × obligation findings you may see, by incident then obligation.

    Each carries its verdict, who is held responsible with what confidence,
    whether responsibility is contested, and the chain of reasons.
    """
    terms, found = visible_findings(
        st.db, user, evaluable(agreement), cache=st.cache, verdict=verdict, incident=incident
    )
    if party is not None:
        found = [f for f in found if about_party(f, terms, party)]
    found.sort(key=lambda f: (f.incident, f.obligation))
    if cursor:
        after = _after(cursor)
        found = [f for f in found if (f.incident, f.obligation) > after]
    page = found[:limit]
    return {
        "agreement": terms.id,
        "items": [finding_json(f) for f in page],
        "next_cursor": _cursor(page[-1]) if len(found) > limit else None,
    }


@router.get("/compliance", summary="Compliance matrix of an agreement")
def compliance(st: StateDep, user: Reader, agreement: AgreementQuery) -> dict[str, object]:
    """Violations per party and obligation (attributed alone / contested), over what you see."""
    matrix = visible_compliance(st.db, user, evaluable(agreement), cache=st.cache)
    return matrix.as_dict()
