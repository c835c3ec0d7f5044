"""`trucewatch backup` / `restore`: a round trip keeps every row and evidence byte.

A damaged or altered archive, or a wrong path, is refused with a clear message.

Run against SQLite and PostgreSQL (the ``db`` fixture).  The data is the
shipped 2016 case (incidents, claims) plus a synthetic evidence file.
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from tests.conftest import PG_ADMIN_URL
from trucewatch.cases import case_files
from trucewatch.cli import app
from trucewatch.store import Database
from trucewatch.store.audit import verify_chain
from trucewatch.store.schema import audit_log, claims, custody, evidence, incidents

runner = CliRunner()
CASE = case_files("syria-2016-09")


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def snapshot(db: Database) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the tables a restore must bring back, in key order."""
    tables = (incidents, claims, audit_log, evidence, custody)
    with db.engine.connect() as conn:
        return {
            t.name: [tuple(r) for r in conn.execute(sa.select(t).order_by(*t.primary_key.columns))]
            for t in tables
        }


def blob_hashes(store: Path) -> dict[str, str]:
    return {
        p.relative_to(store).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(store.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def other_url(db: Database, tmp_path: Path) -> Iterator[str]:
    """The URL of a second, empty and uninitialised database of the same kind."""
    if db.dialect == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"tw_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=name)
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def populated(db: Database, tmp_path: Path) -> tuple[str, Path]:
    """The case's incidents and claims and one synthetic evidence file; (url, store)."""
    url = db.url
    store = tmp_path / "evidence"
    code, _, err = run(
        "ingest", str(CASE.incidents), "--format", "acled", "--source", "case", "--db", url
    )
    assert code == 0, err
    code, _, err = run(
        "claims",
        "load",
        str(CASE.claims),
        "--sources",
        str(CASE.sources),
        "--user",
        "analyst1",
        "--db",
        url,
    )
    assert code == 0, err
    photo = tmp_path / "synthetic-photo.jpg"
    photo.write_bytes(b"synthetic evidence bytes, not a real photo " + os.urandom(64))
    code, _, err = run(
        "evidence",
        "add",
        str(photo),
        "--incident",
        "case:TW-SYR-0023",
        "--collector",
        "monitor1",
        "--method",
        "synthetic test",
        "--origin",
        "synthetic",
        "--store",
        str(store),
        "--db",
        url,
    )
    assert code == 0, err
    return url, store


def test_round_trip_keeps_rows_audit_and_evidence_bytes(
    db: Database, populated: tuple[str, Path], other_url: str, tmp_path: Path
) -> None:
    url, store = populated
    before, blobs = snapshot(db), blob_hashes(store)
    assert before["incidents"] and before["claims"] and before["evidence"] and blobs
    archive = tmp_path / "b.tar.gz"
    code, out, err = run("backup", "--out", str(archive), "--store", str(store), "--db", url)
    assert code == 0, err
    assert hashlib.sha256(archive.read_bytes()).hexdigest() in out

    new_store = tmp_path / "restored-evidence"
    code, out, err = run("restore", str(archive), "--store", str(new_store), "--db", other_url)
    assert code == 0, err + out
    assert "verifies" in out
    restored = Database(other_url)
    try:
        assert snapshot(restored) == before
        assert blob_hashes(new_store) == blobs
        with restored.engine.connect() as conn:
            check = verify_chain(conn)
        assert check.ok and check.entries == len(before["audit_log"])
    finally:
        restored.dispose()


def test_restore_refuses_a_database_with_data_unless_forced(
    db: Database, populated: tuple[str, Path], tmp_path: Path
) -> None:
    url, store = populated
    code, _, err = run("backup", "--out", str(tmp_path), "--store", str(store), "--db", url)
    assert code == 0, err
    (archive,) = tmp_path.glob("trucewatch-backup-*.tar.gz")
    code, _, err = run("restore", str(archive), "--store", str(store), "--db", url)
    assert code == 1
    assert "already holds data — restore into an empty database, or add --force" in err
    before = snapshot(db)
    code, _, err = run("restore", str(archive), "--force", "--store", str(store), "--db", url)
    assert code == 0, err
    assert snapshot(db) == before


def _rewrite(archive: Path, out: Path, change: str) -> None:
    """Copy ``archive`` to ``out`` with the first evidence member's bytes changed."""
    with tarfile.open(archive) as src, tarfile.open(out, "w:gz") as dst:
        for info in src:
            f = src.extractfile(info)
            assert f is not None
            data = f.read()
            if info.name.startswith("evidence/") and change == "evidence":
                data = data[:-1] + bytes([data[-1] ^ 1])
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))


