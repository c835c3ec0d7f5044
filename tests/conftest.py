"""Shared fixtures: the shipped actor registry and a small synthetic agreement.

The synthetic agreement and incidents in these tests are made up to exercise
the rules; they say so in their titles and notes and are never real events.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from trucewatch.actors import ActorRegistry
from trucewatch.store import Database

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def actors() -> ActorRegistry:
    """The registry that ships with trucewatch."""
    return ActorRegistry.shipped()


@pytest.fixture
def shared_data() -> Path:
    """../shared/data beside the repository; skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


PG_ADMIN_URL = os.environ.get("TRUCEWATCH_TEST_PG", "postgresql+psycopg://127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("TRUCEWATCH_REQUIRE_PG") == "1"


def _pg_reachable() -> bool:
    try:
        engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except sa.exc.OperationalError:
        return False


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A fresh, migrated database: a SQLite file, or a new PostgreSQL database.

    PostgreSQL tests skip when no server is reachable, except where
    TRUCEWATCH_REQUIRE_PG=1 (as in .ci/run), where they fail instead.
    """
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'trucewatch.db'}")
        database.migrate()
        yield database
        database.dispose()
        return
    if not _pg_reachable():
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required here but {PG_ADMIN_URL} is not reachable")
        pytest.skip(f"no PostgreSQL reachable at {PG_ADMIN_URL}")
    name = f"tw_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    database = Database(url)
    database.migrate()
    try:
        yield database
    finally:
        database.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
