"""Users, roles, API tokens and browser sessions of a mission's server.

A monitoring mission shares one server between people who must not see or
change the same things: monitors submit from the field, analysts verify and
publish, parties' liaisons read the findings about their own party and reply,
the public reads what is published.  This module keeps who is who and what
each role may do; the faces (API, dashboard, CLI) ask it and never decide
permissions themselves.

Secrets are never stored: an API token or a session cookie is kept as its
SHA-256 (a copy of the database lets nobody in), a password as an argon2id
hash.  Every change to a user or a token is written to the audit log.

Guessing is limited: after a few failed sign-ins for one name, or many from
one client address, within a window, sign-in is refused outright
(``SignInLockedError``, the dashboard's 429) until the window has passed, the
password unchecked; a lockout is audited.  A session ends at its absolute
expiry, after an idle spell, when its user is deactivated, revoked, or
given a new password.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import math
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, func, insert, select, update

from trucewatch.errors import InputError, Problem
from trucewatch.store import Database, audit
from trucewatch.store.schema import api_tokens, login_failures, sessions, users


class Role(StrEnum):
    """What a user is to the mission; each role's powers are in ``PERMISSIONS``."""

    ADMIN = "admin"
    ANALYST = "analyst"
    MONITOR = "monitor"
    PARTY_LIAISON = "party_liaison"
    PUBLIC = "public"


class Permission(StrEnum):
    """One thing a user may do.  Reading is further narrowed by ``Scope``."""

    READ = "read"  # what the role's scope lets it see
    READ_ALL = "read_all"  # every incident, unpublished and sensitive fields included
    SUBMIT = "submit"  # field reports and evidence
    VERIFY = "verify"  # move incidents through verification
    PUBLISH = "publish"  # make an incident public
    ATTRIBUTE = "attribute"  # record claims and sources
    REPLY = "reply"  # a party's reply to a finding about it
    SUBSCRIBE = "subscribe"  # alert subscriptions of one's own
    EXPORT = "export"  # CSV / ACLED / HXL exports (of what the scope shows)
    MANAGE_USERS = "manage_users"
    MANAGE_AGREEMENTS = "manage_agreements"


PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.ANALYST: frozenset(
        {
            Permission.READ,
            Permission.READ_ALL,
            Permission.VERIFY,
            Permission.PUBLISH,
            Permission.ATTRIBUTE,
            Permission.SUBSCRIBE,
            Permission.EXPORT,
            Permission.SUBMIT,
        }
    ),
    Role.MONITOR: frozenset({Permission.READ, Permission.SUBMIT}),
    Role.PARTY_LIAISON: frozenset(
        {Permission.READ, Permission.REPLY, Permission.SUBSCRIBE, Permission.EXPORT}
    ),
    Role.PUBLIC: frozenset({Permission.READ, Permission.EXPORT}),
}

#: How long an API token and a browser session live unless told otherwise.
TOKEN_DAYS = 90
SESSION_HOURS = 12
#: A session unused for this long ends (the absolute limit is ``SESSION_HOURS``).
SESSION_IDLE = timedelta(minutes=60)
#: A session's last use is written at most this often (not on every request).
_SEEN_EVERY = timedelta(minutes=1)

#: Names are what the audit log records; keep them plain.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
_TOKEN_PREFIX = "tw_"
_hasher = PasswordHasher()


@dataclass(frozen=True)
class User:
    """A signed-in (or looked-up) user: name, role and, for a liaison, their party."""

    id: int
    name: str
    role: Role
    party: str | None = None
    active: bool = True

    def can(self, permission: Permission) -> bool:
        """Whether this user's role grants ``permission``."""
        return self.active and permission in PERMISSIONS[self.role]


#: Who reads without signing in: the public.
ANONYMOUS = User(id=0, name="anonymous", role=Role.PUBLIC)


