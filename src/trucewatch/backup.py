"""Back up and restore a mission's database and evidence store, verified by SHA-256.

A backup is one tar archive (gzip-compressed when its name ends in ``.gz``):

    database/trucewatch.sqlite     SQLite: a copy made with the online backup API
    database/trucewatch.pgdump     PostgreSQL: ``pg_dump --format=custom``
    evidence/sha256/ab/ab…         every file of the evidence store, as stored
    manifest.json                  what is in it, with the SHA-256 of every member

SQLite is copied with its online backup API, so the copy is consistent even
while a server or an import is writing.  ``pg_dump`` runs in one snapshot
transaction, which gives the same guarantee for PostgreSQL.

Restoring checks every member against the manifest (and every evidence file
against the hash that is its name) *before* it touches anything: a damaged or
tampered archive is refused and the stored data is left as it was.  It
refuses to overwrite a database that holds data unless forced, and after
restoring it verifies the audit chain and compares its length and last hash
with those recorded at backup time.

The manifest's hashes catch damage and edits of single members; someone who
rewrites members *and* the manifest is caught only by comparing the
archive's SHA-256 (printed by ``trucewatch backup``) with a copy kept
elsewhere — ``restore --expect-sha256`` does that.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from trucewatch import __version__
from trucewatch.errors import InputError, Problem
from trucewatch.store import Database
from trucewatch.store.audit import verify_chain
from trucewatch.store.schema import audit_log

__all__ = ["BackupResult", "RestoreResult", "backup", "restore"]

FORMAT = "trucewatch-backup"
VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/trucewatch.sqlite"
PGDUMP_MEMBER = "database/trucewatch.pgdump"
CHUNK = 1 << 20
_EVIDENCE_MEMBER = re.compile(r"evidence/sha256/([0-9a-f]{2})/([0-9a-f]{64})")


@dataclass(frozen=True)
class BackupResult:
    """What ``backup`` wrote: the archive, its SHA-256 and what went into it."""

    archive: Path
    sha256: str
    dialect: str
    evidence_files: int
    audit_entries: int
    audit_last_hash: str | None


@dataclass(frozen=True)
class RestoreResult:
    """What ``restore`` put back, and the audit check made afterwards."""

    archive: Path
    dialect: str
    evidence_files: int
    evidence_already_present: int
    audit_entries: int
    audit_ok: bool
    members_verified: int
    notes: list[str] = field(default_factory=list)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _audit_state(conn: sa.Connection) -> tuple[int, str | None, str | None]:
    """(entries, last hash, why the chain does not verify or None) of the audit log."""
    check = verify_chain(conn)
    last = conn.execute(
        sa.select(audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)
    ).scalar()
    return check.entries, last, None if check.ok else check.reason


def _libpq_url(db: Database) -> str:
    """The URL as pg_dump / pg_restore take it (no SQLAlchemy driver suffix)."""
    url = make_url(db.url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _need(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        raise InputError(
            [
                Problem(
                    "--db",
                    None,
                    f"backing up or restoring PostgreSQL needs {tool}, which is not installed",
                    "install the PostgreSQL client tools (Debian: apt install postgresql-client)",
                )
            ]
        )
    return found


def _sqlite_path(db: Database) -> Path:
    name = make_url(db.url).database
    if not name or name == ":memory:":
        raise InputError(
            [Problem("--db", None, "an in-memory database cannot be backed up", "give a file")]
        )
    return Path(name)


# --------------------------------------------------------------------------- backup


def default_name(now: datetime | None = None) -> str:
    """``trucewatch-backup-YYYYMMDDTHHMMSSZ.tar.gz`` for a backup written into a folder."""
    at = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"trucewatch-backup-{at}.tar.gz"


def backup(db: Database, store: Path, out: Path, *, now: datetime | None = None) -> BackupResult:
    """Write one archive of the database and the evidence store to ``out`` (file or folder).

    The archive is written under a temporary name and renamed when complete,
    so a backup interrupted half way never leaves a file that looks whole.
    """
    db.require_current()
    now = now or datetime.now(UTC)
    out = Path(out)
    target = out / default_name(now) if out.is_dir() else out
    if not target.parent.is_dir():
        raise InputError(
            [Problem(str(target), None, "its folder does not exist", "create it or give another")]
        )
    if store.exists() and not store.is_dir():
        raise InputError([Problem(str(store), None, "is not a folder", "give the evidence store")])
    with tempfile.TemporaryDirectory(prefix="trucewatch-backup-") as tmp:
        work = Path(tmp)
        # The audit state is read from the very snapshot that is saved, so a
        # write landing meanwhile cannot make the two disagree.
        if db.dialect == "sqlite":
            member, dump = SQLITE_MEMBER, work / "db.sqlite"
            _sqlite_copy(_sqlite_path(db), dump)
            copy = sa.create_engine(f"sqlite:///{dump}")
            try:
                with copy.connect() as conn:
                    audit_entries, audit_last, why = _audit_state(conn)
            finally:
                copy.dispose()
        else:
            member, dump = PGDUMP_MEMBER, work / "db.pgdump"
            audit_entries, audit_last, why = _pg_dump(db, dump)
        if why is not None:
            raise InputError(
                [
                    Problem(
                        "audit log",
                        None,
                        f"the audit chain does not verify ({why})",
                        "a backup would preserve the damage; investigate with "
                        "`trucewatch audit verify` first",
                    )
                ]
            )
        blobs = sorted(_evidence_files(store))
        members: dict[str, dict[str, Any]] = {
            member: {"sha256": _sha256_file(dump), "size": dump.stat().st_size}
        }
        for rel, path in blobs:
            members[rel] = {"sha256": _sha256_file(path), "size": path.stat().st_size}
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created": now.isoformat(timespec="seconds"),
            "trucewatch": __version__,
            "dialect": db.dialect,
            "schema_revision": db.revision(),
            "database": member,
            "audit": {"entries": audit_entries, "last_hash": audit_last},
            "evidence_files": len(blobs),
            "members": members,
        }
        partial = target.with_name(f".{target.name}.partial")
        gz = target.name.endswith(".gz")
        try:
            with tarfile.open(partial, "w:gz") if gz else tarfile.open(partial, "w") as tar:
                tar.add(dump, arcname=member, recursive=False)
                for rel, path in blobs:
                    tar.add(path, arcname=rel, recursive=False)
                data = json.dumps(manifest, indent=2, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(data)
                info.mtime = int(now.timestamp())
                tar.addfile(info, io.BytesIO(data))
            with partial.open("rb") as f:
                os.fsync(f.fileno())
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    return BackupResult(
        target, _sha256_file(target), db.dialect, len(blobs), audit_entries, audit_last
    )


def _pg_dump(db: Database, dump: Path) -> tuple[int, str | None, str | None]:
    """pg_dump of one exported snapshot, and the audit state seen in that same snapshot."""
    pg_dump = _need("pg_dump")
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
            state = _audit_state(conn)
            done = subprocess.run(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    "--file",
                    str(dump),
                    _libpq_url(db),
                ],
                capture_output=True,
                text=True,
            )
    if done.returncode != 0:
        raise InputError(
            [Problem("--db", None, f"pg_dump failed: {done.stderr.strip()[-500:]}", None)]
        )
    return state


def _sqlite_copy(source: Path, dest: Path) -> None:
    """A consistent copy of a live SQLite database (the online backup API)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(dest)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


