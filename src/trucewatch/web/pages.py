"""The dashboard's pages: sign-in, map, incident, review queue, compliance, access, health,
reports and the field-report form.

Routes stay thin: each parses its query or form, asks ``deps`` who is
calling, and renders what the service-level modules return — ``browse`` for
what a user may see, ``workflow`` for verification and publication,
``field`` for a monitor's report, ``service`` and ``report`` for the
aggregates, maps and charts.  Nothing here decides what a role may see.

Every form that writes carries the session's CSRF token and its route
depends on ``deps.check_csrf``; the session cookie is HttpOnly and
SameSite=Strict (and Secure when the server says so).  Pages are sent with
a Content-Security-Policy that allows only this server's own files: the
dashboard works, and must work, with no internet at all.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import uuid
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from trucewatch.accounts import Permission, SignInLockedError, User, sign_in, sign_out
from trucewatch.agreements import shipped_agreement_ids
from trucewatch.api.deps import (
    SESSION_COOKIE,
    AppState,
    caller,
    check_csrf,
    login_limits,
    require,
    state,
)
from trucewatch.browse import (
    IncidentFilter,
    data_stamp,
    list_incidents,
    matching_incidents,
    review_queue,
    server_agreement_id,
    visible_areas,
    visible_compliance,
    visible_health,
)
from trucewatch.domain.vocabulary import EVENT_TYPE_TREE, KNOWN_TAGS
from trucewatch.errors import InputError, Problem, StaleVersionError
from trucewatch.visibility import sees_all
from trucewatch.workflow import PUBLISHABLE, STATUSES, allowed_next, change_status, set_published

HERE = Path(__file__).parent
STATIC = HERE / "static"
#: The agreement pages open on, unless a ``TRUCEWATCH_AGREEMENT`` is set.
DEFAULT_AGREEMENT = "syria-2016-09-us-russia"
#: Markers a map draws at most (the list under it pages on without limit).
MAP_LIMIT = 2000
PAGE_SIZE = 50
LOGIN_COOKIE = "tw_login"

#: Verdicts from the most to the least serious, with how the dashboard names them.
VERDICTS = {
    "violation": "violation",
    "spoiler_activity": "spoiler activity",
    "permitted": "permitted",
    "before_effect": "before effect",
    "not_applicable": "not applicable",
}
STATUS_NAMES = {
    "reported": "reported",
    "under_review": "under review",
    "verified": "verified",
    "disputed": "disputed",
    "dismissed": "dismissed",
}
#: What a button that moves an incident to a status says.
STATUS_ACTIONS = {
    "under_review": "Start review",
    "verified": "Verify",
    "disputed": "Mark disputed",
    "dismissed": "Dismiss",
}
#: Messages a redirect may ask a page to show (by code: a link cannot inject text).
NOTICES = {
    "status": "Status changed.",
    "published": "Published: the public now sees this incident.",
    "withdrawn": "Withdrawn from publication.",
    "submitted": "Your report is stored as a new incident, status reported. "
    "An analyst will review it.",
    "signed_out": "You are signed out.",
}

_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
_HEADERS = {
    "Content-Security-Policy": _CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(self), camera=(), microphone=()",
    "Cache-Control": "no-store",
}


# --------------------------------------------------------------------------- rendering


def _fmt_time(value: Any) -> str:
    """A stored time in UTC, to the minute (SQLite hands times back without a zone)."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, str) and "T" in value:
        try:
            return _fmt_time(datetime.fromisoformat(value))
        except ValueError:
            return value
    return "" if value is None else str(value)


def _num(value: Any) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return "—" if value is None else str(value)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _ref(incident_id: str) -> str:
    """An incident's dashboard path (ids hold ':' and may hold '/')."""
    return "/incidents/" + quote(incident_id, safe=":")


def _words(value: Any) -> str:
    return str(value or "").replace("_", " ")


TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
_FILTERS: dict[str, Callable[..., str]] = {
    "time": _fmt_time,
    "num": _num,
    "pct": _pct,
    "ref": _ref,
    "words": _words,
}
TEMPLATES.env.filters.update(_FILTERS)
TEMPLATES.env.globals.update(
    {"VERDICTS": VERDICTS, "STATUS_NAMES": STATUS_NAMES, "STATUS_ACTIONS": STATUS_ACTIONS}
)