def sha256_hex(secret: str) -> str:
    """The stored form of a token or session cookie."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret() -> str:
    """A fresh API token or session cookie: 256 random bits, URL-safe."""
    return _TOKEN_PREFIX + secrets.token_urlsafe(32)


def _role(value: str, option: str = "--role") -> Role:
    try:
        return Role(value)
    except ValueError:
        raise InputError(
            [
                Problem(
                    option,
                    None,
                    f"'{value}' is not a role",
                    f"use one of: {', '.join(r.value for r in Role)}",
                )
            ]
        ) from None


def _user_of(row: object) -> User:
    return User(
        id=row.id,  # type: ignore[attr-defined]
        name=row.name,  # type: ignore[attr-defined]
        role=Role(row.role),  # type: ignore[attr-defined]
        party=row.party,  # type: ignore[attr-defined]
        active=bool(row.active),  # type: ignore[attr-defined]
    )


def _check_password(password: str) -> None:
    if len(password) < 12:
        raise InputError(
            [
                Problem(
                    "--password",
                    None,
                    "the password is shorter than 12 characters",
                    "choose a longer one (a passphrase of a few words is fine)",
                )
            ]
        )


def add_user(
    db: Database,
    name: str,
    role: str,
    *,
    by: str,
    party: str | None = None,
    password: str | None = None,
    token_days: int | None = TOKEN_DAYS,
    now: datetime | None = None,
) -> tuple[User, str]:
    """Create a user and their first API token; returns the user and the token.

    The token is shown once: only its hash is stored.  A party liaison must
    name the party (an actor id) they speak for; other roles must not.
    """
    now = now or datetime.now(UTC)
    if not _NAME.match(name):
        raise InputError(
            [
                Problem(
                    "NAME",
                    None,
                    f"'{name}' is not a usable user name",
                    "use letters, digits and . _ @ - (up to 100), starting with a letter or digit",
                )
            ]
        )
    r = _role(role)
    if r == Role.PARTY_LIAISON and not party:
        raise InputError(
            [
                Problem(
                    "--party",
                    None,
                    "a party liaison needs the party they speak for",
                    "give --party ACTOR_ID (e.g. --party syria-government)",
                )
            ]
        )
    if party and r != Role.PARTY_LIAISON:
        raise InputError(
            [Problem("--party", None, f"a {r.value} has no party", "give --party only to liaisons")]
        )
    if party:
        from trucewatch.actors import ActorRegistry

        registry = ActorRegistry.shipped()
        if party not in registry:
            close = registry.closest(party)
            raise InputError(
                [
                    Problem(
                        "--party",
                        None,
                        f"'{party}' is not an actor id in the registry",
                        (f"did you mean {', '.join(close)}? " if close else "")
                        + "see `trucewatch actors resolve NAME` for the id",
                    )
                ]
            )
    if password is not None:
        _check_password(password)
    db.require_current()
    with db.transaction() as conn:
        if conn.execute(select(users.c.id).where(users.c.name == name)).first():
            raise InputError(
                [Problem("NAME", None, f"user '{name}' already exists", "choose another name")]
            )
        user_id = conn.execute(
            insert(users)
            .values(
                name=name,
                role=r.value,
                party=party,
                active=True,
                created_at=now,
                password_hash=_hasher.hash(password) if password else None,
            )
            .returning(users.c.id)
        ).scalar_one()
        audit.record(
            conn,
            at=now,
            user=by,
            action="user_added",
            entity_type="user",
            entity_id=name,
            after={"role": r.value, "party": party, "password": password is not None},
        )
        token = _issue_token(
            conn, user_id, name, label="first token", days=token_days, by=by, now=now
        )
    return User(id=user_id, name=name, role=r, party=party), token


def _issue_token(
    conn: Connection,
    user_id: int,
    name: str,
    *,
    label: str | None,
    days: int | None,
    by: str,
    now: datetime,
) -> str:
    token = new_secret()
    expires = now + timedelta(days=days) if days else None
    token_id = conn.execute(
        insert(api_tokens)
        .values(
            user_id=user_id,
            token_sha256=sha256_hex(token),
            label=label,
            created_at=now,
            expires_at=expires,
        )
        .returning(api_tokens.c.id)
    ).scalar_one()
    audit.record(
        conn,
        at=now,
        user=by,
        action="token_issued",
        entity_type="user",
        entity_id=name,
        after={
            "token_id": token_id,
            "label": label,
            "expires_at": expires.isoformat() if expires else None,
        },
    )
    return token


def _require_user(conn: Connection, name: str) -> User:
    row = conn.execute(select(users).where(users.c.name == name)).first()
    if row is None:
        raise InputError(
            [Problem("NAME", None, f"no user '{name}'", "see `trucewatch users list`")]
        )
    return _user_of(row)


def issue_token(
    db: Database,
    name: str,
    *,
    by: str,
    label: str | None = None,
    days: int | None = TOKEN_DAYS,
    now: datetime | None = None,
) -> str:
    """A new API token for an existing user (shown once)."""
    now = now or datetime.now(UTC)
    db.require_current()
    with db.transaction() as conn:
        user = _require_user(conn, name)
        return _issue_token(conn, user.id, name, label=label, days=days, by=by, now=now)


def revoke_tokens(db: Database, name: str, *, by: str, now: datetime | None = None) -> int:
    """Revoke every live token and session of a user; returns how many were live."""
    now = now or datetime.now(UTC)
    db.require_current()
    with db.transaction() as conn:
        user = _require_user(conn, name)
        n = conn.execute(
            update(api_tokens)
            .where(api_tokens.c.user_id == user.id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        ).rowcount
        n += conn.execute(
            update(sessions)
            .where(sessions.c.user_id == user.id, sessions.c.revoked_at.is_(None))
            .values(revoked_at=now)
        ).rowcount
        audit.record(
            conn,
            at=now,
            user=by,
            action="tokens_revoked",
            entity_type="user",
            entity_id=name,
            after={"revoked": n},
        )
    return int(n)


def set_active(
    db: Database, name: str, active: bool, *, by: str, now: datetime | None = None
) -> None:
    """Deactivate (or re-activate) a user: a deactivated user's tokens stop working."""
    now = now or datetime.now(UTC)
    db.require_current()
    with db.transaction() as conn:
        user = _require_user(conn, name)
        conn.execute(update(users).where(users.c.id == user.id).values(active=active))
        audit.record(
            conn,
            at=now,
            user=by,
            action="user_activated" if active else "user_deactivated",
            entity_type="user",
            entity_id=name,
            before={"active": user.active},
            after={"active": active},
        )