def _evidence_files(store: Path) -> Iterator[tuple[str, Path]]:
    """(member name, path) of every stored evidence file; other files are not evidence."""
    root = store / "sha256"
    if not root.is_dir():
        return
    for path in root.glob("*/*"):
        rel = f"evidence/{path.relative_to(store).as_posix()}"
        if path.is_file() and _EVIDENCE_MEMBER.fullmatch(rel):
            yield rel, path


# --------------------------------------------------------------------------- restore


def _damaged(archive: Path, message: str, hint: str | None = None) -> InputError:
    return InputError(
        [
            Problem(
                str(archive),
                None,
                message,
                hint or "nothing was restored; use another copy of the backup",
            )
        ]
    )


@contextmanager
def _open_archive(archive: Path) -> Iterator[tarfile.TarFile]:
    if not archive.exists():
        raise InputError([Problem(str(archive), None, "file not found", "check the path")])
    if not archive.is_file():
        raise InputError([Problem(str(archive), None, "is not a file", "give a backup archive")])
    try:
        with tarfile.open(archive, "r:*") as tar:
            yield tar
    except (tarfile.TarError, EOFError, zlib.error, OSError) as e:
        if isinstance(e, InputError):
            raise
        raise _damaged(archive, f"is not a readable backup archive ({e})") from None