@dataclass(frozen=True)
class NavItem:
    """One link of the navigation bar."""

    href: str
    label: str


def _nav(user: User) -> list[NavItem]:
    items = [NavItem("/", "Map")]
    if user.can(Permission.VERIFY):
        items.append(NavItem("/review", "Review"))
    items += [
        NavItem("/compliance", "Compliance"),
        NavItem("/access", "Access"),
        NavItem("/health", "Truce health"),
        NavItem("/reports", "Reports"),
    ]
    if user.can(Permission.SUBMIT):
        items.append(NavItem("/field", "Field report"))
    return items


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Response:
    """A page, with who is signed in, the navigation and the security headers."""
    who = caller(request)
    notice = NOTICES.get(request.query_params.get("msg", ""))
    base = {
        "user": who.user,
        "signed_in": who.via != "anonymous",
        "csrf_token": who.csrf_token or "",
        "nav": _nav(who.user),
        "path": request.url.path,
        "notice": notice,
        "agreements": shipped_agreement_ids(),
    }
    response = TEMPLATES.TemplateResponse(
        request, template, {**base, **(context or {})}, status_code=status_code
    )
    response.headers.update(_HEADERS)
    return response


def _problems(error: InputError) -> list[dict[str, Any]]:
    return [{"where": p.file, "message": p.message, "fix": p.hint} for p in error.problems]


def _error_page(request: Request, status: int, title: str, message: str, **extra: Any) -> Response:
    return render(
        request,
        "error.html",
        {"title": title, "message": message, "status": status, **extra},
        status_code=status,
    )


class PageRoute(APIRoute):
    """A dashboard route: errors come back as pages a person can act on, not as JSON.

    A page asked for by someone who must sign in first sends them to the
    sign-in form (and back afterwards); a record they may not see answers
    exactly as a missing one does.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The route's handler, wrapped to turn errors into pages."""
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except HTTPException as e:
                if e.status_code == 401 and request.method == "GET":
                    target = request.url.path + (
                        f"?{request.url.query}" if request.url.query else ""
                    )
                    return RedirectResponse(f"/login?{urlencode({'next': target})}", 303)
                title = {401: "Sign in first", 403: "Not allowed"}.get(e.status_code, "Refused")
                return _error_page(request, e.status_code, title, str(e.detail))
            except (KeyError, IndexError):
                raise  # a bug, not a missing record: never dressed up as "not found"
            except LookupError:
                return _error_page(
                    request,
                    404,
                    "Not found",
                    "There is no such record, or you may not see it.",
                )
            except InputError as e:
                return _error_page(request, 400, "Please correct this", "", problems=_problems(e))

        return handler


router = APIRouter(route_class=PageRoute, include_in_schema=False)

Viewer = Annotated[User, Depends(require(Permission.READ))]
Verifier = Annotated[User, Depends(require(Permission.VERIFY))]
Publisher = Annotated[User, Depends(require(Permission.PUBLISH))]
Submitter = Annotated[User, Depends(require(Permission.SUBMIT))]
State = Annotated[AppState, Depends(state)]


# --------------------------------------------------------------------------- parsing


def default_agreement() -> str:
    """The agreement pages open on: ``$TRUCEWATCH_AGREEMENT`` or the Sept 2016 arrangement."""
    import os

    chosen = os.environ.get("TRUCEWATCH_AGREEMENT") or DEFAULT_AGREEMENT
    known = shipped_agreement_ids()
    return chosen if chosen in known else known[0]


def agreement_of(value: str | None) -> str:
    """A known agreement id from a query (never a path: loaders must not open files)."""
    return server_agreement_id(value) if value else default_agreement()


