"""The role × endpoint matrix, and who sees what.

Every ``/api`` route of the app is found by walking its routers (and checked
against the OpenAPI spec, so none is missed): routes added later by any
module are covered without editing this file.  For each route the permission
it needs is read from its ``require(...)`` dependency, and each of the five
roles and an anonymous caller is either refused — 401 with "sign in first"
for the anonymous, 403 naming the permission for a signed-in role — or let
through.  Routes with a sample request in ``SAMPLES`` must then succeed with
the expected status; the others must at least not be refused.

The scope tests check the rules of ``visibility`` through the HTTP answers:
the public sees published incidents only, a monitor also their own, a
party's liaison also the findings about their party, and a witness or the
exact place an account was given never reaches the public or a party.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import insert, update

from tests.api.conftest import AGREEMENT, CONVOY, USERS, Mission
from tests.api.test_endpoints import get, publish
from trucewatch.accounts import ANONYMOUS, PERMISSIONS, Permission, Role, add_user
from trucewatch.store.schema import field_reports, incidents

#: An incident every test here publishes first: 12 Sept 2016, Aleppo.
PUBLISHED = "case:TW-SYR-0005"
#: An unpublished incident the monitor submitted (set in the fixture).
MONITORS_OWN = "case:TW-SYR-0010"
#: A user the matrix revokes (so that no test user loses their token midway).
REVOKEE = "revokee"

CALLERS: tuple[str | None, ...] = (None, *USERS)


@dataclass(frozen=True)
class Sample:
    """A valid request to one route, the permission it needs, and its success status."""

    url: str
    needs: Permission | None
    status: int = 200
    params: dict[str, Any] = field(default_factory=dict)
    json: dict[str, Any] | None = None


#: (method, route path) → a valid request.  Every route of the modules in
#: ``SAMPLED_MODULES`` must have one; other routes are still checked for refusals.
SAMPLES: dict[tuple[str, str], Sample] = {
    ("GET", "/api/incidents"): Sample("/api/incidents", Permission.READ),
    ("GET", "/api/agreements"): Sample("/api/agreements", Permission.READ),
    ("GET", "/api/agreements/{agreement_id}"): Sample(
        f"/api/agreements/{AGREEMENT}", Permission.READ
    ),
    ("GET", "/api/agreements/{agreement_id}/zones.geojson"): Sample(
        f"/api/agreements/{AGREEMENT}/zones.geojson", Permission.READ
    ),
    ("GET", "/api/incidents.geojson"): Sample(
        "/api/incidents.geojson", Permission.READ, params={"agreement": AGREEMENT}
    ),
    ("GET", "/api/incidents/{incident_id}"): Sample(
        f"/api/incidents/{PUBLISHED}", Permission.READ, params={"agreement": AGREEMENT}
    ),
    ("GET", "/api/claims"): Sample("/api/claims", Permission.READ, params={"incident": PUBLISHED}),
    ("POST", "/api/incidents/{incident_id}/replies"): Sample(
        f"/api/incidents/{CONVOY}/replies",
        Permission.REPLY,
        201,
        json={
            "agreement": AGREEMENT,
            "obligation": "humanitarian-access",
            "party": "syria-government",
            "text": "Test reply from the role matrix.",
        },
    ),
    ("GET", "/api/findings"): Sample(
        "/api/findings", Permission.READ, params={"agreement": AGREEMENT}
    ),
    ("GET", "/api/compliance"): Sample(
        "/api/compliance", Permission.READ, params={"agreement": AGREEMENT}
    ),
    ("GET", "/api/access"): Sample("/api/access", Permission.READ),
    ("GET", "/api/access/report"): Sample(
        "/api/access/report", Permission.READ, params={"agreement": AGREEMENT}
    ),
    ("GET", "/api/access/{event_id}"): Sample("/api/access/un-sarc-urum-al-kubra", Permission.READ),
    ("GET", "/api/reports/{agreement}"): Sample(
        f"/api/reports/{AGREEMENT}", Permission.READ_ALL, params={"format": "md"}
    ),
    ("GET", "/api/export"): Sample("/api/export", Permission.EXPORT, params={"format": "csv"}),
    ("GET", "/api/me"): Sample("/api/me", None),
    ("GET", "/api/users"): Sample("/api/users", Permission.MANAGE_USERS),
    ("POST", "/api/users"): Sample(
        "/api/users",
        Permission.MANAGE_USERS,
        201,
        json={"name": "matrix-user", "role": "monitor"},
    ),
    ("POST", "/api/users/{name}/revoke"): Sample(
        f"/api/users/{REVOKEE}/revoke", Permission.MANAGE_USERS
    ),
}

SAMPLED_MODULES = {
    f"trucewatch.api.{m}"
    for m in ("agreements", "records", "findings", "access", "reports", "exports", "admin")
}


@dataclass(frozen=True)
class ApiRoute:
    """One method of one route: its path template, the permission it needs, its module."""

    method: str
    path: str
    needs: Permission | None
    module: str


def _permission(dependant: Any) -> Permission | None:
    """The permission of the ``require(...)`` dependency among a route's dependencies."""
    for dep in dependant.dependencies:
        found = getattr(dep.call, "permission", None) or _permission(dep)
        if found is not None:
            return Permission(found)
    return None


