"""Evidence: content addressing, collection record, chain of custody, verification.

Runs on SQLite and on PostgreSQL (see the ``db`` fixture).  The incident is
from the shipped Sept 2016 case (real, sourced); the evidence files are small
synthetic bytes written by the tests and named ``synthetic-*`` to say so.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from trucewatch import evidence as ev
from trucewatch.actors import ActorRegistry
from trucewatch.cases import case_files
from trucewatch.cli import app
from trucewatch.errors import InputError
from trucewatch.importing import import_file
from trucewatch.store import Database, audit
from trucewatch.store.schema import custody, evidence

CASE = case_files("syria-2016-09").incidents
CONVOY = "trucewatch-case:TW-SYR-0023"  # the 19 Sept 2016 UN/SARC convoy attack at Urum al-Kubra
OTHER = "trucewatch-case:TW-SYR-0001"
COLLECTED = datetime(2016, 9, 20, 8, 30, tzinfo=UTC)
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def loaded(db: Database, actors: ActorRegistry) -> Database:
    import_file(db, CASE, format="acled", source="trucewatch case", actors=actors)
    return db


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / "inbox" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return path


def _add(db: Database, store: Path, path: Path, incident: str = CONVOY, **kw: Any) -> int:
    args: dict[str, Any] = {
        "incident_id": incident,
        "collector": "analyst1",
        "method": "downloaded from the posting with a browser, saved as received",
        "origin": "https://example.org/synthetic-post/1",
        "collected_at": COLLECTED,
        "user": "analyst1",
        "now": NOW,
    }
    args.update(kw)
    return ev.add(db, store, path, **args)


def _blobs(store: Path) -> list[Path]:
    return sorted(p for p in (store / "sha256").rglob("*") if p.is_file())


def _counts(db: Database) -> tuple[int, int, int]:
    with db.engine.connect() as conn:
        n_ev = conn.execute(select(func.count()).select_from(evidence)).scalar_one()
        n_cu = conn.execute(select(func.count()).select_from(custody)).scalar_one()
        return int(n_ev), int(n_cu), audit.count(conn)


def test_add_and_show(loaded: Database, tmp_path: Path) -> None:
    store = tmp_path / "store"
    data = b"synthetic photo bytes \x00\x01\x02"
    path = _file(tmp_path, "synthetic-photo.jpg", data)
    eid = _add(loaded, store, path, note="synthetic test file")
    sha = hashlib.sha256(data).hexdigest()

    blob = store / "sha256" / sha[:2] / sha
    assert blob.read_bytes() == data
    assert blob.stat().st_mode & 0o777 == 0o444
    assert path.read_bytes() == data  # the file as received is left where it was
    assert list((store / "tmp").iterdir()) == []

    rec = ev.evidence_record(loaded, store, eid)
    row = rec.evidence
    assert (row["incident_id"], row["kind"], row["sha256"]) == (CONVOY, "image", sha)
    assert (row["filename"], row["size_bytes"], row["media_type"]) == (
        "synthetic-photo.jpg",
        len(data),
        "image/jpeg",
    )
    assert row["collector"] == "analyst1" and row["origin"].startswith("https://example.org/")
    assert row["storage_uri"] == f"sha256/{sha[:2]}/{sha}"
    assert rec.intact and rec.state == "intact"
    (collected,) = rec.custody
    assert (collected["action"], collected["from_holder"], collected["to_holder"]) == (
        "collected",
        None,
        "analyst1",
    )
    (entry,) = rec.history
    assert (entry["action"], entry["entity_id"], entry["after"]["sha256"]) == ("add", str(eid), sha)
    assert rec.as_dict()["evidence"]["collected_at"].startswith("2016-09-20T08:30:00")
    with loaded.engine.connect() as conn:
        assert audit.verify_chain(conn).ok


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("a.PNG", "image"),
        ("clip.mp4", "video"),
        ("report.pdf", "document"),
        ("notes.txt", "document"),
        ("page.wacz", "web_capture"),
        ("page.warc.gz", "web_capture"),
        ("page.html", "web_capture"),
        ("blob.bin", "other"),
        ("noextension", "other"),
    ],
)
def test_kind_from_extension(name: str, kind: str) -> None:
    assert ev.classify(name)[0] == kind


def test_same_bytes_twice_one_blob(loaded: Database, tmp_path: Path) -> None:
    store = tmp_path / "store"
    data = b"synthetic video bytes"
    first = _add(loaded, store, _file(tmp_path, "synthetic-a.mp4", data))
    counts = _counts(loaded)
    # Same bytes, another name, same incident: nothing new.
    again = _add(loaded, store, _file(tmp_path, "synthetic-b.mp4", data))
    assert again == first and _counts(loaded) == counts
    # The source's own record id names the same incident, as in `show incident`.
    by_record_id = _add(loaded, store, _file(tmp_path, "synthetic-a.mp4", data), "TW-SYR-0023")
    assert by_record_id == first and _counts(loaded) == counts
    # Same bytes for another incident: a second record, still one stored file.
    other = _add(loaded, store, _file(tmp_path, "synthetic-c.mp4", data), incident=OTHER)
    assert other != first
    assert len(_blobs(store)) == 1
    assert _counts(loaded) == (counts[0] + 1, counts[1] + 1, counts[2] + 1)
    assert ev.verify(loaded, store) == []


def test_verify_names_altered_and_missing(loaded: Database, tmp_path: Path) -> None:
    store = tmp_path / "store"
    a = _add(loaded, store, _file(tmp_path, "synthetic-photo.jpg", b"synthetic photo A"))
    b = _add(loaded, store, _file(tmp_path, "synthetic-doc.pdf", b"synthetic document B"))
    c = _add(loaded, store, _file(tmp_path, "synthetic-ok.png", b"synthetic image C"))
    assert ev.verify(loaded, store) == []
    sha_a = ev.evidence_record(loaded, store, a).evidence["sha256"]
    sha_b = ev.evidence_record(loaded, store, b).evidence["sha256"]

    blob = ev.blob_path(store, sha_a)
    os.chmod(blob, 0o644)
    data = bytearray(blob.read_bytes())
    data[0] ^= 0x01  # one byte changed
    blob.write_bytes(bytes(data))
    ev.blob_path(store, sha_b).unlink()

    altered, missing = ev.verify(loaded, store)
    assert altered.startswith(f"evidence {a} (synthetic-photo.jpg): stored bytes no longer match")
    assert sha_a[:12] in altered and "restore it from a backup" in altered
    assert missing.startswith(f"evidence {b} (synthetic-doc.pdf): stored file")
    assert "is missing" in missing
    assert ev.evidence_record(loaded, store, a).state == "altered"
    assert ev.evidence_record(loaded, store, b).state == "missing"
    assert ev.evidence_record(loaded, store, c).intact


def test_transfer_chain_in_order(loaded: Database, tmp_path: Path) -> None:
    store = tmp_path / "store"
    eid = _add(loaded, store, _file(tmp_path, "synthetic-photo.jpg", b"synthetic"))
    ev.transfer(loaded, eid, to_holder="team-lead", user="analyst1", now=NOW, note="for review")
    ev.transfer(loaded, eid, to_holder="legal-unit", user="team-lead", now=NOW, note=None)
    chain = ev.evidence_record(loaded, store, eid).custody
    assert [(c["action"], c["from_holder"], c["to_holder"]) for c in chain] == [
        ("collected", None, "analyst1"),
        ("transfer", "analyst1", "team-lead"),
        ("transfer", "team-lead", "legal-unit"),
    ]
    assert chain[1]["note"] == "for review" and chain[2]["user_name"] == "team-lead"
    history = ev.evidence_record(loaded, store, eid).history
    assert [h["action"] for h in history] == ["add", "transfer", "transfer"]
    assert history[2]["before"] == {"holder": "team-lead"}

    with pytest.raises(InputError, match="already held by legal-unit"):
        ev.transfer(loaded, eid, to_holder="legal-unit", user="x", now=NOW)
    with pytest.raises(InputError, match="no evidence with this id"):
        ev.transfer(loaded, 999, to_holder="x", user="x", now=NOW)


def test_unknown_incident_refused_nothing_stored(loaded: Database, tmp_path: Path) -> None:
    store = tmp_path / "store"
    _add(loaded, store, _file(tmp_path, "synthetic-first.jpg", b"first"))
    before, blobs = _counts(loaded), _blobs(store)
    path = _file(tmp_path, "synthetic-photo.jpg", b"synthetic, for no incident")
    with pytest.raises(InputError) as raised:
        _add(loaded, store, path, incident="TW-SYR-0O23")
    message = str(raised.value)
    assert message.startswith("--incident: no incident or source record 'TW-SYR-0O23'")
    assert _counts(loaded) == before and _blobs(store) == blobs
    assert list((store / "tmp").iterdir()) == []


def test_unreadable_file_names_the_path(loaded: Database, tmp_path: Path) -> None:
    missing = tmp_path / "synthetic-absent.jpg"
    with pytest.raises(InputError, match=r"synthetic-absent\.jpg: cannot read the file"):
        _add(loaded, tmp_path / "store", missing)


def test_failed_insert_leaves_no_blob(
    loaded: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    before = _counts(loaded)

    def broken(*_a: Any, **_k: Any) -> str:
        raise RuntimeError("database refused the row (simulated)")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError, match="simulated"):
        _add(loaded, store, _file(tmp_path, "synthetic.jpg", b"synthetic, never stored"))
    assert _counts(loaded) == before
    assert _blobs(store) == [] and list((store / "tmp").iterdir()) == []


def test_naive_collection_time_refused(loaded: Database, tmp_path: Path) -> None:
    path = _file(tmp_path, "synthetic.jpg", b"x")
    with pytest.raises(InputError, match="has no time zone"):
        _add(loaded, tmp_path / "store", path, collected_at=datetime(2016, 9, 20, 8, 30))


def test_working_copy_is_separate_and_recorded(loaded: Database, tmp_path: Path) -> None:
    store = tmp_path / "store"
    data = b"synthetic photo for analysis"
    eid = _add(loaded, store, _file(tmp_path, "synthetic-photo.jpg", data))
    work = tmp_path / "work"
    work.mkdir()
    copy = ev.export_working_copy(loaded, store, eid, work, user="analyst2", now=NOW)
    assert copy == work / "synthetic-photo.jpg" and copy.read_bytes() == data
    copy.write_bytes(b"cropped and annotated")  # writable, and a separate file
    assert ev.verify(loaded, store) == []
    rec = ev.evidence_record(loaded, store, eid)
    assert rec.intact
    last = rec.custody[-1]
    assert (last["action"], last["from_holder"], last["to_holder"], last["user_name"]) == (
        "working_copy",
        "analyst1",
        None,
        "analyst2",
    )
    assert str(copy) in last["note"]
    assert rec.history[-1]["action"] == "working_copy"
    # The holder is unchanged by a copy; nothing is overwritten.
    ev.transfer(loaded, eid, to_holder="legal-unit", user="analyst1", now=NOW)
    assert ev.evidence_record(loaded, store, eid).custody[-1]["from_holder"] == "analyst1"
    with pytest.raises(InputError, match="already exists"):
        ev.export_working_copy(loaded, store, eid, copy, user="analyst2", now=NOW)


def test_cli_add_show_transfer_verify(tmp_path: Path) -> None:
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
        return result.exit_code, result.stdout, result.stderr

    url = f"sqlite:///{tmp_path / 'tw.db'}"
    store = str(tmp_path / "store")
    assert run("init", "--db", url)[0] == 0
    assert run("ingest", str(CASE), "--format", "acled", "--source", "case", "--db", url)[0] == 0
    photo = _file(tmp_path, "synthetic-photo.jpg", b"synthetic photo bytes")
    base = ["--store", store, "--db", url]
    code, out, err = run(
        "evidence", "add", str(photo), "--incident", "TW-SYR-0023", "--collector", "analyst1",
        "--method", "saved from the post", "--origin", "https://example.org/synthetic-post/1",
        "--collected-at", "2016-09-20T08:30:00Z", *base, "--json",
    )  # fmt: skip
    assert code == 0, err
    added = json.loads(out)
    eid = added["evidence"]["id"]
    assert added["evidence"]["incident_id"] == "case:TW-SYR-0023" and added["intact"]

    code, out, _ = run("evidence", "transfer", str(eid), "--to", "legal-unit", "--user", "analyst1",
                       "--db", url)  # fmt: skip
    assert code == 0 and "now held by legal-unit" in out
    code, out, _ = run("evidence", "show", str(eid), *base)
    assert code == 0 and "intact" in out
    assert "collected" in out and "analyst1 → legal-unit" in out
    code, out, _ = run("evidence", "verify", *base)
    assert code == 0 and "1 evidence items, every stored file matches" in out

    code, _, err = run(
        "evidence", "add", str(photo), "--incident", "TW-SYR-9999", "--collector", "a",
        "--method", "m", "--origin", "o", "--collected-at", "2016-09-20T08:30:00", *base,
    )  # fmt: skip
    assert code == 1 and "has no time zone" in err

    blob = ev.blob_path(Path(store), added["evidence"]["sha256"])
    os.chmod(blob, 0o644)
    blob.write_bytes(b"synthetic photo bytes, edited")
    code, _, err = run("evidence", "verify", *base)
    assert code == 1 and f"evidence {eid} (synthetic-photo.jpg): stored bytes no longer" in err
