"""Who gets in, for how long, and how often they may guess.

- Tokens and sessions end: at expiry (moved into the past in the database:
  the server reads the clock, the test moves the record), after an idle
  spell (sessions), on revocation, on deactivation and on a new password.
- Sign-in is rate limited per account and per client address: past the
  limit, 429 with Retry-After — the right password too — until the window
  has passed; the lockout is audited, and the failure table holds neither
  the names typed nor the addresses in clear.
- CSRF: a write made with a session cookie needs the session's token, for
  the JSON API and the dashboard's forms alike; a sign-in needs the form's
  own token (no login CSRF).

Runs on SQLite and PostgreSQL through the ``mission`` fixture (the real app
over the Sept 2016 case).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.api.conftest import CONVOY, PASSWORD, Mission
from tests.web.test_pages import csrf_of, form_sign_in
from trucewatch.accounts import (
    LoginLimits,
    SignInLockedError,
    issue_token,
    set_active,
    set_password,
    sign_in,
    user_by_session,
)
from trucewatch.api import Settings, create_app
from trucewatch.store.schema import api_tokens, audit_log, login_failures, sessions, users

LOGIN_MESSAGE = "Too many failed sign-ins from this"


def me(client: TestClient, headers: dict[str, str] | None = None) -> dict[str, Any]:
    r = client.get("/api/me", headers=headers or {})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def signed_in(mission: Mission, name: str) -> TestClient:
    """A fresh browser signed in as ``name`` through the form."""
    client = TestClient(mission.client.app)
    r = form_sign_in(client, name)
    assert r.status_code == 303, r.text
    return client


def _move(mission: Mission, table: Any, *where: Any, **values: Any) -> None:
    """Set ``values`` on the rows of ``table`` (matching ``where``): the clock moved on."""
    with mission.db.transaction() as conn:
        conn.execute(update(table).where(*where).values(**values))


def login(client: TestClient, name: str, password: str) -> Any:
    page = client.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token is not None
    return client.post(
        "/login",
        data={"name": name, "password": password, "login_token": token.group(1)},
        follow_redirects=False,
    )


# --------------------------------------------------------------------------- expiry and revocation


def test_a_token_stops_working_when_it_expires_or_is_revoked(mission: Mission) -> None:
    client = mission.client
    token = issue_token(mission.db, "analyst1", by="test", label="expiry test", days=1)
    headers = {"Authorization": f"Bearer {token}"}
    assert me(client, headers)["name"] == "analyst1"
    _move(
        mission,
        api_tokens,
        api_tokens.c.label == "expiry test",
        expires_at=datetime.now(UTC) - timedelta(seconds=1),
    )
    r = client.get("/api/me", headers=headers)
    assert r.status_code == 401
    assert r.json()["detail"] == (
        "this token is unknown, expired or revoked — ask an admin for a new one"
    )
    # Revocation through the API, by an admin: the user's other token dies at once.
    fresh = issue_token(mission.db, "monitor1", by="test")
    assert me(client, {"Authorization": f"Bearer {fresh}"})["name"] == "monitor1"
    revoked = client.post("/api/users/monitor1/revoke", headers=mission.auth("admin1"))
    assert revoked.status_code == 200, revoked.text
    assert client.get("/api/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 401


def test_a_session_ends_at_its_absolute_expiry(mission: Mission) -> None:
    browser = signed_in(mission, "analyst1")
    assert me(browser)["via"] == "session"
    _move(mission, sessions, expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert me(browser)["via"] == "anonymous"
    page = browser.get("/review", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_a_session_ends_after_an_idle_hour_and_each_use_moves_that_on(mission: Mission) -> None:
    browser = signed_in(mission, "analyst1")
    half_hour_ago = datetime.now(UTC) - timedelta(minutes=30)
    _move(mission, sessions, last_seen_at=half_hour_ago)
    assert me(browser)["via"] == "session"  # used within the hour: still live, and now seen
    with mission.db.engine.connect() as conn:
        seen = conn.execute(select(sessions.c.last_seen_at)).scalar_one()
    assert (seen if seen.tzinfo else seen.replace(tzinfo=UTC)) > half_hour_ago
    _move(mission, sessions, last_seen_at=datetime.now(UTC) - timedelta(minutes=61))
    assert me(browser)["via"] == "anonymous"


def test_the_idle_limit_is_a_setting(mission: Mission) -> None:
    settings = Settings(db_url=mission.db.url, evidence_store=mission.store, session_idle_minutes=5)
    with TestClient(create_app(settings, db=mission.db)) as client:
        assert form_sign_in(client, "analyst1").status_code == 303
        _move(mission, sessions, last_seen_at=datetime.now(UTC) - timedelta(minutes=6))
        assert me(client)["via"] == "anonymous"


def test_a_new_password_or_deactivation_ends_sessions(mission: Mission) -> None:
    browser = signed_in(mission, "analyst1")
    assert me(browser)["via"] == "session"
    set_password(mission.db, "analyst1", "another long passphrase", by="admin1")
    assert me(browser)["via"] == "anonymous"
    with mission.db.engine.connect() as conn:
        entry = conn.execute(
            select(audit_log.c.after).where(audit_log.c.action == "password_set")
        ).scalar_one()
    assert '"sessions_ended": 1' in str(entry).replace("'", '"')

    liaison = signed_in(mission, "liaison1")
    assert me(liaison)["via"] == "session"
    assert me(mission.client, mission.auth("liaison1"))["name"] == "liaison1"
    set_active(mission.db, "liaison1", False, by="admin1")
    assert me(liaison)["via"] == "anonymous"
    assert mission.client.get("/api/me", headers=mission.auth("liaison1")).status_code == 401


def test_sessions_time_out_by_the_clock_given(mission: Mission) -> None:
    """The same rules through accounts' injectable clock (no database edits)."""
    t0 = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    session = sign_in(mission.db, "monitor1", PASSWORD, hours=12, now=t0)
    assert session is not None
    idle = timedelta(minutes=60)
    assert user_by_session(mission.db, session.cookie, idle=idle, now=t0 + timedelta(minutes=59))
    # Used at 8:59, so still live at 9:58; not after an hour without use.
    assert user_by_session(mission.db, session.cookie, idle=idle, now=t0 + timedelta(minutes=118))
    assert (
        user_by_session(mission.db, session.cookie, idle=idle, now=t0 + timedelta(hours=3)) is None
    )
    # Kept busy, it still ends at the absolute limit.
    busy = sign_in(mission.db, "monitor1", PASSWORD, hours=12, now=t0)
    assert busy is not None
    for minutes in range(30, 12 * 60, 30):
        assert user_by_session(
            mission.db, busy.cookie, idle=idle, now=t0 + timedelta(minutes=minutes)
        )
    assert user_by_session(mission.db, busy.cookie, idle=idle, now=t0 + timedelta(hours=12)) is None


