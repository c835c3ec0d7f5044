"""Tamper detection in the audit chain, and `trucewatch audit verify`.

Runs on SQLite and PostgreSQL.  The entries are status changes on the shipped
Sept 2016 case; the tampering is done with direct SQL, as an intruder would.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from trucewatch.actors import ActorRegistry
from trucewatch.cases import case_files
from trucewatch.cli import app
from trucewatch.importing import import_file
from trucewatch.store import Database, audit
from trucewatch.store.schema import audit_log
from trucewatch.workflow import change_status

INCIDENT = "case:TW-SYR-0023"
NOW = datetime(2016, 9, 20, 9, 0, tzinfo=UTC)
STEPS = ["under_review", "disputed", "under_review", "verified"]

runner = CliRunner()


def verify_cli(db: Database) -> tuple[int, str, str]:
    result = runner.invoke(app, ["audit", "verify", "--db", db.url], env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def ids(db: Database) -> list[int]:
    """The shipped case imported, then four status changes: five entries; their ids."""
    import_file(
        db,
        case_files("syria-2016-09").incidents,
        format="acled",
        source="case",
        actors=ActorRegistry.shipped(),
    )
    for i, to in enumerate(STEPS):
        at = NOW + timedelta(minutes=i)
        change_status(db, INCIDENT, to=to, user="analyst1", reason=f"step {i}", now=at)
    with db.engine.connect() as conn:
        return [int(i) for i in conn.scalars(sa.select(audit_log.c.id).order_by(audit_log.c.id))]


def test_intact_chain(db: Database, ids: list[int]) -> None:
    with db.engine.connect() as conn:
        check = audit.verify_chain(conn)
    assert (check.ok, check.entries, check.first_broken, check.reason) == (True, 5, None, None)
    assert verify_cli(db) == (0, "5 entries, chain intact\n", "")


def test_edited_entry_is_named(db: Database, ids: list[int]) -> None:
    target = ids[2]
    with db.transaction() as conn:
        conn.execute(
            sa.update(audit_log).where(audit_log.c.id == target).values(after={"status": "x"})
        )
    with db.engine.connect() as conn:
        check = audit.verify_chain(conn)
    assert (check.ok, check.first_broken) == (False, target)
    assert check.reason == (
        f"entry {target}: its content does not match its hash — it was edited after it was written"
    )
    code, out, err = verify_cli(db)
    assert code == 1 and out == ""
    assert f"entry {target}: its content does not match its hash" in err


def test_removed_entry_names_the_next(db: Database, ids: list[int]) -> None:
    with db.transaction() as conn:
        conn.execute(sa.delete(audit_log).where(audit_log.c.id == ids[2]))
    with db.engine.connect() as conn:
        check = audit.verify_chain(conn)
    assert (check.ok, check.first_broken) == (False, ids[3])
    assert check.reason == (
        f"entry {ids[3]}: its prev_hash does not match entry {ids[1]} — "
        "an entry before it was removed or altered"
    )
    code, _, err = verify_cli(db)
    assert code == 1 and "an entry before it was removed or altered" in err


def test_removed_first_entry(db: Database, ids: list[int]) -> None:
    with db.transaction() as conn:
        conn.execute(sa.delete(audit_log).where(audit_log.c.id == ids[0]))
    with db.engine.connect() as conn:
        check = audit.verify_chain(conn)
    assert check.first_broken == ids[1]
    assert check.reason is not None and "does not match the start of the log" in check.reason


def test_gap_in_ids_alone_is_not_tampering(db: Database, ids: list[int]) -> None:
    # A rolled-back transaction can leave a gap in ids on PostgreSQL: the chain must hold.
    with db.transaction() as conn:
        for row in conn.execute(sa.select(audit_log).order_by(audit_log.c.id.desc())).mappings():
            conn.execute(
                sa.update(audit_log).where(audit_log.c.id == row["id"]).values(id=row["id"] + 100)
            )
    with db.engine.connect() as conn:
        assert audit.verify_chain(conn).ok


def test_altered_and_rehashed_entry_is_caught_by_the_next(db: Database, ids: list[int]) -> None:
    with db.transaction() as conn:
        row = conn.execute(sa.select(audit_log).where(audit_log.c.id == ids[2])).mappings().one()
        forged = {**dict(row), "after": {"status": "dismissed"}}
        at = forged["at"]
        if at.tzinfo is None:
            forged["at"] = at.replace(tzinfo=UTC)
        new_hash = audit.entry_hash(str(row["prev_hash"]), forged)
        conn.execute(
            sa.update(audit_log)
            .where(audit_log.c.id == ids[2])
            .values(after={"status": "dismissed"}, hash=new_hash)
        )
    with db.engine.connect() as conn:
        check = audit.verify_chain(conn)
    assert check.first_broken == ids[3]
    assert check.reason is not None and "removed or altered" in check.reason


CONTENT = ["at", "user_name", "action", "entity_type", "entity_id", "before", "after", "note"]


@pytest.mark.parametrize("with_hashes", [False, True], ids=["content", "content+hashes"])
def test_swapped_entries_are_detected(db: Database, ids: list[int], with_hashes: bool) -> None:
    a, b = ids[1], ids[3]
    columns = CONTENT + (["prev_hash", "hash"] if with_hashes else [])
    with db.transaction() as conn:
        rows = {
            int(r["id"]): dict(r)
            for r in conn.execute(sa.select(audit_log).where(audit_log.c.id.in_([a, b]))).mappings()
        }
        for target, source in ((a, b), (b, a)):
            conn.execute(
                sa.update(audit_log)
                .where(audit_log.c.id == target)
                .values({c: rows[source][c] for c in columns})
            )
    with db.engine.connect() as conn:
        check = audit.verify_chain(conn)
    assert (check.ok, check.first_broken) == (False, a)
    code, _, err = verify_cli(db)
    assert code == 1 and f"entry {a}:" in err


def test_verify_refuses_uninitialised_database(tmp_path: Path) -> None:
    result = runner.invoke(app, ["audit", "verify", "--db", f"sqlite:///{tmp_path}/none.db"])
    assert result.exit_code == 1
    assert "not initialised" in result.stderr
