"""Path traversal and SQL injection in every parameter of every route.

The routes are found by walking the app: the OpenAPI document for the JSON
API (path and query parameters, and every property of each JSON body), and
the dashboard's page routes (their declared parameters, plus the filters
the map and review pages read).  Each parameter in turn gets each payload,
the other parameters a valid value, sent as a user whose role may call the
route (an analyst where an analyst may).  Every answer must be:

- no 5xx, and no file content (``/etc/passwd``, or a canary file planted
  beside the evidence store) in any answer;
- a refusal (400/403/404/409/413/415/422) carrying a message, or an
  acceptance that treated the payload as data (a filter that matched
  nothing, a reply whose text is the payload); a redirect stays on this
  server.

Payloads go through Starlette's test client, which decodes a path once more
than a real server does: an encoded payload (``%2e%2e%2f``) arrives decoded,
which makes the test harsher, not milder.  Besides traversal and injection,
values a database may refuse to hold (a NUL character, a number beyond any
column) are sent too: PostgreSQL answered them with a 500 before app.py
learned to refuse them.

Afterwards no table has lost a row, every table still exists, and the audit
chain verifies.  Attempts and outcomes go to
test-artifacts/reliability/attacks.json.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, inspect, select

from tests.api.conftest import AGREEMENT, CONVOY, Mission
from tests.api.test_endpoints import publish
from tests.security.conftest import write_figures
from trucewatch.accounts import PERMISSIONS, Permission, Role
from trucewatch.api import Settings, create_app
from trucewatch.store import audit
from trucewatch.store.schema import metadata

PUBLISHED = "case:TW-SYR-0005"

TRAVERSAL = [
    "../../etc/passwd",
    "../../../../../../../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "....//....//etc/passwd",
    "..\\..\\..\\windows\\win.ini",
    "/etc/passwd",
    "../../etc/passwd%00.png",
    "file:///etc/passwd",
    "../canary.txt",
]
SQLI = [
    "' OR 1=1--",
    "' OR '1'='1",
    '" OR ""="',
    "1; DROP TABLE incidents",
    "'; DROP TABLE users;--",
    "1 UNION SELECT name, password_hash FROM users--",
    "' UNION SELECT token_sha256, csrf_token FROM sessions--",
    "admin'--",
    "%27%20OR%201%3D1",
    "1' AND 1=(SELECT COUNT(*) FROM api_tokens)--",
]

#: Values a database may refuse to hold: a NUL character, a number beyond any column.
MALFORMED = ["passwd\x00.png", "99999999999999999999", "-99999999999999999999"]

#: What a leak of a file would show.
LEAK_MARKERS = ("root:x:0:0", "[boot loader]", "[fonts]")

#: Statuses that refuse an attack.
REFUSALS = {400, 403, 404, 409, 413, 415, 422}

#: Valid bodies for the routes that write (the attacked field is replaced in a copy).
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/incidents/{incident_id}/status"): {
        "to": "under_review",
        "reason": "synthetic attack test",
    },
    ("POST", "/api/incidents/{incident_id}/publish"): {
        "published": False,
        "reason": "synthetic attack test",
    },
    ("POST", "/api/alerts/subscriptions"): {
        "channel": "webhook",
        "target": "https://receiver.example.org/hook",
        "agreement": AGREEMENT,
    },
    ("POST", "/api/incidents/{incident_id}/replies"): {
        "agreement": AGREEMENT,
        "obligation": "humanitarian-access",
        "party": "syria-government",
        "text": "Synthetic reply from the attack test.",
    },
    ("POST", "/api/users"): {"name": "attack-user", "role": "monitor"},
    ("POST", "/api/field-reports"): {
        "date": "2016-09-20",
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Shelling/artillery/missile attack",
        "place": "Urum al-Kubra",
        "description": "SYNTHETIC TEST REPORT from the attack test; no real event.",
        "witness": "Synthetic Witness (test data)",
    },
}
#: Valid values for parameters, where one is needed while another is attacked.
VALID: dict[str, str] = {
    "incident_id": PUBLISHED,
    "incident": PUBLISHED,
    "agreement_id": AGREEMENT,
    "agreement": AGREEMENT,
    "event_id": "un-sarc-urum-al-kubra",
    "name": "public1",
    "subscription_id": "1",
    "format": "csv",
}
#: Required query parameters per route (given a valid value unless attacked).
REQUIRED_QUERY: dict[str, tuple[str, ...]] = {
    "/api/claims": ("incident",),
    "/api/findings": ("agreement",),
    "/api/compliance": ("agreement",),
    "/api/access/report": ("agreement",),
}
#: The incident filters the dashboard's map and review pages read from the query.
PAGE_FILTERS = (
    "date_from",
    "date_to",
    "area",
    "actor",
    "event_type",
    "sub_event_type",
    "status",
    "verdict",
    "zone",
    "msg",
)


@dataclass(frozen=True)
class Target:
    """One parameter of one route: where it goes (path, query or body)."""

    method: str
    path: str
    where: str  # path | query | body
    name: str


@dataclass
class Tally:
    """Outcomes of every attempt."""

    attempts: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    field_reports_stored: int = 0


def _schema(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref:
        found: dict[str, Any] = spec
        for part in ref.lstrip("#/").split("/"):
            found = found[part]
        return found
    return node


def api_targets(spec: dict[str, Any]) -> list[Target]:
    """Every parameter and JSON body property of every operation in the OpenAPI document."""
    out: list[Target] = []
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            for p in op.get("parameters", []):
                out.append(Target(method.upper(), path, p["in"], p["name"]))
            content = op.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                schema = _schema(spec, content["application/json"]["schema"])
                for prop in schema.get("properties", {}):
                    out.append(Target(method.upper(), path, "body", prop))
    return out


def page_targets(app: FastAPI) -> list[Target]:
    """Every declared parameter of the dashboard's routes, and the filters pages read."""
    out: list[Target] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                if route.path.startswith(("/api", "/docs", "/openapi")):
                    continue
                for method in sorted(route.methods - {"HEAD"}):
                    names = [(p.alias, "path") for p in route.dependant.path_params]
                    names += [(p.alias, "query") for p in route.dependant.query_params]
                    if route.path in ("/", "/review") and method == "GET":
                        names += [(f, "query") for f in PAGE_FILTERS]
                    out.extend(Target(method, route.path, w, n) for n, w in names)
            elif (inner := getattr(route, "original_router", None)) is not None:
                walk(inner.routes)

    walk(list(app.router.routes))
    return out


