"""Who am I, and the admin's user management: list, add (with a one-time token), revoke.

Every change goes through ``accounts``, which writes it to the audit log
with the admin's name; a token is shown once, in the answer that made it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from trucewatch.accounts import (
    PERMISSIONS,
    TOKEN_DAYS,
    Permission,
    Role,
    User,
    add_user,
    list_users,
    revoke_tokens,
)
from trucewatch.api.deps import CallerDep, StateDep, check_csrf, require

router = APIRouter(prefix="/api", tags=["users"])

Admin = Annotated[User, Depends(require(Permission.MANAGE_USERS))]
UserName = Annotated[str, Path(min_length=1, max_length=100, description="a user name")]


def user_json(user: User) -> dict[str, Any]:
    """A user as the API shows them: name, role, party, what the role may do."""
    return {
        "name": user.name,
        "role": user.role.value,
        "party": user.party,
        "active": user.active,
        "permissions": sorted(p.value for p in PERMISSIONS[user.role]) if user.active else [],
    }


@router.get("/me", summary="Who am I")
def me(who: CallerDep) -> dict[str, Any]:
    """The caller: name, role, party and permissions (anonymous callers are the public)."""
    return {**user_json(who.user), "via": who.via}


@router.get("/users", summary="List users")
def users_list(st: StateDep, admin: Admin) -> dict[str, Any]:
    """Every user with role, party and whether they are active."""
    return {"items": [user_json(u) for u in list_users(st.db)]}


class UserIn(BaseModel):
    """A new user: name, role, the party a liaison speaks for, optionally a password."""

    name: str = Field(min_length=1, max_length=100)
    role: Role
    party: str | None = Field(None, max_length=100, description="liaisons only: an actor id")
    password: str | None = Field(
        None, min_length=1, max_length=1000, description="for the dashboard (12+ characters)"
    )
    token_days: int | None = Field(
        TOKEN_DAYS, ge=1, le=3650, description="days the first token lives (null: no expiry)"
    )


class UserCreated(BaseModel):
    """The user made and their first API token — shown this once, never again."""

    user: dict[str, Any]
    token: str


@router.post(
    "/users",
    status_code=201,
    response_model=UserCreated,
    dependencies=[Depends(check_csrf)],
    summary="Add a user",
)
def users_add(st: StateDep, admin: Admin, body: UserIn) -> UserCreated:
    """Create a user and their first API token; audited with your name."""
    user, token = add_user(
        st.db,
        body.name,
        body.role.value,
        by=admin.name,
        party=body.party,
        password=body.password,
        token_days=body.token_days,
    )
    return UserCreated(user=user_json(user), token=token)


@router.post(
    "/users/{name}/revoke",
    dependencies=[Depends(check_csrf)],
    summary="Revoke a user's tokens and sessions",
)
def users_revoke(st: StateDep, admin: Admin, name: UserName) -> dict[str, Any]:
    """Every live token and browser session of the user stops working; audited."""
    if name not in {u.name for u in list_users(st.db)}:
        raise LookupError(name)
    return {"user": name, "revoked": revoke_tokens(st.db, name, by=admin.name)}
