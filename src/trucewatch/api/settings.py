"""The server's settings, from the environment, checked before it starts.

A server outside development refuses to start with a setting left at a value
anyone could know (a default secret), because a mission's server holds
evidence that parties would like to read or forge.

The server's own secrets are few: API tokens, session cookies, CSRF tokens
and webhook signing secrets are each drawn at random when issued, so none
has a default.  What an operator sets is ``TRUCEWATCH_SECRET_KEY`` (the key
that hashes the names and client addresses of failed sign-ins, so the
database does not list where monitors connect from) and the password in
``TRUCEWATCH_DB``; outside development both are checked here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from trucewatch.errors import InputError, Problem
from trucewatch.store.database import database_url

ENVIRONMENTS = ("development", "production")
#: The key used when none is set: fine on a developer's machine, refused elsewhere.
DEVELOPMENT_KEY = "development-only-not-a-secret"
#: A production key's least length (32 characters: e.g. ``openssl rand -base64 32``).
MIN_KEY_CHARS = 32
#: A database password's least length outside development.
MIN_DB_PASSWORD_CHARS = 12
#: Values that are defaults somewhere (examples, images, tutorials): never a secret.
KNOWN_DEFAULTS = frozenset(
    {
        "",
        DEVELOPMENT_KEY,
        "admin",
        "changeme",
        "change-me",
        "changeit",
        "default",
        "password",
        "postgres",
        "secret",
        "trucewatch",
        "test",
        "example",
    }
)


@dataclass(frozen=True)
class Settings:
    """Everything the server needs to know; see ``from_env`` for the variables."""

    db_url: str = field(default_factory=lambda: database_url(None))
    environment: str = "development"
    evidence_store: Path = Path("evidence")
    #: Cookies only over HTTPS (set in production behind TLS).
    secure_cookies: bool = False
    session_hours: int = 12
    #: Upload limit for field-report photos and documents.
    max_upload_bytes: int = 25 * 1024 * 1024
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "trucewatch@localhost"
    #: Base URL used in alert messages to link back to an incident.
    public_url: str = "http://127.0.0.1:8000"
    #: Key for hashing failed sign-ins' names and addresses (refused at its default in production).
    secret_key: str = DEVELOPMENT_KEY
    #: A session ends after this long without a request, whatever ``session_hours`` says.
    session_idle_minutes: int = 60
    #: Failed sign-ins allowed per account / per client address within ``login_window_minutes``.
    login_failures_per_account: int = 5
    login_failures_per_address: int = 20
    login_window_minutes: int = 15

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from ``TRUCEWATCH_*`` variables, then the given overrides."""
        env = dict(os.environ if environ is None else environ)
        values: dict[str, object] = {
            "db_url": database_url(env.get("TRUCEWATCH_DB")),
            "environment": env.get("TRUCEWATCH_ENV", "development"),
            "evidence_store": Path(env.get("TRUCEWATCH_EVIDENCE", "evidence")),
            "secure_cookies": env.get("TRUCEWATCH_SECURE_COOKIES", "") == "1",
            "smtp_host": env.get("TRUCEWATCH_SMTP_HOST") or None,
            "smtp_port": int(env.get("TRUCEWATCH_SMTP_PORT", "25") or 25),
            "smtp_sender": env.get("TRUCEWATCH_SMTP_FROM", "trucewatch@localhost"),
            "public_url": env.get("TRUCEWATCH_PUBLIC_URL", "http://127.0.0.1:8000"),
            "secret_key": env.get("TRUCEWATCH_SECRET_KEY", DEVELOPMENT_KEY),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)  # type: ignore[arg-type]
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse settings that are unsafe for the environment named."""
        if self.environment not in ENVIRONMENTS:
            raise InputError(
                [
                    Problem(
                        "TRUCEWATCH_ENV",
                        None,
                        f"'{self.environment}' is not an environment",
                        f"use one of: {', '.join(ENVIRONMENTS)}",
                    )
                ]
            )
        if self.environment == "development":
            return
        # Every unsafe setting at once: an operator fixes them in one go.
        problems: list[Problem] = []
        if self.environment == "production" and not self.secure_cookies:
            problems.append(
                Problem(
                    "TRUCEWATCH_SECURE_COOKIES",
                    None,
                    "production needs session cookies sent over HTTPS only",
                    "serve behind TLS and set TRUCEWATCH_SECURE_COOKIES=1",
                )
            )
        problems += self.secret_problems()
        if problems:
            raise InputError(problems)

    def secret_problems(self) -> list[Problem]:
        """What is wrong with the secrets for a server outside development (empty: nothing)."""
        problems: list[Problem] = []
        key = self.secret_key.strip()
        if key.lower() in KNOWN_DEFAULTS:
            problems.append(
                Problem(
                    "TRUCEWATCH_SECRET_KEY",
                    None,
                    f"{self.environment} needs a secret key of its own; it is unset or a default",
                    f"set TRUCEWATCH_SECRET_KEY to {MIN_KEY_CHARS}+ random characters "
                    "(e.g. `openssl rand -base64 32`)",
                )
            )
        elif len(key) < MIN_KEY_CHARS:
            problems.append(
                Problem(
                    "TRUCEWATCH_SECRET_KEY",
                    None,
                    f"the secret key is {len(key)} characters; "
                    f"{self.environment} needs {MIN_KEY_CHARS} at least",
                    "set TRUCEWATCH_SECRET_KEY to the output of `openssl rand -base64 32`",
                )
            )
        try:
            password = make_url(self.db_url).password
        except ArgumentError:
            password = None  # Database() names a malformed URL itself
        if password is not None:
            text = str(password)
            if text.lower() in KNOWN_DEFAULTS or len(text) < MIN_DB_PASSWORD_CHARS:
                problems.append(
                    Problem(
                        "TRUCEWATCH_DB",
                        None,
                        "the database password is a well-known default or shorter than "
                        f"{MIN_DB_PASSWORD_CHARS} characters",
                        "give the database user a long random password "
                        "(or connect through a local socket without one)",
                    )
                )
        return problems
