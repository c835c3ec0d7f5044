"""Who is calling, and may they: the dependencies every route declares.

A script authenticates with ``Authorization: Bearer <token>``; a browser with
the session cookie set by the dashboard's sign-in form.  A call with neither
is the public.  A bad or expired token is refused (401), never quietly
treated as the public: a script should learn its token stopped working.

Writes made through a browser session must carry the session's CSRF token
(form field ``csrf_token`` or header ``X-CSRF-Token``); token-authenticated
calls need none, since a browser never sends a bearer token by itself.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from trucewatch.accounts import (
    ANONYMOUS,
    LoginLimits,
    Permission,
    User,
    user_by_session,
    user_by_token,
)
from trucewatch.api.settings import Settings
from trucewatch.browse import EvaluationCache
from trucewatch.store import Database
from trucewatch.workflow import StatusChange

SESSION_COOKIE = "tw_session"
CSRF_HEADER = "X-CSRF-Token"


#: Called after an incident's status changed: (state, incident id, the change).
StatusHook = Callable[["AppState", str, StatusChange], None]


@dataclass
class AppState:
    """What the app holds for its lifetime: settings, the database, cached evaluations.

    ``status_hooks`` run after a status change has been committed (alerts
    hang here): a failing hook is logged by its owner, never undoes the change.
    """

    settings: Settings
    db: Database
    cache: EvaluationCache = field(default_factory=EvaluationCache)
    status_hooks: list[StatusHook] = field(default_factory=list)


def login_limits(settings: Settings) -> LoginLimits:
    """The sign-in limits the settings give (keyed with the server's secret key)."""
    return LoginLimits(
        per_account=settings.login_failures_per_account,
        per_address=settings.login_failures_per_address,
        window=timedelta(minutes=settings.login_window_minutes),
        key=settings.secret_key.encode("utf-8"),
    )


def state(request: Request) -> AppState:
    """The app's state."""
    return request.app.state.tw  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Caller:
    """The user behind a request and how they came: by token, by session, or not at all."""

    user: User
    via: str  # token | session | anonymous
    csrf_token: str | None = None


def caller(request: Request) -> Caller:
    """Identify the caller (cached on the request)."""
    cached = getattr(request.state, "caller", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    st = state(request)
    header = request.headers.get("authorization")
    result: Caller
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HTTPException(
                401,
                "the Authorization header must be 'Bearer <token>'",
                headers={"WWW-Authenticate": "Bearer"},
            )
        user = user_by_token(st.db, token.strip())
        if user is None:
            raise HTTPException(
                401,
                "this token is unknown, expired or revoked — ask an admin for a new one",
                headers={"WWW-Authenticate": "Bearer"},
            )
        result = Caller(user, "token")
    elif cookie := request.cookies.get(SESSION_COOKIE):
        found = user_by_session(
            st.db, cookie, idle=timedelta(minutes=st.settings.session_idle_minutes)
        )
        result = Caller(found[0], "session", found[1]) if found else Caller(ANONYMOUS, "anonymous")
    else:
        result = Caller(ANONYMOUS, "anonymous")
    request.state.caller = result
    return result


CallerDep = Annotated[Caller, Depends(caller)]
StateDep = Annotated[AppState, Depends(state)]


def require(permission: Permission) -> Callable[[Request], User]:
    """A dependency: the calling user, if their role grants ``permission``; else 401/403."""

    def dependency(request: Request) -> User:
        who = caller(request)
        if not who.user.can(permission):
            if who.via == "anonymous":
                raise HTTPException(
                    401,
                    f"sign in first: this needs the '{permission.value}' permission",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            raise HTTPException(
                403,
                f"a {who.user.role.value} may not do this (needs '{permission.value}')",
            )
        return who.user

    # Readable by tools (the role × endpoint test) that list what each route needs.
    dependency.permission = permission  # type: ignore[attr-defined]
    return dependency


async def check_csrf(request: Request) -> None:
    """Refuse a session-authenticated write without the session's CSRF token."""
    who = caller(request)
    if who.via != "session" or request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not sent or not who.csrf_token or not hmac.compare_digest(sent, who.csrf_token):
        raise HTTPException(403, "missing or wrong CSRF token — reload the page and try again")


Reader = Annotated[User, Depends(require(Permission.READ))]
