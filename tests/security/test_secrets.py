"""Outside development, the server refuses to start with a secret anyone could know.

The secrets an operator sets are ``TRUCEWATCH_SECRET_KEY`` and the password
inside ``TRUCEWATCH_DB`` (tokens, session cookies, CSRF tokens and webhook
secrets are drawn at random when issued: none has a default).  In
production an unset, well-known or short key, or a default or short
database password, stops ``trucewatch serve`` with what to do; development
keeps working with none of them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from trucewatch.api import Settings
from trucewatch.api.settings import DEVELOPMENT_KEY
from trucewatch.cli import app
from trucewatch.errors import InputError

GOOD_KEY = "q" * 20 + "7Hx9-Lm2_Pz4Wk8Rt"  # 37 characters, made up for the test
PRODUCTION = {"TRUCEWATCH_ENV": "production", "TRUCEWATCH_SECURE_COOKIES": "1"}

KEY_FIX = "set TRUCEWATCH_SECRET_KEY to 32+ random characters (e.g. `openssl rand -base64 32`)"
UNSET = (
    "TRUCEWATCH_SECRET_KEY: production needs a secret key of its own; "
    "it is unset or a default — " + KEY_FIX
)
DB_PROBLEM = (
    "TRUCEWATCH_DB: the database password is a well-known default or shorter than "
    "12 characters — give the database user a long random password "
    "(or connect through a local socket without one)"
)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (None, UNSET),
        ("", UNSET),
        (DEVELOPMENT_KEY, UNSET),
        ("changeme", UNSET),
        ("SECRET", UNSET),
        (
            "short-but-not-default",
            "TRUCEWATCH_SECRET_KEY: the secret key is 21 characters; production needs 32 at "
            "least — set TRUCEWATCH_SECRET_KEY to the output of `openssl rand -base64 32`",
        ),
    ],
)
def test_a_missing_default_or_short_key_is_refused_in_production(
    key: str | None, expected: str
) -> None:
    env = dict(PRODUCTION)
    if key is not None:
        env["TRUCEWATCH_SECRET_KEY"] = key
    with pytest.raises(InputError) as e:
        Settings.from_env(env)
    assert str(e.value) == expected


@pytest.mark.parametrize("password", ["postgres", "password", "trucewatch", "short1"])
def test_a_default_or_short_database_password_is_refused_in_production(password: str) -> None:
    env = {
        **PRODUCTION,
        "TRUCEWATCH_SECRET_KEY": GOOD_KEY,
        "TRUCEWATCH_DB": f"postgresql+psycopg://tw:{password}@127.0.0.1:5432/mission",
    }
    with pytest.raises(InputError) as e:
        Settings.from_env(env)
    assert str(e.value) == DB_PROBLEM  # a fixed message: it never repeats the secret


def test_every_unsafe_setting_is_named_at_once() -> None:
    env = {
        "TRUCEWATCH_ENV": "production",
        "TRUCEWATCH_DB": "postgresql+psycopg://tw:postgres@db/mission",
    }
    with pytest.raises(InputError) as e:
        Settings.from_env(env)
    assert [p.file for p in e.value.problems] == [
        "TRUCEWATCH_SECURE_COOKIES",
        "TRUCEWATCH_SECRET_KEY",
        "TRUCEWATCH_DB",
    ]


def test_good_secrets_pass_and_development_needs_none() -> None:
    ok = Settings.from_env(
        {
            **PRODUCTION,
            "TRUCEWATCH_SECRET_KEY": GOOD_KEY,
            "TRUCEWATCH_DB": "postgresql+psycopg://tw:a-long-random-db-password@db/mission",
        }
    )
    assert ok.secret_key == GOOD_KEY
    # Through a local socket, with no password in the URL at all: fine.
    Settings.from_env(
        {**PRODUCTION, "TRUCEWATCH_SECRET_KEY": GOOD_KEY, "TRUCEWATCH_DB": "sqlite:///m.db"}
    )
    dev = Settings.from_env({"TRUCEWATCH_DB": "postgresql+psycopg://tw:postgres@db/x"})
    assert dev.environment == "development" and dev.secret_key == DEVELOPMENT_KEY


def test_serve_refuses_to_start_with_a_default_key(tmp_path: Path) -> None:
    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 'tw.db'}"
    assert runner.invoke(app, ["init", "--db", url]).exit_code == 0
    env = {**PRODUCTION, "COLUMNS": "200", "TRUCEWATCH_SECRET_KEY": "changeme"}
    result = runner.invoke(app, ["serve", "--db", url, "--port", "1"], env=env)
    assert result.exit_code == 1  # as every refused CLI input (cli/_common._fail)
    assert UNSET in " ".join(result.stderr.split())
    assert "changeme" not in result.stderr
