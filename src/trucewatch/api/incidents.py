"""Incidents: lists with filters and cursor pages, one incident, GeoJSON, review.

Lists are newest first.  ``next_cursor`` is opaque: pass it back as
``cursor`` for the next page; it stays valid while records are added.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from trucewatch.accounts import Permission, User
from trucewatch.api.deps import StateDep, check_csrf, require
from trucewatch.browse import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    IncidentFilter,
    list_incidents,
    visible_incident_row,
)
from trucewatch.workflow import STATUSES, change_status, set_published

router = APIRouter(prefix="/api", tags=["incidents"])

Reader = Annotated[User, Depends(require(Permission.READ))]
Verifier = Annotated[User, Depends(require(Permission.VERIFY))]
Publisher = Annotated[User, Depends(require(Permission.PUBLISH))]

Status = Literal["reported", "under_review", "verified", "disputed", "dismissed"]
VerdictName = Literal[
    "violation", "permitted", "spoiler_activity", "before_effect", "not_applicable"
]


class IncidentQuery(BaseModel):
    """The filters of an incident list (all optional)."""

    date_from: date | None = Field(None, description="first day, YYYY-MM-DD")
    date_to: date | None = Field(None, description="last day, YYYY-MM-DD")
    area: str | None = Field(None, max_length=200, description="admin1 name, e.g. Aleppo")
    actor: str | None = Field(None, max_length=100, description="registry actor id")
    event_type: str | None = Field(None, max_length=60, description="ACLED event type")
    sub_event_type: str | None = Field(None, max_length=60, description="ACLED sub-event type")
    status: Status | None = None
    agreement: str | None = Field(
        None,
        max_length=100,
        pattern=r"^[a-z0-9][a-z0-9-]*$",
        description="an agreement id; needed by zone and verdict",
    )
    zone: str | None = Field(None, max_length=100, description="a zone id of the agreement")
    verdict: VerdictName | None = None

    def to_filter(self) -> IncidentFilter:
        """The service-level filter."""
        return IncidentFilter(**self.model_dump())


class IncidentPage(BaseModel):
    """One page of incidents and the cursor of the next."""

    items: list[dict[str, Any]]
    next_cursor: str | None


@router.get("/incidents", response_model=IncidentPage, summary="List incidents")
def incidents_list(
    st: StateDep,
    user: Reader,
    q: Annotated[IncidentQuery, Query()],
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> IncidentPage:
    """The incidents you may see, newest first, filtered; ``next_cursor`` pages on."""
    page = list_incidents(st.db, user, q.to_filter(), cursor=cursor, limit=limit, cache=st.cache)
    return IncidentPage(items=page.items, next_cursor=page.next_cursor)


class StatusChangeIn(BaseModel):
    """A verification step: to which status, why, and the version you looked at."""

    to: Status
    reason: str = Field(min_length=1, max_length=4000)
    version: int | None = Field(
        None, ge=1, description="the incident's version you decided on (409 if it moved on)"
    )


class StatusChangeOut(BaseModel):
    """The status change made."""

    incident: str
    from_status: str
    to_status: str
    version: int


@router.post(
    "/incidents/{incident_id}/status",
    response_model=StatusChangeOut,
    dependencies=[Depends(check_csrf)],
    summary="Move an incident through verification",
)
def incident_status(
    st: StateDep, user: Verifier, incident_id: str, body: StatusChangeIn
) -> StatusChangeOut:
    """reported → under_review → verified | disputed | dismissed; audited with your name."""
    row = visible_incident_row(st.db, user, incident_id)
    change = change_status(
        st.db,
        row["id"],
        to=body.to,
        user=user.name,
        reason=body.reason,
        expected_version=body.version,
    )
    for hook in st.status_hooks:
        hook(st, row["id"], change)
    # With a version sent, the change made exactly the next one; read back, the
    # row could already carry another writer's later version.
    version = (
        body.version + 1
        if body.version is not None
        else int(visible_incident_row(st.db, user, row["id"])["version"])
    )
    return StatusChangeOut(
        incident=row["id"],
        from_status=change.from_status,
        to_status=change.to_status,
        version=version,
    )


class PublishIn(BaseModel):
    """Publish or withdraw an incident."""

    published: bool = True
    reason: str = Field(min_length=1, max_length=4000)
    version: int | None = Field(None, ge=1)


@router.post(
    "/incidents/{incident_id}/publish",
    dependencies=[Depends(check_csrf)],
    summary="Publish or withdraw an incident",
)
def incident_publish(
    st: StateDep, user: Publisher, incident_id: str, body: PublishIn
) -> dict[str, Any]:
    """Only a verified or disputed incident can be published; audited with your name."""
    row = visible_incident_row(st.db, user, incident_id)
    version = set_published(
        st.db,
        row["id"],
        published=body.published,
        user=user.name,
        reason=body.reason,
        expected_version=body.version,
    )
    return {"incident": row["id"], "published": body.published, "version": version}


assert set(STATUSES) == set(Status.__args__)  # type: ignore[attr-defined]