def _caller(spec: dict[str, Any], target: Target) -> str:
    """Who sends the attack: an analyst where an analyst may call the route."""
    if target.path.endswith("/replies"):
        return "liaison1"
    if target.path.startswith("/api/users"):
        return "admin1"
    return "analyst1"


def _fill(path: str, target: Target, payload: str) -> str:
    out = path
    for name in [s[1:-1].split(":")[0] for s in path.split("/") if s.startswith("{")]:
        value = payload if (target.where == "path" and target.name == name) else VALID[name]
        out = out.replace("{" + name + "}", quote(value, safe=""))
        out = out.replace("{" + name + ":path}", quote(value, safe=""))
    return out


def _send(client: TestClient, target: Target, payload: str, headers: dict[str, str]) -> Any:
    url = _fill(target.path, target, payload)
    params = {q: VALID[q] for q in REQUIRED_QUERY.get(target.path, ())}
    if target.where == "query":
        params[target.name] = payload
    body = None
    if (target.method, target.path) in BODIES:
        body = dict(BODIES[(target.method, target.path)])
        if target.path == "/api/users":
            body["name"] = f"attack-{uuid.uuid4().hex[:8]}"
        if target.path == "/api/field-reports":
            body["client_ref"] = f"attack-{uuid.uuid4().hex}"
        if target.where == "body":
            body[target.name] = payload
    return client.request(
        target.method,
        url,
        params=params or None,
        json=body,
        headers=headers,
        follow_redirects=False,
    )


def _message(response: Any) -> str:
    if "json" in response.headers.get("content-type", ""):
        detail = response.json().get("detail")
        return json.dumps(detail) if detail else ""
    return response.text


def _counts(mission: Mission) -> dict[str, int]:
    with mission.db.engine.connect() as conn:
        return {
            t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in metadata.sorted_tables
        }


@pytest.fixture
def attack_client(mission: Mission) -> Iterator[TestClient]:
    """The mission's app, answering server errors as 500 instead of raising them here."""
    publish(mission, PUBLISHED)
    settings = Settings(db_url=mission.db.url, evidence_store=mission.store)
    with TestClient(create_app(settings, db=mission.db), raise_server_exceptions=False) as c:
        yield c


