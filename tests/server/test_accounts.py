"""Users, tokens and sessions: what lets a caller in, and what stops letting them in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from trucewatch.accounts import (
    PERMISSIONS,
    Permission,
    Role,
    add_user,
    issue_token,
    list_users,
    revoke_tokens,
    set_active,
    set_password,
    sign_in,
    sign_out,
    user_by_session,
    user_by_token,
)
from trucewatch.api.settings import Settings
from trucewatch.errors import InputError
from trucewatch.store import Database
from trucewatch.store.audit import verify_chain
from trucewatch.store.schema import api_tokens, audit_log, users

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"


def _count(db: Database, table: object) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_a_token_lets_its_user_in_and_only_its_hash_is_stored(db: Database) -> None:
    _, token = add_user(db, "analyst1", "analyst", by="admin", now=T0)
    assert token.startswith("tw_") and len(token) > 40
    found = user_by_token(db, token, now=T0)
    assert found is not None and found.name == "analyst1" and found.role == Role.ANALYST
    with db.engine.connect() as conn:
        stored = list(conn.execute(select(api_tokens.c.token_sha256)).scalars())
    assert token not in stored and len(stored[0]) == 64
    assert user_by_token(db, token + "x", now=T0) is None


def test_a_token_expires(db: Database) -> None:
    _, token = add_user(db, "m1", "monitor", by="admin", token_days=1, now=T0)
    assert user_by_token(db, token, now=T0 + timedelta(hours=23)) is not None
    assert user_by_token(db, token, now=T0 + timedelta(days=1, seconds=1)) is None


def test_revoking_stops_tokens_and_sessions_at_once(db: Database) -> None:
    _, first = add_user(db, "a1", "analyst", by="admin", password=PASSWORD, now=T0)
    second = issue_token(db, "a1", by="admin", label="script", now=T0)
    session = sign_in(db, "a1", PASSWORD, now=T0)
    assert session is not None
    assert revoke_tokens(db, "a1", by="admin", now=T0) == 3
    assert user_by_token(db, first, now=T0) is None
    assert user_by_token(db, second, now=T0) is None
    assert user_by_session(db, session.cookie, now=T0) is None


def test_a_deactivated_user_is_shut_out(db: Database) -> None:
    _, token = add_user(db, "p1", "public", by="admin", now=T0)
    set_active(db, "p1", False, by="admin", now=T0)
    assert user_by_token(db, token, now=T0) is None
    assert [u.active for u in list_users(db)] == [False]


def test_sign_in_checks_the_password_and_sessions_end(db: Database) -> None:
    add_user(db, "a1", "analyst", by="admin", password=PASSWORD, now=T0)
    assert sign_in(db, "a1", "wrong password here", now=T0) is None
    assert sign_in(db, "nobody", PASSWORD, now=T0) is None
    session = sign_in(db, "a1", PASSWORD, hours=1, now=T0)
    assert session is not None
    found = user_by_session(db, session.cookie, now=T0)
    assert found is not None and found[0].name == "a1" and found[1] == session.csrf_token
    assert user_by_session(db, session.cookie, now=T0 + timedelta(hours=1, seconds=1)) is None
    sign_out(db, session.cookie, now=T0)
    assert user_by_session(db, session.cookie, now=T0) is None


def test_a_token_only_user_cannot_sign_in_until_given_a_password(db: Database) -> None:
    add_user(db, "a1", "analyst", by="admin", now=T0)
    assert sign_in(db, "a1", PASSWORD, now=T0) is None
    set_password(db, "a1", PASSWORD, by="admin", now=T0)
    assert sign_in(db, "a1", PASSWORD, now=T0) is not None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "a b", "role": "analyst"}, "NAME: 'a b' is not a usable user name"),
        ({"name": "x", "role": "boss"}, "--role: 'boss' is not a role — use one of: admin,"),
        (
            {"name": "x", "role": "party_liaison"},
            "--party: a party liaison needs the party they speak for",
        ),
        (
            {"name": "x", "role": "party_liaison", "party": "syria-govt"},
            "--party: 'syria-govt' is not an actor id in the registry — did you mean "
            "syria-government",
        ),
        ({"name": "x", "role": "analyst", "party": "russia"}, "--party: a analyst has no party"),
        (
            {"name": "x", "role": "analyst", "password": "short"},
            "--password: the password is shorter than 12 characters",
        ),
    ],
)
def test_bad_users_are_refused_with_a_message_and_nothing_stored(
    db: Database, kwargs: dict[str, str], message: str
) -> None:
    before = (_count(db, users), _count(db, audit_log))
    with pytest.raises(InputError) as e:
        add_user(db, by="admin", now=T0, **kwargs)  # type: ignore[arg-type]
    assert str(e.value).startswith(message)
    assert (_count(db, users), _count(db, audit_log)) == before


def test_a_name_is_taken_once(db: Database) -> None:
    add_user(db, "a1", "analyst", by="admin", now=T0)
    with pytest.raises(InputError, match="user 'a1' already exists"):
        add_user(db, "a1", "monitor", by="admin", now=T0)


def test_every_change_to_users_is_audited_in_the_chain(db: Database) -> None:
    add_user(db, "a1", "analyst", by="admin", password=PASSWORD, now=T0)
    issue_token(db, "a1", by="admin", now=T0)
    revoke_tokens(db, "a1", by="admin", now=T0)
    with db.engine.connect() as conn:
        actions = list(conn.execute(select(audit_log.c.action).order_by(audit_log.c.id)).scalars())
        assert verify_chain(conn).ok
    assert actions == ["user_added", "token_issued", "token_issued", "tokens_revoked"]


def test_roles_grant_what_the_mission_needs() -> None:
    assert Permission.VERIFY in PERMISSIONS[Role.ANALYST]
    assert Permission.VERIFY not in PERMISSIONS[Role.MONITOR]
    assert Permission.SUBMIT in PERMISSIONS[Role.MONITOR]
    assert Permission.READ_ALL not in PERMISSIONS[Role.PARTY_LIAISON]
    assert Permission.REPLY in PERMISSIONS[Role.PARTY_LIAISON]
    assert PERMISSIONS[Role.PUBLIC] == frozenset({Permission.READ, Permission.EXPORT})
    assert PERMISSIONS[Role.ADMIN] == frozenset(Permission)


def test_production_refuses_cookies_over_plain_http() -> None:
    key = "k" * 40  # a key of production length: only the cookie setting is wrong
    with pytest.raises(InputError) as e:
        Settings.from_env({"TRUCEWATCH_ENV": "production", "TRUCEWATCH_SECRET_KEY": key})
    assert str(e.value) == (
        "TRUCEWATCH_SECURE_COOKIES: production needs session cookies sent over HTTPS only "
        "— serve behind TLS and set TRUCEWATCH_SECURE_COOKIES=1"
    )
    with pytest.raises(InputError, match="'staging' is not an environment"):
        Settings.from_env({"TRUCEWATCH_ENV": "staging"})
    ok = Settings.from_env(
        {
            "TRUCEWATCH_ENV": "production",
            "TRUCEWATCH_SECURE_COOKIES": "1",
            "TRUCEWATCH_SECRET_KEY": key,
        }
    )
    assert ok.secure_cookies