def _unpack_verified(archive: Path, into: Path) -> dict[str, Any]:
    """Copy every member into ``into`` while hashing it; return the manifest once all match."""
    hashes: dict[str, str] = {}
    manifest_bytes: bytes | None = None
    with _open_archive(archive) as tar:
        try:
            for info in tar:
                name = info.name
                if name in hashes or (name == MANIFEST and manifest_bytes is not None):
                    raise _damaged(archive, f"member {name} appears twice")
                if not info.isfile():
                    raise _damaged(archive, f"member {name} is not a regular file")
                source = tar.extractfile(info)
                assert source is not None
                if name == MANIFEST:
                    manifest_bytes = source.read()
                    continue
                if name not in (SQLITE_MEMBER, PGDUMP_MEMBER) and not _EVIDENCE_MEMBER.fullmatch(
                    name
                ):
                    raise _damaged(archive, f"unexpected member {name!r}")
                digest = hashlib.sha256()
                dest = into / f"m{len(hashes)}"
                with dest.open("wb") as f:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        f.write(chunk)
                hashes[name] = digest.hexdigest()
        except (tarfile.TarError, EOFError, zlib.error) as e:
            raise _damaged(archive, f"the archive is damaged ({e})") from None
    if manifest_bytes is None:
        raise _damaged(archive, "has no manifest.json: not a trucewatch backup, or cut short")
    try:
        manifest = json.loads(manifest_bytes)
        members = manifest["members"]
        if manifest.get("format") != FORMAT or not isinstance(members, dict):
            raise ValueError("not a trucewatch manifest")
    except (ValueError, KeyError, TypeError) as e:
        raise _damaged(archive, f"its manifest.json is damaged ({e})") from None
    if manifest.get("version") != VERSION:
        raise _damaged(
            archive,
            f"backup format version {manifest.get('version')!r} is not {VERSION}",
            "restore it with the trucewatch version that wrote it",
        )
    problems: list[str] = []
    for name, meta in sorted(members.items()):
        got = hashes.get(name)
        if got is None:
            problems.append(f"{name} is missing")
        elif not isinstance(meta, dict) or got != meta.get("sha256"):
            problems.append(f"{name} does not match its SHA-256 in the manifest")
    problems += [f"{name} is not in the manifest" for name in sorted(set(hashes) - set(members))]
    for name, got in hashes.items():
        m = _EVIDENCE_MEMBER.fullmatch(name)
        if m and m.group(2) != got:
            problems.append(f"{name} does not hash to its name")
    if manifest.get("database") not in hashes:
        problems.append("the database member is missing")
    if problems:
        raise InputError(
            [
                Problem(
                    str(archive),
                    None,
                    f"damaged or altered: {p}",
                    "nothing was restored; use another copy of the backup",
                )
                for p in problems
            ]
        )
    manifest["_files"] = {name: into / f"m{i}" for i, name in enumerate(hashes)}
    return dict(manifest)


def _holds_data(db: Database) -> bool:
    """Whether any table other than the migration marker has a row."""
    if db.dialect == "sqlite":
        path = _sqlite_path(db)
        if not path.exists() or path.stat().st_size == 0:
            return False
    with db.engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            if table == "alembic_version":
                continue
            quoted = conn.dialect.identifier_preparer.quote(table)
            if conn.execute(sa.text(f"SELECT 1 FROM {quoted} LIMIT 1")).first() is not None:
                return True
    return False


