"""Connecting to the database and bringing its schema up to date.

The URL comes from ``--db``, else ``TRUCEWATCH_DB``, else
``sqlite:///trucewatch.db``.  SQLite runs in WAL mode with foreign keys on and
``synchronous=FULL``: mission laptops lose power, and an acknowledged write
must survive that.  Migrations ship inside the package, so ``trucewatch init``
works from an installed wheel as well as from a checkout.
"""

from __future__ import annotations

import functools
import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from trucewatch.errors import InputError, Problem

DEFAULT_URL = "sqlite:///trucewatch.db"
ENV_VAR = "TRUCEWATCH_DB"


def database_url(url: str | None = None) -> str:
    """The URL to use: the argument, else $TRUCEWATCH_DB, else the default."""
    return url or os.environ.get(ENV_VAR) or DEFAULT_URL


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


@functools.cache
def _head() -> str:
    """The migrations' head, read once per process: parsing every migration file
    cost 24-35 ms, and the server checks the schema on every request."""
    cfg = Config()
    cfg.set_main_option("script_location", str(files("trucewatch.store") / "migrations"))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


class Database:
    """One database: its engine, its migrations, transactions."""

    def __init__(self, url: str | None = None) -> None:
        self.url = database_url(url)
        try:
            parsed = make_url(self.url)
        except ArgumentError:
            raise InputError(
                [
                    Problem(
                        "--db",
                        None,
                        f"'{self.url}' is not a database URL",
                        "use sqlite:///path/to/file.db or postgresql+psycopg://user@host:5432/name",
                    )
                ]
            ) from None
        self.dialect = parsed.get_backend_name()
        if self.dialect not in ("sqlite", "postgresql"):
            raise InputError(
                [
                    Problem(
                        "--db",
                        None,
                        f"database '{self.dialect}' is not supported",
                        "use SQLite (sqlite:///file.db) or PostgreSQL (postgresql+psycopg://…)",
                    )
                ]
            )
        kwargs: dict[str, Any] = {"future": True}
        if self.dialect == "postgresql":
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        # Close pooled connections when this Database goes away, even if no one
        # called dispose(): a CLI command or a test must not leave files open.
        weakref.finalize(self, self.engine.dispose)

    def _alembic_config(self, connection: Connection | None = None) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(files("trucewatch.store") / "migrations"))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        if connection is not None:
            cfg.attributes["connection"] = connection
        return cfg

    def migrate(self) -> tuple[str | None, str]:
        """Create or upgrade the schema; returns (revision before, revision after)."""
        before = self.revision()
        try:
            with self.engine.begin() as connection:
                command.upgrade(self._alembic_config(connection), "head")
        except OperationalError as e:
            raise self._unreachable(e) from None
        return before, self.revision() or "?"

    def revision(self) -> str | None:
        """The schema revision the database is at (None: not initialised).

        A SQLite file that does not exist is reported as not initialised
        without creating it: looking must not leave an empty database behind.
        """
        if self.dialect == "sqlite":
            path = make_url(self.url).database
            if path and path != ":memory:" and not Path(path).exists():
                return None
        try:
            with self.engine.connect() as connection:
                return MigrationContext.configure(connection).get_current_revision()
        except OperationalError as e:
            raise self._unreachable(e) from None

    def _unreachable(self, error: OperationalError) -> InputError:
        return InputError(
            [
                Problem(
                    "--db",
                    None,
                    f"cannot open {self.safe_url}: {error.orig}",
                    "check the URL and that the server is running",
                )
            ]
        )

    def head(self) -> str:
        """The newest schema revision this version of trucewatch knows."""
        return _head()

    def require_current(self) -> None:
        """Refuse to work on a database that is not initialised or is out of date."""
        rev = self.revision()
        if rev != self.head():
            state = "not initialised" if rev is None else f"at schema revision {rev}"
            raise InputError(
                [
                    Problem(
                        "--db",
                        None,
                        f"the database {self.safe_url} is {state}",
                        "run `trucewatch init` first",
                    )
                ]
            )

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back on any error."""
        with self.engine.begin() as connection:
            yield connection

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, for messages."""
        return make_url(self.url).render_as_string(hide_password=True)

    def dispose(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()