# --------------------------------------------------------------------------- sign-in rate limit


def test_bad_sign_ins_lock_the_account_then_it_unlocks_after_the_window(mission: Mission) -> None:
    client = TestClient(mission.client.app)
    for _ in range(5):
        r = login(client, "analyst1", "a wrong guess at it")
        assert r.status_code == 401
    locked = login(client, "analyst1", "a wrong guess at it")
    assert locked.status_code == 429
    assert LOGIN_MESSAGE + " account" in locked.text
    assert 1 <= int(locked.headers["retry-after"]) <= 15 * 60
    # The right password is refused too while locked (it is not even checked).
    right = login(client, "analyst1", PASSWORD)
    assert right.status_code == 429 and "tw_session" not in right.headers.get("set-cookie", "")
    # Another account from elsewhere is not affected by this account's lock.
    assert login(TestClient(mission.client.app), "monitor1", PASSWORD).status_code == 303
    with mission.db.engine.connect() as conn:
        audited = conn.execute(
            select(audit_log.c.entity_id).where(audit_log.c.action == "sign_in_locked")
        ).scalars()
        keys = list(conn.execute(select(login_failures.c.key)).scalars())
        assert list(audited) == ["analyst1"]
    # Neither the name nor the client address is stored in clear.
    assert keys and not any("analyst1" in k or "testclient" in k for k in keys)
    # The window passes: the right password works again, and clears the count.
    _move(mission, login_failures, at=datetime.now(UTC) - timedelta(minutes=16))
    assert login(client, "analyst1", PASSWORD).status_code == 303