def _day(name: str, value: str | None, problems: list[Problem]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(Problem(name, None, f"'{value}' is not a date", "use YYYY-MM-DD"))
        return None


def _choice(
    name: str, value: str | None, options: Mapping[str, Any] | tuple[str, ...], p: list[Problem]
) -> str | None:
    if not value:
        return None
    if value not in options:
        p.append(Problem(name, None, f"'{value}' is not a {name.replace('_', ' ')}", None))
        return None
    return value


@dataclass(frozen=True)
class Filters:
    """The filter form's values as typed (to show them again) and as a service filter."""

    values: dict[str, str]
    filter: IncidentFilter
    problems: list[Problem]

    def query(self, **change: str | None) -> str:
        """This filter's query string, with some values changed (None: removed)."""
        merged = {**self.values, **change}
        return urlencode({k: v for k, v in merged.items() if v})


def filters_of(request: Request, agreement: str) -> Filters:
    """The incident filters of a GET form (every one optional), checked."""
    q = request.query_params
    names = ("date_from", "date_to", "area", "verdict", "status", "event_type", "zone")
    values = {k: q.get(k, "").strip()[:200] for k in names}
    values["agreement"] = agreement
    problems: list[Problem] = []
    f = IncidentFilter(
        date_from=_day("date_from", values["date_from"], problems),
        date_to=_day("date_to", values["date_to"], problems),
        area=values["area"] or None,
        event_type=_choice("event_type", values["event_type"], tuple(EVENT_TYPE_TREE), problems),
        status=_choice("status", values["status"], STATUSES, problems),
        verdict=_choice("verdict", values["verdict"], VERDICTS, problems),
        zone=values["zone"] or None,
        agreement=agreement,
    )
    return Filters(values, f, problems)


def _local_path(value: str | None, fallback: str = "/") -> str:
    """A redirect target only if it stays on this server (no open redirect)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return fallback


# --------------------------------------------------------------------------- shared layers


@cache
def _places() -> tuple[Any, ...]:
    from trucewatch.geo.gazetteer import Gazetteer

    return tuple(Gazetteer.shipped().places)


_layers_lock = threading.Lock()


def map_layers(st: AppState, agreement_id: str) -> tuple[Any, Any]:
    """The agreement's zones and the loaded boundaries, reused until the data changes."""
    from trucewatch.service import stored_admin_index, stored_zones

    stamp = data_stamp(st.db)
    key = (agreement_id, stamp)
    with _layers_lock:
        kept: dict[Any, Any] = getattr(st, "_web_layers", {})
        if key in kept:
            return kept[key]  # type: ignore[no-any-return]
    stored = st.cache.get(st.db, agreement_id)
    layers = (stored_zones(stored.agreement, st.db), stored_admin_index(st.db))
    with _layers_lock:
        st._web_layers = {key: layers}  # type: ignore[attr-defined]
    return layers


#: Room kept right of the rightmost marker for its label, and the narrowest map
#: (its legend line must fit).
_LABEL_ROOM, _MIN_MAP_WIDTH = 100, 520


def fit_width(picture: Any) -> Any:
    """Trim the blank right of a map: ``build_map`` fits the data into a fixed box,
    and a country taller than wide leaves much of it empty on a screen."""
    xs = [x for mark in picture.marks if mark.kind != "text" for x, _ in mark.points]
    if xs:
        picture.width = int(min(picture.width, max(max(xs) + _LABEL_ROOM, _MIN_MAP_WIDTH)))
    return picture


def _verdict_of(findings: list[Any]) -> str | None:
    seen = {f.verdict.value for f in findings}
    return next((v for v in VERDICTS if v in seen), None)


# --------------------------------------------------------------------------- static files


_STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    """The dashboard's own CSS, script and icon (nothing else is served from here)."""
    path = STATIC / name
    if (
        "/" in name
        or name.startswith(".")
        or path.suffix not in _STATIC_TYPES
        or not path.is_file()
    ):
        raise LookupError(name)
    return FileResponse(
        path,
        media_type=_STATIC_TYPES[path.suffix],
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for it whatever the page says."""
    return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")


# --------------------------------------------------------------------------- sign in / out


def _login_page(
    request: Request, next_path: str, *, error: str | None = None, status_code: int = 200
) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        {"next": next_path, "login_token": token, "error": error},
        status_code=status_code,
    )
    st = state(request)
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=st.settings.secure_cookies,
        path="/login",
        max_age=3600,
    )
    return response


@router.get("/login")
def login_form(
    request: Request, next: Annotated[str | None, Query(max_length=500)] = None
) -> Response:
    """The sign-in form."""
    return _login_page(request, _local_path(next))


@router.post("/login")
def login(
    request: Request,
    st: State,
    name: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    login_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Check the name and password; set the session cookie and go on, or say it failed.

    The form carries a token that must match a cookie only this server set
    (so another site cannot sign a browser in under its own account).
    """
    target = _local_path(next)
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, login_token):
        return _login_page(
            request,
            target,
            error="The sign-in form expired. Please try again.",
            status_code=400,
        )
    if not name.strip() or not password:
        return _login_page(
            request, target, error="Give your user name and password.", status_code=400
        )
    try:
        session = sign_in(
            st.db,
            name.strip(),
            password,
            hours=st.settings.session_hours,
            address=request.client.host if request.client else None,
            limits=login_limits(st.settings),
        )
    except SignInLockedError as locked:
        minutes = max(1, -(-locked.retry_after // 60))
        response = _login_page(
            request,
            target,
            error=f"Too many failed sign-ins from this {locked.what}. "
            f"Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
            status_code=429,
        )
        response.headers["Retry-After"] = str(locked.retry_after)
        return response
    if session is None:
        return _login_page(
            request,
            target,
            error="The name or the password is wrong, or the account is not active.",
            status_code=401,
        )
    response = RedirectResponse(target, 303)
    response.set_cookie(
        SESSION_COOKIE,
        session.cookie,
        httponly=True,
        samesite="strict",
        secure=st.settings.secure_cookies,
        max_age=st.settings.session_hours * 3600,
        path="/",
    )
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request, st: State) -> Response:
    """End the session, here and on the server."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        sign_out(st.db, cookie)
    response = RedirectResponse("/?msg=signed_out", 303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --------------------------------------------------------------------------- the map


@router.get("/")
def map_page(
    request: Request,
    st: State,
    user: Viewer,
    agreement: Annotated[str | None, Query(max_length=100)] = None,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> Response:
    """Incidents and zones on a map, coloured and shaped by verdict, with filters and a list."""
    from trucewatch.report.maps import build_map, to_svg

    agreement_id = agreement_of(agreement)
    filters = filters_of(request, agreement_id)
    stored = st.cache.get(st.db, agreement_id)
    context: dict[str, Any] = {
        "filters": filters,
        "agreement": stored.agreement,
        "areas": visible_areas(st.db, user),
        "event_types": list(EVENT_TYPE_TREE),
        "statuses": STATUSES,
        "zones": [(z.id, z.name or z.id) for z in stored.agreement.zones],
        "problems": [
            {"where": p.file, "message": p.message, "fix": p.hint} for p in filters.problems
        ],
    }
    if filters.problems:
        return render(request, "map.html", {**context, "items": [], "total": 0}, status_code=400)
    try:
        ids, total = matching_incidents(
            st.db, user, filters.filter, cache=st.cache, limit=MAP_LIMIT
        )
        page = list_incidents(
            st.db, user, filters.filter, cursor=cursor, limit=PAGE_SIZE, cache=st.cache
        )
    except InputError as e:
        context["problems"] = _problems(e)
        return render(request, "map.html", {**context, "items": [], "total": 0}, status_code=400)
    shown_ids = set(ids)
    shown = [i for i in stored.evaluation.incidents if i.id in shown_ids]
    findings = [f for f in stored.findings if f.incident in shown_ids]
    zones, admin = map_layers(st, agreement_id)
    picture = fit_width(
        build_map(stored.agreement, shown, findings, zones=zones, admin=admin, places=_places())
    )
    counts = {v: 0 for v in VERDICTS}
    counts["none"] = 0
    for i in shown_ids:
        worst = _verdict_of(stored.by_incident.get(i, []))
        counts[worst or "none"] += 1
    items = [
        {**item, "verdict": _verdict_of(stored.by_incident.get(item["id"], []))}
        for item in page.items
    ]
    return render(
        request,
        "map.html",
        {
            **context,
            "map_svg": Markup(to_svg(picture)),
            "items": items,
            "total": total,
            "mapped": len(shown),
            "counts": counts,
            "next_cursor": page.next_cursor,
        },
    )


# --------------------------------------------------------------------------- one incident


def _incident_page(
    request: Request,
    st: AppState,
    user: User,
    incident_id: str,
    agreement: str | None,
    *,
    problems: list[dict[str, Any]] | None = None,
    stale: StaleVersionError | None = None,
    status_code: int = 200,
) -> Response:
    from trucewatch.views import incident_view

    agreement_id = agreement_of(agreement)
    view = incident_view(st.db, st.cache, user, incident_id, agreement_id)
    stored = st.cache.get(st.db, agreement_id)
    obligations = {o.id: o for o in stored.agreement.obligations}
    status = view["status"]
    claimants = sorted({c["claimant"] for c in view["claims"]})
    return render(
        request,
        "incident.html",
        {
            "view": view,
            "incident": view["incident"],
            "agreement": stored.agreement,
            "obligations": obligations,
            "claimants": claimants,
            "can_verify": user.can(Permission.VERIFY),
            "can_publish": user.can(Permission.PUBLISH),
            "next_statuses": allowed_next(status),
            "publishable": status in PUBLISHABLE,
            "sees_all": sees_all(user),
            "problems": problems or [],
            "stale": stale,
        },
        status_code=status_code,
    )


@router.get("/incidents/{incident_id:path}")
def incident_page(
    request: Request,
    st: State,
    user: Viewer,
    incident_id: str,
    agreement: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """An incident with its reports, claims, attribution, findings, replies and evidence."""
    return _incident_page(request, st, user, incident_id, agreement)


def _version(value: str) -> int | None:
    try:
        return int(value) if value.strip() else None
    except ValueError:
        raise InputError(
            [Problem("version", None, f"'{value}' is not a version", "reload the page")]
        ) from None


async def _after_change(
    request: Request,
    st: AppState,
    user: User,
    incident_id: str,
    agreement: str,
    back: str,
    change: Callable[[], str],
) -> Response:
    """Run a workflow change; on a refusal show the incident again with why."""
    try:
        code = await run_in_threadpool(change)
    except StaleVersionError as e:
        return await run_in_threadpool(
            _incident_page, request, st, user, incident_id, agreement, stale=e, status_code=409
        )
    except InputError as e:
        return await run_in_threadpool(
            _incident_page,
            request,
            st,
            user,
            incident_id,
            agreement,
            problems=_problems(e),
            status_code=400,
        )
    target = _local_path(back, _ref(incident_id) + f"?{urlencode({'agreement': agreement})}")
    joiner = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{joiner}msg={code}", 303)


@router.post("/incidents/{incident_id:path}/status", dependencies=[Depends(check_csrf)])
async def incident_status_form(
    request: Request,
    st: State,
    user: Verifier,
    incident_id: str,
    to: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=4000)] = "",
    version: Annotated[str, Form(max_length=20)] = "",
    agreement: Annotated[str, Form(max_length=100)] = "",
    back: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Move an incident through verification with the version the analyst looked at."""
    agreement_id = agreement_of(agreement or None)
    expected = _version(version)

    def change() -> str:
        from trucewatch.browse import visible_incident_row

        row = visible_incident_row(st.db, user, incident_id)
        done = change_status(
            st.db, row["id"], to=to, user=user.name, reason=reason, expected_version=expected
        )
        for hook in st.status_hooks:
            hook(st, row["id"], done)
        return "status"

    return await _after_change(request, st, user, incident_id, agreement_id, back, change)


@router.post("/incidents/{incident_id:path}/publish", dependencies=[Depends(check_csrf)])
async def incident_publish_form(
    request: Request,
    st: State,
    user: Publisher,
    incident_id: str,
    published: Annotated[str, Form(max_length=5)] = "1",
    reason: Annotated[str, Form(max_length=4000)] = "",
    version: Annotated[str, Form(max_length=20)] = "",
    agreement: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Publish a verified or disputed incident, or withdraw it."""
    agreement_id = agreement_of(agreement or None)
    expected = _version(version)
    publish = published == "1"

    def change() -> str:
        from trucewatch.browse import visible_incident_row

        row = visible_incident_row(st.db, user, incident_id)
        set_published(
            st.db,
            row["id"],
            published=publish,
            user=user.name,
            reason=reason,
            expected_version=expected,
        )
        return "published" if publish else "withdrawn"

    return await _after_change(request, st, user, incident_id, agreement_id, "", change)


# --------------------------------------------------------------------------- review queue


@router.get("/review")
def review_page(
    request: Request,
    st: State,
    user: Verifier,
    agreement: Annotated[str | None, Query(max_length=100)] = None,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> Response:
    """Incidents reported or under review, oldest first, each with its next steps."""
    agreement_id = agreement_of(agreement)
    filters = filters_of(request, agreement_id)
    context: dict[str, Any] = {
        "filters": filters,
        "areas": visible_areas(st.db, user),
        "event_types": list(EVENT_TYPE_TREE),
        "statuses": ("reported", "under_review"),
        "problems": [
            {"where": p.file, "message": p.message, "fix": p.hint} for p in filters.problems
        ],
        "items": [],
        "total": 0,
    }
    if filters.problems:
        return render(request, "review.html", context, status_code=400)
    stored = st.cache.get(st.db, agreement_id)
    page = review_queue(st.db, user, filters.filter, cursor=cursor, limit=PAGE_SIZE, cache=st.cache)
    items = [
        {
            **item,
            "verdict": _verdict_of(stored.by_incident.get(item["id"], [])),
            "next": allowed_next(item["status"]),
        }
        for item in page.items
    ]
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return render(
        request,
        "review.html",
        {
            **context,
            "items": items,
            "total": page.total,
            "next_cursor": page.next_cursor,
            "back": back,
            "agreement_id": agreement_id,
        },
    )


# --------------------------------------------------------------------------- compliance


@router.get("/compliance")
def compliance_page(
    request: Request,
    st: State,
    user: Viewer,
    agreement: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """Party × obligation: violations counted, and how many of them the mission verified."""
    agreement_id = agreement_of(agreement)
    everything = visible_compliance(st.db, user, agreement_id, cache=st.cache)
    verified = visible_compliance(st.db, user, agreement_id, cache=st.cache, status="verified")
    stored = st.cache.get(st.db, agreement_id)
    peak = max((c.total for row in everything.rows.values() for c in row.values()), default=0)
    rows = []
    for party, cells in everything.rows.items():
        out: list[dict[str, Any]] = []
        for ob in everything.obligations:
            c = cells.get(ob)
            v = verified.cell(party, ob)
            total = c.total if c else 0
            out.append(
                {
                    "obligation": ob,
                    "total": total,
                    "attributed": c.attributed if c else 0,
                    "contested": c.contested if c else 0,
                    "verified": v.total,
                    "level": 0 if not total or not peak else 1 + min(4, (4 * total) // peak),
                }
            )
        rows.append(
            {
                "party": party,
                "side": everything.sides.get(party),
                "cells": out,
                "total": sum(x["total"] for x in out),
                "verified": sum(x["verified"] for x in out),
            }
        )
    assessed = [o for o in stored.agreement.obligations if o.id not in set(everything.obligations)]
    return render(
        request,
        "compliance.html",
        {
            "agreement": stored.agreement,
            "obligations": everything.obligations,
            "titles": {
                o.id: getattr(o, "title", None) or o.id for o in stored.agreement.obligations
            },
            "rows": rows,
            "assessed": assessed,
            "verified_total": sum(r["verified"] for r in rows),
            "total": sum(r["total"] for r in rows),
        },
    )


# --------------------------------------------------------------------------- access


@router.get("/access")
def access_page(
    request: Request,
    st: State,
    user: Viewer,
    agreement: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """Convoys and their histories, obstructions, and people reached against the target."""
    from trucewatch.browse import visible_incident_ids
    from trucewatch.records import resolve_refs
    from trucewatch.report.charts import access_funnel
    from trucewatch.service import list_access
    from trucewatch.views import visible_access_report

    agreement_id = agreement_of(agreement)
    report = visible_access_report(st.db, user, agreement_id)
    events = list_access(st.db, agreement=agreement_id)
    visible = visible_incident_ids(st.db, user)
    with st.db.engine.connect() as conn:
        links = resolve_refs(
            conn, (c.incident for e in events for c in e.history if c.incident), visible
        )
    stored = st.cache.get(st.db, agreement_id)
    return render(
        request,
        "access.html",
        {
            "agreement": stored.agreement,
            "report": report,
            "events": events,
            "links": links,
            "funnels": {c.commitment.id: Markup(access_funnel(c)) for c in report.commitments},
        },
    )


# --------------------------------------------------------------------------- health


@router.get("/health")
def health_page(
    request: Request,
    st: State,
    user: Viewer,
    agreement: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """The truce's daily state, its effect on violence, break dates and warnings."""
    from trucewatch.report.charts import series_chart

    agreement_id = agreement_of(agreement)
    report = visible_health(st.db, user, agreement_id, cache=st.cache)
    a = report.agreement
    tz = ZoneInfo(a.timezone)
    phases = []
    for phase_id, (start, end) in a.phase_spans().items():
        last = None if end is None else (end - timedelta(microseconds=1)).astimezone(tz).date()
        phases.append((phase_id, start.astimezone(tz).date(), last))
    h = report.health
    days = list(zip(report.series, h.days, strict=True))
    chart = series_chart(
        [(s, d) for s, d in days],
        baseline=h.effect.baseline_per_day,
        phases=phases,
        breaks=h.break_dates,
    )
    return render(
        request,
        "health.html",
        {
            "agreement": a,
            "report": report,
            "health": h,
            "days": days,
            "chart": Markup(chart),
            "partial": not sees_all(caller(request).user),
        },
    )


# --------------------------------------------------------------------------- reports


@router.get("/reports")
def reports_page(request: Request, user: Viewer) -> Response:
    """Download a monitoring report (HTML or Markdown), for those who may."""
    return render(
        request,
        "reports.html",
        {"can_download": sees_all(user), "periods": ("all", "weekly", "daily")},
    )


@router.get("/reports/download")
def report_download(
    user: Viewer,
    agreement: Annotated[str | None, Query(max_length=100)] = None,
    format: Annotated[str, Query(max_length=10)] = "html",
    period: Annotated[str, Query(max_length=10)] = "all",
    day: Annotated[str | None, Query(alias="date", max_length=20)] = None,
) -> Response:
    """Hand the report form's choices to ``GET /api/reports/{agreement}``.

    A browser sends every field of a form, empty ones too; the API must not
    see an empty date, so this drops it (and checks the rest) before
    redirecting.  The API decides who may download.
    """
    agreement_id = agreement_of(agreement)
    problems: list[Problem] = []
    last_day = _day("date", day, problems)
    chosen = {
        "format": _choice("format", format, ("html", "md"), problems),
        "period": _choice("period", period, ("all", "weekly", "daily"), problems),
        "date": last_day.isoformat() if last_day else None,
    }
    if problems:
        raise InputError(problems)
    query = urlencode({k: v for k, v in chosen.items() if v})
    return RedirectResponse(f"/api/reports/{agreement_id}?{query}", 303)


# --------------------------------------------------------------------------- field report


def _field_form(
    request: Request,
    st: AppState,
    user: User,
    *,
    values: Mapping[str, Any] | None = None,
    problems: list[dict[str, Any]] | None = None,
    status_code: int = 200,
) -> Response:
    values = dict(values or {})
    values.setdefault("client_ref", str(uuid.uuid4()))
    values.setdefault("date", datetime.now(UTC).date().isoformat())
    by_field: dict[str, str] = {}
    for p in problems or []:
        key = str(p["where"]).split(":")[0].split(".")[0]
        by_field.setdefault(key, f"{p['message']}" + (f" — {p['fix']}" if p["fix"] else ""))
    return render(
        request,
        "field.html",
        {
            "values": values,
            "problems": problems or [],
            "by_field": by_field,
            "tree": EVENT_TYPE_TREE,
            "tags": sorted(KNOWN_TAGS),
            "areas": visible_areas(st.db, user),
            "max_mb": st.settings.max_upload_bytes / (1024 * 1024),
            "today": datetime.now(UTC).date().isoformat(),
        },
        status_code=status_code,
    )


@router.get("/field")
def field_form(request: Request, st: State, user: Submitter) -> Response:
    """The monitor's form: one column, large inputs, usable on a phone."""
    return _field_form(request, st, user)


@router.post("/field", dependencies=[Depends(check_csrf)])
async def field_submit(request: Request, st: State, user: Submitter) -> Response:
    """Store the report (all or nothing) and show its incident, or the form with what to fix."""
    from trucewatch.api.field import receive_field_report

    try:
        result = await receive_field_report(request, st, user, channel="dashboard")
    except InputError as e:
        form = await request.form()
        values: dict[str, Any] = {
            k: v for k, v in form.multi_items() if isinstance(v, str) and k != "csrf_token"
        }
        values["tags"] = [v for v in form.getlist("tags") if isinstance(v, str)]
        return await run_in_threadpool(
            _field_form,
            request,
            st,
            user,
            values=values,
            problems=_problems(e),
            status_code=400,
        )
    return RedirectResponse(_ref(result.incident_id) + "?msg=submitted", 303)
