"""One incident with everything behind it, incidents as GeoJSON, claims, parties' replies.

What a caller sees of an incident depends on who they are (``visibility``):

- the incident itself only if their scope includes it (else 404, exactly as
  for a missing one, so its existence does not leak);
- claims with their sources and Admiralty grades, the attribution, the
  findings (per agreement when ``?agreement=`` is given) and parties'
  replies — to everyone who sees the incident;
- evidence items by SHA-256, kind and collection time; where they are
  stored and who collected them only for the mission's analysts;
- field reports without the witness and the exact place the account was
  given, unless the caller may see them (an analyst, or the monitor who
  recorded the report);
- the audit history and the import provenance (file, line, raw values)
  only for users who ``sees_provenance``.

``incident_view`` builds the answer from the app's state, not from a
request, so the dashboard shows exactly what the API answers.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from trucewatch.accounts import Permission, Role, User
from trucewatch.api.agreements import AGREEMENT_ID, GEOJSON, evaluable
from trucewatch.api.deps import Reader, StateDep, check_csrf, require
from trucewatch.api.incidents import IncidentQuery
from trucewatch.browse import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    list_incidents,
    visible_findings,
    visible_incident_row,
)
from trucewatch.errors import InputError, Problem
from trucewatch.store.claims import load_claims, load_sources
from trucewatch.views import claim_json, incident_view, worst_verdict
from trucewatch.visibility import (
    finding_is_about,
)
from trucewatch.workflow import add_reply

router = APIRouter(prefix="/api", tags=["incidents"])

Replier = Annotated[User, Depends(require(Permission.REPLY))]

AgreementParam = Annotated[
    str | None,
    Query(
        pattern=AGREEMENT_ID,
        max_length=100,
        description="an agreement id: adds its findings (and verdicts) for the incident",
    ),
]

# --------------------------------------------------------------------------- routes
# Registered before /incidents/{incident_id} so that the list's GeoJSON form is
# never read as an incident id (the paths differ, but the order makes it certain).


@router.get(
    "/incidents.geojson",
    summary="Incidents as GeoJSON",
    response_class=JSONResponse,
    responses={200: {"content": {GEOJSON: {}}}},
)
def incidents_geojson(
    st: StateDep,
    user: Reader,
    q: Annotated[IncidentQuery, Query()],
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> JSONResponse:
    """The incidents you may see (filters as GET /api/incidents), one Point feature each.

    With ``agreement`` each feature carries its verdict per obligation and
    the most serious one (``verdict``), for colouring a map.
    """
    f = q.to_filter()
    if f.agreement is not None:
        evaluable(f.agreement)
    page = list_incidents(st.db, user, f, cursor=cursor, limit=limit, cache=st.cache)
    by_incident = st.cache.get(st.db, f.agreement).by_incident if f.agreement else {}
    features = []
    for item in page.items:
        where = item["location"]
        findings = by_incident.get(item["id"], [])
        properties = {
            "id": item["id"],
            "date": item["date"],
            "date_precision": item["date_precision"],
            "event_type": item["event_type"],
            "sub_event_type": item["sub_event_type"],
            "location": where["name"],
            "admin1": where.get("admin1"),
            "geo_precision": where["geo_precision"],
            "fatalities": item["fatalities"]["best"],
            "actors": [a["name"] for a in item["actors"]],
            "tags": item["tags"],
            "status": item["status"],
            "published": item["published"],
        }
        if f.agreement:
            properties["verdict"] = worst_verdict(findings)
            properties["verdicts"] = {x.obligation: x.verdict.value for x in findings}
        features.append(
            {
                "type": "Feature",
                "id": item["id"],
                "geometry": {
                    "type": "Point",
                    "coordinates": [where["longitude"], where["latitude"]],
                },
                "properties": properties,
            }
        )
    body = {
        "type": "FeatureCollection",
        "agreement": f.agreement,
        "next_cursor": page.next_cursor,
        "features": features,
    }
    return JSONResponse(body, media_type=GEOJSON)


@router.get("/incidents/{incident_id}", summary="One incident with everything behind it")
def incident_get(
    st: StateDep, user: Reader, incident_id: str, agreement: AgreementParam = None
) -> dict[str, Any]:
    """The incident, its claims, attribution, findings, replies, evidence and field reports.

    Provenance (reports with file, line and raw values) and the audit
    history are included only for analysts and admins.
    """
    return incident_view(st.db, st.cache, user, incident_id, agreement)


@router.get("/claims", summary="Claims about an incident")
def claims_list(
    st: StateDep,
    user: Reader,
    incident: Annotated[str, Query(min_length=1, max_length=200, description="an incident id")],
) -> dict[str, Any]:
    """Accusations, admissions, denials and other explanations, with their graded sources."""
    row = visible_incident_row(st.db, user, incident)
    with st.db.engine.connect() as conn:
        claims = load_claims(conn, [row["id"]])
        sources = {s.id: s for s in load_sources(conn)}
    return {"incident": row["id"], "items": [claim_json(c, sources) for c in claims]}


class ReplyIn(BaseModel):
    """A party's reply to one finding: which agreement and obligation, and the text."""

    agreement: str = Field(pattern=AGREEMENT_ID, max_length=100)
    obligation: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=1, max_length=20000)
    party: str | None = Field(
        None,
        max_length=100,
        description="the party replying (an actor id); a liaison's own party if left out. "
        "An admin recording a reply received otherwise must name it.",
    )