def restore(
    db: Database,
    store: Path,
    archive: Path,
    *,
    force: bool = False,
    expect_sha256: str | None = None,
) -> RestoreResult:
    """Verify ``archive`` completely, then restore its database and evidence files.

    Order matters for a crash half way: evidence files first (a file without a
    row is harmless and is skipped next time), then the database in one
    transaction (SQLite backup API / ``pg_restore --single-transaction``).
    """
    archive = Path(archive)
    if expect_sha256 is not None:
        if not archive.is_file():
            raise InputError([Problem(str(archive), None, "file not found", "check the path")])
        actual = _sha256_file(archive)
        if actual != expect_sha256.strip().lower():
            raise _damaged(
                archive,
                f"its SHA-256 is {actual}, not the expected {expect_sha256}",
                "nothing was restored; this is not the archive whose hash you kept",
            )
    with tempfile.TemporaryDirectory(prefix="trucewatch-restore-") as tmp:
        manifest = _unpack_verified(archive, Path(tmp))
        files: dict[str, Path] = manifest["_files"]
        dialect = manifest.get("dialect")
        if dialect != db.dialect:
            raise InputError(
                [
                    Problem(
                        str(archive),
                        None,
                        f"this is a {dialect} backup and {db.safe_url} is {db.dialect}",
                        "restore into a database of the same kind (--db)",
                    )
                ]
            )
        if _holds_data(db) and not force:
            raise InputError(
                [
                    Problem(
                        "--db",
                        None,
                        f"{db.safe_url} already holds data",
                        "restore into an empty database, or add --force to replace its contents",
                    )
                ]
            )
        blobs = [(n, p) for n, p in files.items() if _EVIDENCE_MEMBER.fullmatch(n)]
        conflicts = [
            n
            for n, _ in blobs
            if (store / n.removeprefix("evidence/")).exists()
            and _sha256_file(store / n.removeprefix("evidence/")) != n.rsplit("/", 1)[1]
        ]
        if conflicts and not force:
            raise InputError(
                [
                    Problem(
                        str(store),
                        None,
                        f"{len(conflicts)} stored evidence file(s) differ from their hash, "
                        f"e.g. {conflicts[0]}",
                        "they are damaged; add --force to replace them from the backup",
                    )
                ]
            )
        placed, present = _restore_evidence(store, blobs)
        dump = files[manifest["database"]]
        if db.dialect == "sqlite":
            _restore_sqlite(db, dump)
        else:
            _restore_pg(db, dump)
        db.migrate()  # a backup from an older version is brought up to this schema
        with db.engine.connect() as conn:
            entries, last, why = _audit_state(conn)
        recorded = manifest.get("audit") or {}
        notes: list[str] = []
        ok = why is None
        if why is not None:
            notes.append(f"the audit chain does not verify: {why}")
        if entries != recorded.get("entries") or last != recorded.get("last_hash"):
            ok = False
            notes.append(
                f"the audit log has {entries} entries ending {last}, the backup recorded "
                f"{recorded.get('entries')} ending {recorded.get('last_hash')}"
            )
        return RestoreResult(
            archive, db.dialect, placed, present, entries, ok, len(files) + 1, notes
        )


def _restore_evidence(store: Path, blobs: list[tuple[str, Path]]) -> tuple[int, int]:
    """Put each verified file in the store (atomically, read-only); (placed, already there)."""
    placed = present = 0
    for name, source in blobs:
        final = store / name.removeprefix("evidence/")
        digest = name.rsplit("/", 1)[1]
        if final.exists() and _sha256_file(final) == digest:
            present += 1
            continue
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name(f".{digest}.restoring")
        shutil.copyfile(source, tmp)
        with tmp.open("rb") as f:
            os.fsync(f.fileno())
        tmp.chmod(0o444)
        if final.exists():
            final.chmod(0o644)
        os.replace(tmp, final)
        _fsync_dir(final.parent)
        placed += 1
    return placed, present


def _fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _restore_sqlite(db: Database, dump: Path) -> None:
    """Copy the backup into the database file through SQLite: one transaction, WAL-safe."""
    target = _sqlite_path(db)
    if not target.parent.is_dir():
        raise InputError(
            [Problem("--db", None, f"the folder of {target} does not exist", "create it first")]
        )
    db.dispose()
    src = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
        dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        dst.close()
        src.close()
    check = sqlite3.connect(target)
    try:
        result = check.execute("PRAGMA integrity_check").fetchone()
    finally:
        check.close()
    if result is None or result[0] != "ok":
        raise InputError(
            [Problem(str(target), None, f"integrity check failed after restore: {result}", None)]
        )


def _restore_pg(db: Database, dump: Path) -> None:
    """pg_restore in one transaction, dropping the objects it recreates first."""
    db.dispose()
    done = subprocess.run(
        [
            _need("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            _libpq_url(db),
            str(dump),
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise InputError(
            [
                Problem(
                    "--db",
                    None,
                    f"pg_restore failed, nothing was changed: {done.stderr.strip()[-500:]}",
                    "check the database URL and permissions",
                )
            ]
        )
