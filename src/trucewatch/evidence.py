"""Evidence: files kept by their SHA-256, with a collection record and a chain of custody.

Following the Berkeley Protocol, the evidentiary copy is hashed at the point
of collection and never changed afterwards; analysis works on a separate
*working copy*, and every hand-over and every copy is documented.

The store is a directory: a file's bytes live once at
``<store>/sha256/<first 2 hex>/<full hex>``, read-only, written under a
temporary name and moved into place only when complete.  trucewatch never
modifies or deletes a stored file, with one exception: a file this very call
placed is removed again if the database refuses the rows that describe it, so
a stored file without a row exists only if it was there before.

Each evidence row is the collection record (incident, collector, method,
origin, when, file name, size, media type); the ``custody`` table holds the
chain (``collected``, ``transfer``, ``working_copy``) and every change is also
written to the audit log.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import tempfile
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Connection, func, insert, select

from trucewatch.errors import InputError, Problem
from trucewatch.ingest.base import file_sha256
from trucewatch.records import resolve_incident_ref
from trucewatch.store import Database, audit
from trucewatch.store.schema import custody, evidence

STORE_ENV_VAR = "TRUCEWATCH_EVIDENCE"
DEFAULT_STORE = "evidence"
CHUNK = 1 << 20  # 1 MiB

KINDS = ("image", "video", "document", "web_capture", "other")
_WEB_CAPTURE_SUFFIXES = (".warc", ".warc.gz", ".wacz", ".mhtml", ".mht", ".html", ".htm")
_DOCUMENT_TYPES = {
    "application/pdf",
    "application/msword",
    "application/rtf",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.ms-excel",
}


def evidence_store(path: str | Path | None = None) -> Path:
    """The store directory: the argument, else $TRUCEWATCH_EVIDENCE, else ./evidence."""
    return Path(path or os.environ.get(STORE_ENV_VAR) or DEFAULT_STORE)


def blob_path(store: Path, sha256: str) -> Path:
    """Where the bytes with this SHA-256 live in ``store``."""
    return store / "sha256" / sha256[:2] / sha256


def storage_uri(sha256: str) -> str:
    """The stored file's path relative to the store (the store itself may move)."""
    return f"sha256/{sha256[:2]}/{sha256}"


def classify(filename: str) -> tuple[str, str | None]:
    """(kind, media type) from a file name's extension."""
    name = filename.lower()
    media_type, _ = mimetypes.guess_type(name, strict=False)
    if name.endswith(_WEB_CAPTURE_SUFFIXES):
        return "web_capture", media_type
    if media_type is None:
        return "other", None
    major = media_type.split("/", 1)[0]
    if major in ("image", "video"):
        return major, media_type
    if (
        major == "text"
        or media_type in _DOCUMENT_TYPES
        or media_type.startswith("application/vnd.openxmlformats-officedocument")
    ):
        return "document", media_type
    return "other", media_type


def _chunks(f: BinaryIO) -> Iterator[bytes]:
    return iter(lambda: f.read(CHUNK), b"")


def _utc(value: datetime) -> datetime:
    # SQLite returns naive datetimes; everything is written in UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def parse_time(option: str, value: str | None) -> datetime:
    """An ISO 8601 time with its zone (``None``: now, in UTC)."""
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _problem(
            option,
            f"'{value}' is not a date and time",
            "write e.g. 2016-09-19T18:30:00+03:00 (with the time zone)",
        ) from None
    if moment.tzinfo is None:
        raise _problem(
            option,
            f"'{value}' has no time zone",
            "add one, e.g. 2016-09-19T18:30:00+03:00 or 2016-09-19T15:30:00Z",
        )
    return moment


def _problem(what: str, message: str, hint: str) -> InputError:
    return InputError([Problem(what, None, message, hint)])


def _new_id(key: Any) -> int:
    assert key is not None
    return int(key[0])