def test_many_bad_sign_ins_from_one_address_lock_that_address(mission: Mission) -> None:
    client = TestClient(mission.client.app)  # every request comes from "testclient"
    for n in range(20):
        assert login(client, f"guess{n}", "a wrong guess at it").status_code == 401
    blocked = login(client, "monitor1", PASSWORD)
    assert blocked.status_code == 429 and LOGIN_MESSAGE + " address" in blocked.text
    assert int(blocked.headers["retry-after"]) >= 1
    with mission.db.engine.connect() as conn:
        kinds = list(
            conn.execute(
                select(audit_log.c.entity_type).where(audit_log.c.action == "sign_in_locked")
            ).scalars()
        )
    assert kinds == ["client"]


def test_the_limits_are_enforced_by_accounts_for_any_face(mission: Mission) -> None:
    """``sign_in`` itself refuses, so any other way in (a future API login) gets the same rule."""
    limits = LoginLimits(per_account=2, per_address=50, window=timedelta(minutes=1))
    t0 = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    for s in range(2):
        assert (
            sign_in(mission.db, "admin1", "nope", limits=limits, now=t0 + timedelta(seconds=s))
            is None
        )
    try:
        sign_in(mission.db, "admin1", PASSWORD, limits=limits, now=t0 + timedelta(seconds=10))
    except SignInLockedError as e:
        assert (e.what, e.retry_after) == ("account", 50)
    else:
        raise AssertionError("the third attempt was not refused")
    assert sign_in(mission.db, "admin1", PASSWORD, limits=limits, now=t0 + timedelta(seconds=61))


# --------------------------------------------------------------------------- CSRF


def test_cookie_authenticated_api_writes_need_the_csrf_token(mission: Mission) -> None:
    browser = signed_in(mission, "analyst1")
    csrf = csrf_of(browser.get("/review").text)
    url = f"/api/incidents/{CONVOY}/status"
    body = {"to": "under_review", "reason": "synthetic CSRF test"}
    missing = browser.post(url, json=body)
    assert missing.status_code == 403
    assert missing.json()["detail"] == "missing or wrong CSRF token — reload the page and try again"
    wrong = browser.post(url, json=body, headers={"X-CSRF-Token": "not-the-token"})
    assert wrong.status_code == 403
    with mission.db.engine.connect() as conn:
        from trucewatch.store.schema import incidents

        assert (
            conn.execute(select(incidents.c.status).where(incidents.c.id == CONVOY)).scalar_one()
            == "reported"
        )
    ok = browser.post(url, json=body, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200, ok.text


def test_dashboard_forms_need_the_csrf_token(mission: Mission) -> None:
    browser = signed_in(mission, "analyst1")
    page = browser.get(f"/incidents/{CONVOY}")
    csrf = csrf_of(page.text)
    form = {"to": "under_review", "reason": "synthetic CSRF test"}
    for sent in ({}, {"csrf_token": "forged"}):
        refused = browser.post(
            f"/incidents/{CONVOY}/status", data={**form, **sent}, follow_redirects=False
        )
        assert refused.status_code == 403 and "missing or wrong CSRF token" in refused.text
    for path in ("/logout", "/field"):
        assert browser.post(path, data={"csrf_token": "forged"}).status_code == 403
    done = browser.post(
        f"/incidents/{CONVOY}/status", data={**form, "csrf_token": csrf}, follow_redirects=False
    )
    assert done.status_code == 303
    # Another user's session token is not this session's.
    other = signed_in(mission, "admin1")
    other_csrf = csrf_of(other.get("/review").text)
    assert other_csrf != csrf
    cross = browser.post(
        f"/incidents/{CONVOY}/status",
        data={"to": "verified", "reason": "x", "csrf_token": other_csrf},
        follow_redirects=False,
    )
    assert cross.status_code == 403


def test_a_token_call_needs_no_csrf_and_a_login_needs_the_forms_own_token(
    mission: Mission,
) -> None:
    r = mission.client.post(
        f"/api/incidents/{CONVOY}/status",
        json={"to": "under_review", "reason": "synthetic: bearer tokens are not sent by browsers"},
        headers=mission.auth("analyst1"),
    )
    assert r.status_code == 200
    fresh = TestClient(mission.client.app)  # no tw_login cookie: a cross-site form
    forged = fresh.post(
        "/login", data={"name": "analyst1", "password": PASSWORD, "login_token": "x"}
    )
    assert forged.status_code == 400 and "The sign-in form expired" in forged.text
    with mission.db.engine.connect() as conn:
        assert conn.execute(select(users.c.name).where(users.c.name == "analyst1")).first()