def test_traversal_and_injection_in_every_parameter_are_refused_or_inert(
    mission: Mission, attack_client: TestClient, tmp_path: Path
) -> None:
    canary = tmp_path / "canary.txt"
    secret_text = f"CANARY-{uuid.uuid4().hex}"
    canary.write_text(secret_text, encoding="utf-8")
    payloads = [("traversal", p) for p in [*TRAVERSAL, str(canary)]]
    payloads += [("sqli", p) for p in SQLI] + [("malformed", p) for p in MALFORMED]

    app = attack_client.app
    assert isinstance(app, FastAPI)
    spec = app.openapi()
    targets = api_targets(spec) + page_targets(app)
    routes = {(t.method, t.path) for t in targets}
    # Every API operation is attacked (those without parameters have nothing to attack).
    assert len({(t.method, t.path) for t in api_targets(spec)}) >= 20
    tables_before = set(inspect(mission.db.engine).get_table_names())
    before = _counts(mission)

    tally = Tally()
    for target in targets:
        who = _caller(spec, target)
        assert Permission.READ in PERMISSIONS[Role(_role_of(who))]
        for kind, payload in payloads:
            r = _send(attack_client, target, payload, mission.auth(who))
            tally.attempts += 1
            tally.by_kind[kind] += 1
            label = f"{target.method} {target.path} {target.where}:{target.name}={payload!r}"
            text = r.text
            if r.status_code >= 500:
                tally.outcomes["5xx"] += 1
                tally.failures.append(f"{r.status_code} {label}: {text[:200]}")
                continue
            if any(m in text for m in LEAK_MARKERS) or secret_text in text:
                tally.outcomes["leak"] += 1
                tally.failures.append(f"file content leaked: {label}")
                continue
            if r.status_code in REFUSALS:
                if not _message(r).strip():
                    tally.failures.append(f"{r.status_code} without a message: {label}")
                tally.outcomes[f"refused_{r.status_code}"] += 1
            elif 300 <= r.status_code < 400:
                location = r.headers.get("location", "")
                parts = urlsplit(location)
                if parts.scheme or parts.netloc or location.startswith("//"):
                    tally.failures.append(f"redirect off the server to {location}: {label}")
                tally.outcomes["redirected_here"] += 1
            elif 200 <= r.status_code < 300:
                tally.outcomes["accepted_as_data"] += 1
                if target.path == "/api/field-reports" and r.status_code == 201:
                    tally.field_reports_stored += 1
            else:
                tally.failures.append(f"unexpected {r.status_code}: {label}")

    assert tally.failures == []
    # Nothing dropped, nothing deleted: every table is there with at least its rows.
    assert set(inspect(mission.db.engine).get_table_names()) == tables_before
    after = _counts(mission)
    shrunk = {t: (before[t], after[t]) for t in before if after[t] < before[t]}
    assert shrunk == {}
    # The only incidents added are the field reports that were accepted as data.
    assert after["incidents"] - before["incidents"] == tally.field_reports_stored
    with mission.db.engine.connect() as conn:
        chain = audit.verify_chain(conn)
    assert chain.ok, chain.reason
    refused = sum(v for k, v in tally.outcomes.items() if k.startswith("refused_"))
    write_figures(
        "attacks",
        mission.db.dialect,
        {
            "routes_attacked": len(routes),
            "parameters_attacked": len(targets),
            "payloads": {
                "traversal": len(TRAVERSAL) + 1,
                "sql_injection": len(SQLI),
                "nul_and_out_of_range": len(MALFORMED),
            },
            "attempts": tally.attempts,
            "attempts_by_kind": dict(tally.by_kind),
            "refused": refused,
            "outcomes": dict(sorted(tally.outcomes.items())),
            "server_errors": tally.outcomes["5xx"],
            "file_contents_leaked": tally.outcomes["leak"],
            "rows_lost": sum(b - a for b, a in shrunk.values()),
            "tables_dropped": len(
                tables_before - set(inspect(mission.db.engine).get_table_names())
            ),
            "command": "python -m pytest tests/security/test_attacks.py -q",
        },
    )


def _role_of(name: str) -> str:
    from tests.api.conftest import USERS

    return USERS[name][0].value


def test_the_convoy_record_is_untouched_by_the_attacks_on_another(
    mission: Mission, attack_client: TestClient
) -> None:
    """An injected id never reaches a different record: the convoy attack's row is unchanged."""
    before = attack_client.get(f"/api/incidents/{CONVOY}", headers=mission.auth("analyst1")).json()
    for payload in SQLI:
        attack_client.post(
            f"/api/incidents/{quote(CONVOY + payload, safe='')}/status",
            json={"to": "under_review", "reason": "synthetic attack test"},
            headers=mission.auth("analyst1"),
        )
    after = attack_client.get(f"/api/incidents/{CONVOY}", headers=mission.auth("analyst1")).json()
    assert (after["status"], after["version"]) == (before["status"], before["version"])