def _evidence_row(conn: Connection, evidence_id: int) -> dict[str, Any]:
    row = conn.execute(select(evidence).where(evidence.c.id == evidence_id)).mappings().first()
    if row is None:
        raise _problem(
            str(evidence_id),
            "no evidence with this id",
            "evidence ids are printed by `trucewatch evidence add`",
        )
    return dict(row)


def _current_holder(conn: Connection, evidence_id: int) -> str | None:
    return conn.execute(
        select(custody.c.to_holder)
        .where(custody.c.evidence_id == evidence_id, custody.c.to_holder.is_not(None))
        .order_by(custody.c.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _copy_to_temp(source: Path, tmp_dir: Path) -> tuple[Path, str, int]:
    """Stream ``source`` into a new temp file in ``tmp_dir``: (temp path, sha256, size)."""
    try:
        src = source.open("rb")
    except OSError as e:
        raise _problem(
            str(source),
            f"cannot read the file: {e.strerror or e}",
            "check the path and that you may read it",
        ) from None
    try:
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="incoming-")
    except OSError as e:
        src.close()
        raise _problem(
            str(tmp_dir.parent),
            f"cannot write to the evidence store: {e.strerror or e}",
            "give a writable directory with --store or $TRUCEWATCH_EVIDENCE",
        ) from None
    tmp = Path(name)
    digest = hashlib.sha256()
    size = 0
    try:
        with src, os.fdopen(fd, "wb") as dst:
            try:
                for chunk in _chunks(src):
                    digest.update(chunk)
                    size += len(chunk)
                    dst.write(chunk)
            except OSError as e:
                raise _problem(
                    str(source),
                    f"cannot read the file: {e.strerror or e}",
                    "check the path and that you may read it",
                ) from None
            dst.flush()
            os.fsync(dst.fileno())
        os.chmod(tmp, 0o444)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, digest.hexdigest(), size


def _place(tmp: Path, final: Path) -> bool:
    """Move a complete temp file to its content address; True if this call created it.

    An existing file with that address is never replaced.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(tmp, final)
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links
        if final.exists():
            return False
        os.replace(tmp, final)
    _fsync_dir(final.parent)
    return True


def _fsync_dir(directory: Path) -> None:
    with suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def add(
    db: Database,
    store: Path,
    path: Path,
    *,
    incident_id: str | None,
    collector: str,
    method: str,
    origin: str,
    collected_at: datetime,
    user: str,
    now: datetime | None = None,
    note: str | None = None,
) -> int:
    """Store ``path`` by its SHA-256 and record its collection; returns the evidence id.

    The same bytes for the same incident return the existing id and add
    nothing; for another incident they get a new row but share the stored file.
    """
    now = now or datetime.now(UTC)
    if collected_at.tzinfo is None:
        raise _problem(
            "--collected-at",
            f"'{collected_at.isoformat()}' has no time zone",
            "give one, e.g. 2016-09-19T18:30:00+03:00 or …Z for UTC",
        )
    for option, value in (("--collector", collector), ("--method", method), ("--origin", origin)):
        if not value.strip():
            raise _problem(option, "is empty", "the collection record needs it")
    db.require_current()
    if incident_id is not None:
        with db.engine.connect() as conn:
            incident_id = resolve_incident_ref(conn, incident_id, option="--incident")
    tmp, sha, size = _copy_to_temp(path, store / "tmp")
    final = blob_path(store, sha)
    created = False
    kind, media_type = classify(path.name)
    try:
        with db.transaction() as conn:
            if incident_id is not None:
                incident_id = resolve_incident_ref(conn, incident_id, option="--incident")
            same = (
                evidence.c.incident_id.is_(None)
                if incident_id is None
                else (evidence.c.incident_id == incident_id)
            )
            existing = conn.execute(
                select(evidence.c.id)
                .where(evidence.c.sha256 == sha, same)
                .order_by(evidence.c.id)
                .limit(1)
            ).scalar_one_or_none()
            if existing is not None:
                created = _place(tmp, final)  # restore a missing file; never replace one
                return int(existing)
            values = {
                "incident_id": incident_id,
                "kind": kind,
                "sha256": sha,
                "storage_uri": storage_uri(sha),
                "collected_at": collected_at,
                "collector": collector,
                "note": note,
                "method": method,
                "origin": origin,
                "filename": path.name,
                "size_bytes": size,
                "media_type": media_type,
            }
            result = conn.execute(insert(evidence).values(**values))
            evidence_id = _new_id(result.inserted_primary_key)
            conn.execute(
                insert(custody).values(
                    evidence_id=evidence_id,
                    at=collected_at,
                    action="collected",
                    from_holder=None,
                    to_holder=collector,
                    user_name=user,
                    note=note,
                )
            )
            audit.record(
                conn,
                at=now,
                user=user,
                action="add",
                entity_type="evidence",
                entity_id=str(evidence_id),
                after={**values, "collected_at": collected_at.isoformat()},
                note=note,
            )
            created = _place(tmp, final)
    except BaseException:
        if created:
            with suppress(OSError):
                final.unlink()
        raise
    finally:
        tmp.unlink(missing_ok=True)
    return evidence_id


def transfer(
    db: Database,
    evidence_id: int,
    *,
    to_holder: str,
    user: str,
    now: datetime | None = None,
    note: str | None = None,
) -> int:
    """Record a hand-over from the current holder to ``to_holder``; returns the custody id."""
    now = now or datetime.now(UTC)
    if not to_holder.strip():
        raise _problem("--to", "is empty", "name who receives the evidence")
    db.require_current()
    with db.transaction() as conn:
        _evidence_row(conn, evidence_id)
        holder = _current_holder(conn, evidence_id)
        if holder == to_holder:
            raise _problem(
                "--to",
                f"evidence {evidence_id} is already held by {to_holder}",
                "name the person or body receiving it",
            )
        result = conn.execute(
            insert(custody).values(
                evidence_id=evidence_id,
                at=now,
                action="transfer",
                from_holder=holder,
                to_holder=to_holder,
                user_name=user,
                note=note,
            )
        )
        custody_id = _new_id(result.inserted_primary_key)
        audit.record(
            conn,
            at=now,
            user=user,
            action="transfer",
            entity_type="evidence",
            entity_id=str(evidence_id),
            before={"holder": holder},
            after={"holder": to_holder},
            note=note,
        )
    return custody_id


def _blob_state(store: Path, sha256: str, cache: dict[str, str] | None = None) -> str:
    """'intact', 'altered' or 'missing'."""
    if cache is not None and sha256 in cache:
        return cache[sha256]
    blob = blob_path(store, sha256)
    try:
        state = "intact" if file_sha256(blob) == sha256 else "altered"
    except FileNotFoundError:
        state = "missing"
    except OSError:
        state = "unreadable"
    if cache is not None:
        cache[sha256] = state
    return state


def verify(db: Database, store: Path) -> list[str]:
    """Re-hash every stored file; one message per evidence item whose file is wrong."""
    db.require_current()
    with db.engine.connect() as conn:
        rows = list(
            conn.execute(
                select(evidence.c.id, evidence.c.filename, evidence.c.sha256).order_by(
                    evidence.c.id
                )
            )
        )
    problems: list[str] = []
    cache: dict[str, str] = {}
    for row in rows:
        state = _blob_state(store, row.sha256, cache)
        label = f"evidence {row.id} ({row.filename})"
        where = blob_path(store, row.sha256)
        if state == "altered":
            problems.append(
                f"{label}: stored bytes no longer match sha256 {row.sha256[:12]}… "
                f"({where}) — the original was altered; restore it from a backup"
            )
        elif state == "missing":
            problems.append(f"{label}: stored file {where} is missing — restore it from a backup")
        elif state == "unreadable":
            problems.append(f"{label}: stored file {where} cannot be read — check its permissions")
    return problems


@dataclass
class EvidenceRecord:
    """An evidence item, its chain of custody, its audit history and its file's state."""

    evidence: dict[str, Any]
    custody: list[dict[str, Any]]
    history: list[dict[str, Any]]
    state: str  # intact | altered | missing | unreadable
    path: Path

    @property
    def intact(self) -> bool:
        """Whether the stored bytes still match the recorded SHA-256."""
        return self.state == "intact"

    def as_dict(self) -> dict[str, Any]:
        """Plain data for --json."""

        def clean(row: dict[str, Any]) -> dict[str, Any]:
            return {
                k: (_utc(v).isoformat() if isinstance(v, datetime) else v) for k, v in row.items()
            }

        return {
            "evidence": clean(self.evidence),
            "custody": [clean(c) for c in self.custody],
            "history": [clean(h) for h in self.history],
            "stored_file": str(self.path),
            "state": self.state,
            "intact": self.intact,
        }


def evidence_record(db: Database, store: Path, evidence_id: int) -> EvidenceRecord:
    """The evidence row, its custody chain in order, and whether its bytes still match."""
    db.require_current()
    with db.engine.connect() as conn:
        row = _evidence_row(conn, evidence_id)
        chain = [
            dict(r)
            for r in conn.execute(
                select(custody).where(custody.c.evidence_id == evidence_id).order_by(custody.c.id)
            ).mappings()
        ]
        history = audit.history(conn, "evidence", str(evidence_id))
    sha = str(row["sha256"])
    return EvidenceRecord(row, chain, history, _blob_state(store, sha), blob_path(store, sha))


def export_working_copy(
    db: Database,
    store: Path,
    evidence_id: int,
    dest: Path,
    *,
    user: str,
    now: datetime | None = None,
    note: str | None = None,
) -> Path:
    """Copy the original to ``dest`` (a new file, or a directory to put it in), writable.

    The copy is checked against the recorded SHA-256 as it is written and
    recorded in the chain of custody as ``working_copy``; the original is
    only read.  Returns the copy's path.
    """
    now = now or datetime.now(UTC)
    db.require_current()
    with db.engine.connect() as conn:
        row = _evidence_row(conn, evidence_id)
    sha = str(row["sha256"])
    target = dest / str(row["filename"] or sha) if dest.is_dir() else dest
    if target.exists():
        raise _problem(
            str(target), "already exists", "choose a new file name; nothing is overwritten"
        )
    original = blob_path(store, sha)
    digest = hashlib.sha256()
    try:
        with original.open("rb") as src, target.open("xb") as dst:
            for chunk in _chunks(src):
                digest.update(chunk)
                dst.write(chunk)
    except FileNotFoundError as e:
        target.unlink(missing_ok=True)
        missing = original if e.filename == str(original) else target.parent
        raise _problem(
            str(missing), "does not exist", "restore it, or give another --store"
        ) from None
    except OSError as e:
        target.unlink(missing_ok=True)
        raise _problem(str(target), f"cannot write: {e.strerror or e}", "check the path") from None
    if digest.hexdigest() != sha:
        target.unlink(missing_ok=True)
        raise _problem(
            f"evidence {evidence_id}",
            f"stored bytes no longer match sha256 {sha[:12]}…",
            "the original was altered; restore it from a backup before copying",
        )
    os.chmod(target, 0o644)
    try:
        with db.transaction() as conn:
            holder = _current_holder(conn, evidence_id)
            conn.execute(
                insert(custody).values(
                    evidence_id=evidence_id,
                    at=now,
                    action="working_copy",
                    from_holder=holder,
                    to_holder=None,
                    user_name=user,
                    note=note or f"working copy written to {target}",
                )
            )
            audit.record(
                conn,
                at=now,
                user=user,
                action="working_copy",
                entity_type="evidence",
                entity_id=str(evidence_id),
                after={"path": str(target)},
                note=note,
            )
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


def count(db: Database) -> int:
    """Number of evidence rows."""
    with db.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(evidence)).scalar_one())


__all__ = [
    "KINDS",
    "EvidenceRecord",
    "add",
    "blob_path",
    "classify",
    "count",
    "evidence_record",
    "evidence_store",
    "export_working_copy",
    "file_sha256",
    "parse_time",
    "transfer",
    "verify",
]
