"""Alert subscriptions and their deliveries.

A subscription belongs to the user who made it; an admin sees and can end
everyone's.  Bad input (an e-mail that is not one, a URL that is not http(s),
an agreement, obligation, zone or actor that does not exist) comes back as
400 with what is wrong and how to fix it.  A webhook's signing secret is in
the answer to its creation, once.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, Field

from trucewatch.accounts import Permission, User
from trucewatch.alerts import (
    DELIVERY_STATUSES,
    list_deliveries,
    list_subscriptions,
    subscribe,
    unsubscribe,
)
from trucewatch.api.deps import StateDep, check_csrf, require

router = APIRouter(prefix="/api/alerts", tags=["alerts"])

Subscriber = Annotated[User, Depends(require(Permission.SUBSCRIBE))]
Reviewer = Annotated[User, Depends(require(Permission.READ_ALL))]


class SubscriptionIn(BaseModel):
    """A new subscription: a channel and its target, and any filters (absent: everything)."""

    channel: str = Field(description="email | webhook", max_length=20)
    target: str = Field(
        description="an e-mail address, or the http(s) URL of your receiver", max_length=2000
    )
    agreement: str | None = Field(None, max_length=100, description="an agreement id")
    party: str | None = Field(
        None,
        max_length=100,
        description="an actor id: findings holding it (or its side) responsible; "
        "a liaison's is always their own party",
    )
    obligation: str | None = Field(None, max_length=100, description="an obligation id")
    zone: str | None = Field(None, max_length=100, description="a zone id of the agreement")
    min_fatalities: int = Field(
        0, description="only incidents whose best fatality estimate is at least this"
    )


class SubscriptionOut(BaseModel):
    """A subscription; ``secret`` only in the answer to a webhook's creation."""

    id: int
    user: str
    channel: str
    target: str
    agreement: str | None
    party: str | None
    obligation: str | None
    zone: str | None
    min_fatalities: int
    active: bool
    created_at: str
    secret: str | None = Field(
        None, description="the webhook signing secret: shown once, keep it for your receiver"
    )


@router.post(
    "/subscriptions",
    response_model=SubscriptionOut,
    status_code=201,
    dependencies=[Depends(check_csrf)],
    summary="Subscribe to alerts",
)
def subscription_create(st: StateDep, user: Subscriber, body: SubscriptionIn) -> SubscriptionOut:
    """Be told when a verified incident violates what you follow; audited with your name."""
    sub, secret = subscribe(st.db, user, **body.model_dump())
    return SubscriptionOut(**sub.as_json(), secret=secret)


@router.get(
    "/subscriptions", response_model=list[SubscriptionOut], summary="List your subscriptions"
)
def subscription_list(st: StateDep, user: Subscriber) -> list[SubscriptionOut]:
    """Your live subscriptions (an admin's list holds everyone's)."""
    return [SubscriptionOut(**s.as_json()) for s in list_subscriptions(st.db, viewer=user)]


@router.delete(
    "/subscriptions/{subscription_id}",
    status_code=204,
    dependencies=[Depends(check_csrf)],
    summary="End a subscription",
)
def subscription_delete(
    st: StateDep,
    user: Subscriber,
    subscription_id: Annotated[int, Path(ge=1, le=2_147_483_647)],
) -> Response:
    """End one of your subscriptions (404 for another user's); audited with your name."""
    unsubscribe(st.db, user, subscription_id)
    return Response(status_code=204)


@router.get("/deliveries", summary="List alert deliveries")
def delivery_list(
    st: StateDep,
    _user: Reviewer,
    status: Annotated[
        str | None, Query(max_length=20, description=" | ".join(DELIVERY_STATUSES))
    ] = None,
    incident: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[dict[str, Any]]:
    """Every alert sent or tried, newest first: failed ones wait for `trucewatch alerts retry`."""
    return [
        d.as_json() for d in list_deliveries(st.db, status=status, incident=incident, limit=limit)
    ]
