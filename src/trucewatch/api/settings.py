"""The server's settings, from the environment, checked before it starts.

A server outside development refuses to start with a setting left at a value
anyone could know (a default secret), because a mission's server holds
evidence that parties would like to read or forge.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from trucewatch.errors import InputError, Problem
from trucewatch.store.database import database_url

ENVIRONMENTS = ("development", "production")


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
        if self.environment == "production" and not self.secure_cookies:
            raise InputError(
                [
                    Problem(
                        "TRUCEWATCH_SECURE_COOKIES",
                        None,
                        "production needs session cookies sent over HTTPS only",
                        "serve behind TLS and set TRUCEWATCH_SECURE_COOKIES=1",
                    )
                ]
            )
