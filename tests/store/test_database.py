"""The database: created and migrated by init, identical on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from trucewatch.errors import InputError
from trucewatch.store import Database, audit
from trucewatch.store.schema import audit_log, metadata


def test_migrations_build_exactly_the_schema(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    assert db.revision() == db.head()


def test_migrate_is_idempotent(db: Database) -> None:
    assert db.migrate() == (db.head(), db.head())


def test_sqlite_runs_wal_with_foreign_keys(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'x.db'}")
    database.migrate()
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_uninitialised_database_says_run_init(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(InputError) as info:
        database.require_current()
    assert str(info.value).endswith("is not initialised — run `trucewatch init` first")


def test_bad_url_is_a_clear_message() -> None:
    with pytest.raises(InputError) as info:
        Database("mysql://x@localhost/db")
    assert "database 'mysql' is not supported" in str(info.value)


def test_audit_chain_detects_tampering(db: Database) -> None:
    now = datetime(2016, 9, 19, 16, 0, tzinfo=UTC)
    with db.transaction() as conn:
        for i in range(3):
            audit.record(
                conn,
                at=now,
                user="analyst",
                action="update",
                entity_type="incident",
                entity_id="x",
                before={"v": i},
                after={"v": i + 1},
            )
    with db.transaction() as conn:
        assert audit.verify_chain(conn).ok
        conn.execute(sa.update(audit_log).where(audit_log.c.id == 2).values(after={"v": 99}))
    with db.transaction() as conn:
        check = audit.verify_chain(conn)
    assert (check.ok, check.first_broken) == (False, 2)


def test_0003_downgrades_and_upgrades_with_a_row_in_access_events(db: Database) -> None:
    """0003 reshapes access_events; a row written under 0002 survives the round trip."""
    from datetime import UTC, datetime

    import sqlalchemy as sa
    from alembic import command

    with db.engine.begin() as conn:
        command.downgrade(db._alembic_config(conn), "0002")
    assert db.revision() == "0002"
    now = datetime(2020, 1, 1, tzinfo=UTC)
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO access_events (id, organisation, destination, status, data, "
                "created_at, updated_at) VALUES ('synthetic', 'Synthetic agency (test)', "
                "'somewhere', 'requested', '{}', :now, :now)"
            ),
            {"now": now},
        )
    db.migrate()
    assert db.revision() == db.head()
    with db.engine.connect() as conn:
        row = conn.execute(sa.text("SELECT kind, status FROM access_events")).one()
    assert tuple(row) == ("convoy", "requested")