def api_routes(app: FastAPI) -> list[ApiRoute]:
    """Every /api route of the app, through included routers (however FastAPI nests them)."""
    found: list[ApiRoute] = []

    def walk(routes: list[Any], prefix: str) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                for method in sorted(route.methods):
                    path = prefix + route.path
                    if path.startswith("/api"):
                        found.append(
                            ApiRoute(
                                method,
                                path,
                                _permission(route.dependant),
                                route.endpoint.__module__,
                            )
                        )
            elif (inner := getattr(route, "original_router", None)) is not None:
                context = getattr(route, "include_context", None)
                walk(inner.routes, prefix + (context.prefix if context else ""))

    walk(list(app.router.routes), "")
    return found


def allowed(caller: str | None, needs: Permission | None) -> bool:
    """Whether the caller's role grants the permission (no permission: everyone)."""
    if needs is None:
        return True
    role = USERS[caller][0] if caller else ANONYMOUS.role
    return needs in PERMISSIONS[role]


def fill(path: str) -> str:
    """A route path with its parameters filled in: a published incident, the agreement, x."""
    out = path
    for name, value in (
        ("{incident_id}", PUBLISHED),
        ("{agreement_id}", AGREEMENT),
        ("{agreement}", AGREEMENT),
    ):
        out = out.replace(name, value)
    while "{" in out:
        start, end = out.index("{"), out.index("}")
        out = out[:start] + "x" + out[end + 1 :]
    return out


@pytest.fixture
def scoped(mission: Mission) -> Iterator[Mission]:
    """The mission with one published incident, one the monitor submitted, a user to revoke."""
    publish(mission, PUBLISHED)
    with mission.db.transaction() as conn:
        conn.execute(
            update(incidents).where(incidents.c.id == MONITORS_OWN).values(submitted_by="monitor1")
        )
    add_user(mission.db, REVOKEE, "public", by="setup")
    yield mission


def call(mission: Mission, caller: str | None, method: str, route: str) -> Any:
    """Send the route's sample (or a request with its path filled in) as ``caller``."""
    sample = SAMPLES.get((method, route))
    headers = mission.auth(caller) if caller else {}
    if sample is None:
        return mission.client.request(method, fill(route), headers=headers)
    return mission.client.request(
        method, sample.url, params=sample.params or None, json=sample.json, headers=headers
    )


def test_role_by_endpoint_matrix(scoped: Mission) -> None:
    mission = scoped
    app = mission.client.app
    assert isinstance(app, FastAPI)
    # Every route is found (the OpenAPI spec lists the same), and those of the
    # modules above have a sample needing the permission the route asks for.
    routes = api_routes(app)
    documented = {
        (method.upper(), path)
        for path, item in app.openapi()["paths"].items()
        if path.startswith("/api")
        for method in item
    }
    assert {(r.method, r.path) for r in routes} == documented
    for r in routes:
        if r.module in SAMPLED_MODULES:
            assert (r.method, r.path) in SAMPLES, f"no sample for {r.method} {r.path}"
            assert SAMPLES[(r.method, r.path)].needs == r.needs, f"{r.method} {r.path}"
    assert set(SAMPLES) <= {(r.method, r.path) for r in routes}

    wrong: list[str] = []
    checked = 0
    for route in routes:
        for caller in CALLERS:
            r = call(mission, caller, route.method, route.path)
            who = caller or "anonymous"
            label = f"{route.method} {route.path} as {who}: {r.status_code}"
            needs = route.needs
            if allowed(caller, needs):
                sample = SAMPLES.get((route.method, route.path))
                expected = sample.status if sample else None
                if r.status_code in (401, 403) or (expected and r.status_code != expected):
                    wrong.append(f"{label}, expected {expected or 'not 401/403'}: {r.text[:200]}")
            elif caller is None:
                assert needs is not None
                message = f"sign in first: this needs the '{needs.value}' permission"
                if r.status_code != 401 or r.json().get("detail") != message:
                    wrong.append(f"{label}, expected 401 '{message}': {r.text[:200]}")
            else:
                assert needs is not None
                role = USERS[caller][0].value
                message = f"a {role} may not do this (needs '{needs.value}')"
                if r.status_code != 403 or not str(r.json().get("detail", "")).startswith(message):
                    wrong.append(f"{label}, expected 403 '{message}': {r.text[:200]}")
            checked += 1
    assert not wrong, "\n".join(wrong)
    assert checked >= len(SAMPLES) * len(CALLERS)