class ReplyOut(BaseModel):
    """The reply stored."""

    id: int
    incident: str
    agreement: str
    obligation: str
    party: str


@router.post(
    "/incidents/{incident_id}/replies",
    status_code=201,
    response_model=ReplyOut,
    dependencies=[Depends(check_csrf)],
    summary="Reply to a finding about your party",
)
def reply_add(st: StateDep, user: Replier, incident_id: str, body: ReplyIn) -> ReplyOut:
    """The right of reply: a party's liaison answers a finding that names their party.

    Refused (403) when the finding does not name the party or its side;
    audited with your name.
    """
    party = reply_party(user, body.party)
    speaker = dataclasses.replace(user, party=party)
    agreement_id = evaluable(body.agreement)
    agreement, findings = visible_findings(
        st.db, speaker, agreement_id, cache=st.cache, incident=incident_id
    )
    finding = next((f for f in findings if f.obligation == body.obligation), None)
    if finding is None:
        if not findings:
            raise LookupError(incident_id)
        raise InputError(
            [
                Problem(
                    "obligation",
                    None,
                    f"{agreement_id} has no finding on obligation '{body.obligation}' "
                    f"for {incident_id}",
                    f"its findings there: {', '.join(f.obligation for f in findings)}",
                )
            ]
        )
    if not finding_is_about(speaker, finding, agreement):
        named = sorted({r.actor for r in finding.responsible}) or ["nobody"]
        raise HTTPException(
            403,
            f"the finding on '{body.obligation}' for {incident_id} names {', '.join(named)}, "
            f"not {party} or its side: a party replies only to findings about it",
        )
    reply_id = add_reply(
        st.db,
        agreement_id=agreement_id,
        incident_id=finding.incident,
        obligation=body.obligation,
        party=party,
        user=user.name,
        text=body.text,
    )
    return ReplyOut(
        id=reply_id,
        incident=finding.incident,
        agreement=agreement_id,
        obligation=body.obligation,
        party=party,
    )


def reply_party(user: User, asked: str | None) -> str:
    """The party a reply speaks for: a liaison's own; an admin must name one."""
    if user.role == Role.PARTY_LIAISON:
        if asked is not None and asked != user.party:
            raise HTTPException(403, f"you speak for {user.party}; you may not reply for {asked}")
        assert user.party is not None  # accounts.add_user requires it of a liaison
        return user.party
    if asked is None:
        raise InputError(
            [
                Problem(
                    "party",
                    None,
                    "a reply recorded by someone other than the party's liaison must name "
                    "the party",
                    'give "party": ACTOR_ID (e.g. "syria-government")',
                )
            ]
        )
    return asked