def set_password(
    db: Database, name: str, password: str, *, by: str, now: datetime | None = None
) -> None:
    """Set a user's password (for signing in from a browser)."""
    now = now or datetime.now(UTC)
    _check_password(password)
    db.require_current()
    with db.transaction() as conn:
        user = _require_user(conn, name)
        conn.execute(
            update(users).where(users.c.id == user.id).values(password_hash=_hasher.hash(password))
        )
        # Whoever signed in with the old password is signed out: a password is
        # changed because someone else may know it.
        ended = conn.execute(
            update(sessions)
            .where(sessions.c.user_id == user.id, sessions.c.revoked_at.is_(None))
            .values(revoked_at=now)
        ).rowcount
        audit.record(
            conn,
            at=now,
            user=by,
            action="password_set",
            entity_type="user",
            entity_id=name,
            after={"sessions_ended": int(ended)},
        )


def list_users(db: Database) -> list[User]:
    """Every user, by name."""
    db.require_current()
    with db.engine.connect() as conn:
        return [_user_of(r) for r in conn.execute(select(users).order_by(users.c.name))]


def user_by_token(db: Database, token: str, *, now: datetime | None = None) -> User | None:
    """The active user an unexpired, unrevoked API token belongs to, else None."""
    now = now or datetime.now(UTC)
    with db.engine.connect() as conn:
        row = conn.execute(
            select(users, api_tokens.c.expires_at)
            .join(api_tokens, api_tokens.c.user_id == users.c.id)
            .where(
                api_tokens.c.token_sha256 == sha256_hex(token),
                api_tokens.c.revoked_at.is_(None),
                users.c.active.is_(True),
            )
        ).first()
    if row is None or (row.expires_at is not None and _aware(row.expires_at) <= now):
        return None
    return _user_of(row)