def test_the_matrix_knows_the_roles() -> None:
    """The expectations above in words, for the routes whose rules matter most."""
    assert [allowed(c, Permission.READ_ALL) for c in CALLERS] == [
        False,
        True,  # admin1
        True,  # analyst1
        False,  # monitor1
        False,  # liaison1
        False,  # public1
    ]
    assert [allowed(c, Permission.EXPORT) for c in CALLERS] == [
        True,
        True,
        True,
        False,
        True,
        True,
    ]
    assert [c for c in CALLERS if allowed(c, Permission.REPLY)] == ["admin1", "liaison1"]
    assert USERS["liaison1"] == (Role.PARTY_LIAISON, "syria-government")


def ids(response: Any) -> set[str]:
    """The incident ids of a list answer."""
    assert response.status_code == 200, response.text
    return {i["id"] for i in response.json()["items"]}


def test_each_role_sees_its_scope(scoped: Mission) -> None:
    mission = scoped
    every = ids(get(mission, "analyst1", "/api/incidents", limit=500))
    assert len(every) == 39
    assert ids(get(mission, "admin1", "/api/incidents", limit=500)) == every

    # The public: published incidents only, whatever the route.
    for who in ("public1", None):
        assert ids(get(mission, who, "/api/incidents", limit=500)) == {PUBLISHED}
        geo = get(mission, who, "/api/incidents.geojson", limit=500).json()
        assert [f["id"] for f in geo["features"]] == [PUBLISHED]
        assert get(mission, who, f"/api/incidents/{CONVOY}").status_code == 404
        found = get(mission, who, "/api/findings", agreement=AGREEMENT).json()["items"]
        assert {f["incident"] for f in found} == {PUBLISHED}

    # The public's compliance matrix counts the published incident's violations only.
    public_matrix = get(mission, "public1", "/api/compliance", agreement=AGREEMENT).json()
    published_findings = get(
        mission, "analyst1", "/api/findings", agreement=AGREEMENT, incident=PUBLISHED
    ).json()["items"]
    counted = sum(
        cell["attributed"] + cell["contested"]
        for row in public_matrix["parties"]
        for cell in row["cells"].values()
    )
    expected = sum(
        max(1, len(f["responsible"])) for f in published_findings if f["verdict"] == "violation"
    )
    assert counted == expected

    # A monitor: published, and what they submitted themselves.
    assert ids(get(mission, "monitor1", "/api/incidents", limit=500)) == {PUBLISHED, MONITORS_OWN}
    assert get(mission, "monitor1", f"/api/incidents/{MONITORS_OWN}").status_code == 200
    assert get(mission, "monitor1", f"/api/incidents/{CONVOY}").status_code == 404
    assert get(mission, "public1", f"/api/incidents/{MONITORS_OWN}").status_code == 404


def test_a_liaison_sees_the_findings_about_their_party(scoped: Mission) -> None:
    mission = scoped
    all_findings = get(mission, "analyst1", "/api/findings", agreement=AGREEMENT).json()["items"]
    government = {"syria-government", "government"}

    def names_government(f: dict[str, Any]) -> bool:
        named = {r["actor"] for r in f["responsible"]} | {r["side"] for r in f["responsible"]}
        return bool(named & government)

    on_convoy = [f for f in all_findings if f["incident"] == CONVOY]
    assert on_convoy and all(names_government(f) for f in on_convoy)  # checked first
    seen = get(mission, "liaison1", "/api/findings", agreement=AGREEMENT, incident=CONVOY)
    assert {f["obligation"] for f in seen.json()["items"]} == {f["obligation"] for f in on_convoy}
    # ... but not the (unpublished) incident itself, nor its claims.
    assert get(mission, "liaison1", f"/api/incidents/{CONVOY}").status_code == 404
    assert get(mission, "liaison1", "/api/claims", incident=CONVOY).status_code == 404

    # Unpublished incidents whose findings do not name the government's side stay hidden.
    by_incident: dict[str, list[dict[str, Any]]] = {}
    for f in all_findings:
        by_incident.setdefault(f["incident"], []).append(f)
    others = {
        i
        for i, fs in by_incident.items()
        if i != PUBLISHED and not any(names_government(f) for f in fs)
    }
    assert others
    visible = get(mission, "liaison1", "/api/findings", agreement=AGREEMENT).json()["items"]
    assert not {f["incident"] for f in visible} & others
    expected = {
        (f["incident"], f["obligation"])
        for f in all_findings
        if f["incident"] == PUBLISHED or names_government(f)
    }
    assert {(f["incident"], f["obligation"]) for f in visible} == expected
    assert ids(get(mission, "liaison1", "/api/incidents", limit=500)) == {PUBLISHED}