def test_tampered_or_damaged_archive_is_refused_and_nothing_changes(
    db: Database, populated: tuple[str, Path], other_url: str, tmp_path: Path
) -> None:
    url, store = populated
    archive = tmp_path / "b.tar.gz"
    assert run("backup", "--out", str(archive), "--store", str(store), "--db", url)[0] == 0
    new_store = tmp_path / "untouched"

    tampered = tmp_path / "tampered.tar.gz"
    _rewrite(archive, tampered, "evidence")
    code, _, err = run("restore", str(tampered), "--store", str(new_store), "--db", other_url)
    assert code == 1
    assert f"{tampered}: damaged or altered: evidence/sha256/" in err
    assert "does not match its SHA-256 in the manifest — nothing was restored" in err

    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    code, _, err = run("restore", str(cut), "--store", str(new_store), "--db", other_url)
    assert code == 1 and f"{cut}: " in err and "nothing was restored" in err

    code, _, err = run(
        "restore",
        str(archive),
        "--expect-sha256",
        "0" * 64,
        "--store",
        str(new_store),
        "--db",
        other_url,
    )
    assert code == 1 and "not the archive whose hash you kept" in err

    assert not new_store.exists()
    target = Database(other_url)
    try:
        assert target.revision() is None  # still empty: never initialised
    finally:
        target.dispose()


def test_wrong_paths_are_named(db: Database, tmp_path: Path) -> None:
    missing = tmp_path / "nope.tar.gz"
    code, _, err = run("restore", str(missing), "--db", db.url)
    assert code == 1 and err.strip() == f"{missing}: file not found — check the path"
    out = tmp_path / "no-such-folder" / "b.tar.gz"
    code, _, err = run("backup", "--out", str(out), "--db", db.url)
    assert code == 1
    assert err.strip() == f"{out}: its folder does not exist — create it or give another"
    not_archive = tmp_path / "notes.txt"
    not_archive.write_text("synthetic: not an archive")
    code, _, err = run("restore", str(not_archive), "--db", db.url)
    assert code == 1 and err.startswith(f"{not_archive}: is not a readable backup archive")


def test_backup_while_writes_go_on_is_consistent(
    db: Database, other_url: str, tmp_path: Path
) -> None:
    """Backups taken while another thread writes restore with an intact, complete audit chain."""
    from trucewatch.accounts import add_user
    from trucewatch.backup import backup, restore

    stop = threading.Event()
    written: list[str] = []

    def writer() -> None:
        while not stop.is_set():
            name = f"synthetic-user-{len(written)}"
            add_user(db, name, "monitor", by="backup-test")
            written.append(name)

    thread = threading.Thread(target=writer)
    thread.start()
    archives = []
    try:
        while len(archives) < 3:
            if len(written) > 2 * len(archives):  # some writes before each backup
                archives.append(backup(db, tmp_path / "ev", tmp_path / f"b{len(archives)}.tar"))
    finally:
        stop.set()
        thread.join()
    for i, made in enumerate(archives):
        # SQLite: a new file each time; PostgreSQL: the second database, replaced (--force).
        url = f"sqlite:///{tmp_path / f'restored-{i}.db'}" if db.dialect == "sqlite" else other_url
        target = Database(url)
        try:
            result = restore(target, tmp_path / f"ev-{i}", made.archive, force=True)
        finally:
            target.dispose()
        assert result.audit_ok, result.notes
        assert result.audit_entries == made.audit_entries > 0