def _aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Session:
    """A browser session: the cookie value (shown to the browser once) and its CSRF token."""

    cookie: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class LoginLimits:
    """How many failed sign-ins are allowed, per name and per client address, in a window.

    ``key`` hashes the name and address before they are stored (HMAC-SHA256):
    the table of failures must not list, in clear, where monitors connect
    from or a password mistyped into the name field.
    """

    per_account: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)
    key: bytes = b"development-only-not-a-secret"

    def hashed(self, kind: str, value: str) -> str:
        """The stored form of one counter's key."""
        return hmac.new(self.key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


class SignInLockedError(Exception):
    """Too many failed sign-ins: refused without checking the password, for ``retry_after`` s."""

    def __init__(self, retry_after: int, what: str) -> None:
        super().__init__(f"too many failed sign-ins for this {what}; retry in {retry_after} s")
        self.retry_after = retry_after
        self.what = what


def _locked_for(
    conn: Connection, key: str, limit: int, window: timedelta, now: datetime
) -> int | None:
    """Seconds until ``key`` may try again, or None if it may now."""
    recent = [
        _aware(r)
        for r in conn.execute(
            select(login_failures.c.at)
            .where(login_failures.c.key == key, login_failures.c.at > now - window)
            .order_by(login_failures.c.at.desc())
            .limit(limit)
        ).scalars()
    ]
    if len(recent) < limit:
        return None
    # Free again when the limit-th most recent failure leaves the window.
    return max(1, math.ceil((recent[-1] + window - now).total_seconds()))


def sign_in(
    db: Database,
    name: str,
    password: str,
    *,
    hours: int = SESSION_HOURS,
    address: str | None = None,
    limits: LoginLimits | None = None,
    now: datetime | None = None,
) -> Session | None:
    """Check a name and password; a new session if they match an active user, else None.

    The answer is the same for an unknown name and a wrong password, so the
    form does not tell an intruder which names exist.  While the name or the
    client ``address`` has had too many failures in the window, raise
    ``SignInLockedError`` without looking at the password (so a lockout cannot be
    used to test guesses); failures during a lockout are not counted, so it
    ends when the window has passed.
    """
    now = now or datetime.now(UTC)
    limits = limits or LoginLimits()
    keys = [("account", limits.hashed("account", name), limits.per_account)]
    if address:
        keys.append(("address", limits.hashed("address", address), limits.per_address))
    with db.engine.connect() as conn:
        for what, key, limit in keys:
            wait = _locked_for(conn, key, limit, limits.window, now)
            if wait is not None:
                raise SignInLockedError(wait, what)
        row = conn.execute(select(users).where(users.c.name == name)).first()
    stored = row.password_hash if row is not None else None
    try:
        ok = stored is not None and _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None or not row.active:
        if stored is None:
            # Spend the same time as a real check: timing must not reveal names.
            with contextlib.suppress(VerificationError):
                _hasher.verify(_DUMMY_HASH, password)
        _count_failure(db, keys, limits, known=row is not None, name=name, now=now)
        return None
    cookie, csrf = new_secret(), secrets.token_urlsafe(32)
    expires = now + timedelta(hours=hours)
    with db.transaction() as conn:
        conn.execute(delete(login_failures).where(login_failures.c.key == keys[0][1]))
        conn.execute(
            insert(sessions).values(
                user_id=row.id,
                token_sha256=sha256_hex(cookie),
                csrf_token=csrf,
                created_at=now,
                expires_at=expires,
                last_seen_at=now,
            )
        )
        audit.record(
            conn, at=now, user=name, action="signed_in", entity_type="user", entity_id=name
        )
    return Session(cookie, csrf, expires)


def _count_failure(
    db: Database,
    keys: list[tuple[str, str, int]],
    limits: LoginLimits,
    *,
    known: bool,
    name: str,
    now: datetime,
) -> None:
    """Record one failed sign-in; audit the failure that starts a lockout."""
    with db.transaction() as conn:
        conn.execute(delete(login_failures).where(login_failures.c.at <= now - limits.window))
        for what, key, limit in keys:
            conn.execute(insert(login_failures).values(key=key, at=now))
            n = conn.execute(
                select(func.count())
                .select_from(login_failures)
                .where(login_failures.c.key == key, login_failures.c.at > now - limits.window)
            ).scalar_one()
            if n == limit:
                audit.record(
                    conn,
                    at=now,
                    user="anonymous",
                    action="sign_in_locked",
                    entity_type="user" if what == "account" else "client",
                    # A name that is no account may be a password typed in the
                    # wrong field: only its keyed hash is kept.
                    entity_id=name if what == "account" and known else key[:16],
                    after={
                        "by": what,
                        "failures": int(n),
                        "window_s": int(limits.window.total_seconds()),
                    },
                )


_DUMMY_HASH = _hasher.hash("not a password anyone has")


def user_by_session(
    db: Database,
    cookie: str,
    *,
    idle: timedelta = SESSION_IDLE,
    now: datetime | None = None,
) -> tuple[User, str] | None:
    """The active user and CSRF token of a live session cookie, else None.

    A session is live until its absolute expiry and while it has been used
    within ``idle``; each use (at most once a minute) moves the idle limit on.
    """
    now = now or datetime.now(UTC)
    with db.engine.connect() as conn:
        row = conn.execute(
            select(
                users,
                sessions.c.id.label("session_id"),
                sessions.c.expires_at,
                sessions.c.csrf_token,
                sessions.c.created_at.label("session_created_at"),
                sessions.c.last_seen_at,
            )
            .join(sessions, sessions.c.user_id == users.c.id)
            .where(
                sessions.c.token_sha256 == sha256_hex(cookie),
                sessions.c.revoked_at.is_(None),
                users.c.active.is_(True),
            )
        ).first()
    if row is None or _aware(row.expires_at) <= now:
        return None
    seen = _aware(row.last_seen_at or row.session_created_at)
    if seen + idle <= now:
        return None
    if now - seen >= _SEEN_EVERY:
        with db.transaction() as conn:
            conn.execute(
                update(sessions).where(sessions.c.id == row.session_id).values(last_seen_at=now)
            )
    return _user_of(row), row.csrf_token


def sign_out(db: Database, cookie: str, *, now: datetime | None = None) -> None:
    """End a browser session."""
    now = now or datetime.now(UTC)
    with db.transaction() as conn:
        conn.execute(
            update(sessions)
            .where(sessions.c.token_sha256 == sha256_hex(cookie))
            .values(revoked_at=now)
        )