WITNESS = "Witness W-7731, shopkeeper by the market"
SOURCE_LAT, SOURCE_LON = 36.2012345, 37.1598765


def test_witnesses_and_source_places_never_reach_the_public_or_a_party(scoped: Mission) -> None:
    mission = scoped
    from datetime import UTC, datetime

    with mission.db.transaction() as conn:
        for incident_id in (PUBLISHED, CONVOY):
            conn.execute(
                insert(field_reports).values(
                    incident_id=incident_id,
                    user_name="monitor1",
                    submitted_at=datetime(2016, 9, 20, 9, 0, tzinfo=UTC),
                    description="Account of the strike heard by our monitor.",
                    witness=WITNESS,
                    source_latitude=SOURCE_LAT,
                    source_longitude=SOURCE_LON,
                    client_ref=f"phone-1-{incident_id}",
                )
            )
    secrets = (WITNESS, "W-7731", str(SOURCE_LAT), str(SOURCE_LON), "phone-1-")
    app = mission.client.app
    assert isinstance(app, FastAPI)
    gets = [r for r in api_routes(app) if r.method == "GET"]
    for who in ("public1", None, "liaison1"):
        responses = [call(mission, who, "GET", r.path) for r in gets]
        responses += [
            get(mission, who, f"/api/incidents/{i}", agreement=AGREEMENT)
            for i in (PUBLISHED, CONVOY)
        ]
        responses += [
            get(mission, who, "/api/export", format=fmt) for fmt in ("csv", "hxl", "geojson")
        ]
        for r in responses:
            for secret in secrets:
                assert secret not in r.text, (who, str(r.url), secret)
        shown = get(mission, who, f"/api/incidents/{PUBLISHED}").json()
        (report,) = shown["field_reports"]
        assert report["description"].startswith("Account of the strike")
        assert {"witness", "source_latitude", "source_longitude", "user_name"}.isdisjoint(report)

    # The mission's analysts, and the monitor who recorded it, see them.
    for who in ("analyst1", "monitor1"):
        (report,) = get(mission, who, f"/api/incidents/{PUBLISHED}").json()["field_reports"]
        assert report["witness"] == WITNESS
        assert (report["source_latitude"], report["source_longitude"]) == (SOURCE_LAT, SOURCE_LON)


def page_routes(app: FastAPI) -> list[ApiRoute]:
    """Every dashboard route (not /api, not the docs) with the permission it needs."""
    found: list[ApiRoute] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                if route.path.startswith(("/api", "/docs")):
                    continue
                for method in sorted(route.methods - {"HEAD"}):
                    found.append(
                        ApiRoute(
                            method,
                            route.path,
                            _permission(route.dependant),
                            route.endpoint.__module__,
                        )
                    )
            elif (inner := getattr(route, "original_router", None)) is not None:
                walk(inner.routes)

    walk(list(app.router.routes))
    return found


def test_dashboard_role_by_page_matrix(scoped: Mission) -> None:
    """The dashboard's pages and forms refuse exactly the roles the API refuses.

    A refused visitor who is not signed in is sent to the sign-in page (a
    form they post is answered 401); a signed-in role without the permission
    gets 403.  Pages take the same
    bearer tokens as the API (a form posted with a token needs no CSRF token).
    """
    mission = scoped
    app = mission.client.app
    assert isinstance(app, FastAPI)
    routes = page_routes(app)
    assert {(r.method, r.path) for r in routes} >= {
        ("GET", "/"),
        ("GET", "/review"),
        ("GET", "/field"),
        ("POST", "/field"),
        ("POST", "/incidents/{incident_id:path}/status"),
        ("POST", "/incidents/{incident_id:path}/publish"),
    }
    checked = 0
    for route in routes:
        if route.needs is None:
            continue  # sign-in, sign-out, static files: for everyone
        url = route.path.replace("{incident_id:path}", PUBLISHED)
        for who in CALLERS:
            headers = mission.auth(who) if who else {}
            r = mission.client.request(route.method, url, headers=headers, follow_redirects=False)
            label = (route.method, route.path, who)
            location = r.headers.get("location", "")
            if allowed(who, route.needs):
                assert r.status_code != 403 and not location.startswith("/login"), label
                assert r.status_code < 500, label
            elif who is None and route.method == "GET":
                assert r.status_code == 303 and location.startswith("/login?next="), label
            elif who is None:  # a form posted without signing in: a page saying so
                assert r.status_code == 401 and "Sign in first" in r.text, label
            else:
                assert r.status_code == 403, label
                assert f"needs '{route.needs.value}'" in html.unescape(r.text), label
            checked += 1
    assert checked >= 12 * len(CALLERS)
