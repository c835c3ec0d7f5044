"""SIGKILL `trucewatch ingest` at seeded random moments: all or nothing, nothing acknowledged lost.

An import is one transaction and is acknowledged when the command exits 0
(it then prints its report, with the batch id).  A first, small import is
acknowledged; then imports of larger synthetic ACLED files (written by
bench/generate_acled.py, every row saying "synthetic") are started and
killed inside their write transaction, again and again.  After each kill:
the integrity checks pass, the audit chain verifies, the acknowledged
imports are all there (batches, reports, their audit entries), and the
killed one left either nothing or everything — never part of a file.  Then
each killed import is run again to the end.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from tests.reliability._crash import AMCHECKED, RESULTS, integrity_problems, kills, rng
from trucewatch.store import Database
from trucewatch.store.schema import audit_log, import_batches, reports

REPO = Path(__file__).resolve().parents[2]
SMALL_ROWS = 300
LARGE_ROWS = 2000


def generate(path: Path, rows: int, seed: int) -> Path:
    subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "generate_acled.py"),
            str(path),
            "--rows",
            str(rows),
            "--seed",
            str(seed),
        ],
        check=True,
        capture_output=True,
    )
    return path


def ingest_cmd(path: Path, source: str, url: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "trucewatch.cli",
        "ingest",
        str(path),
        "--format",
        "acled",
        "--source",
        source,
        "--db",
        url,
        "--json",
    ]


def reports_of(db: Database, source: str) -> int:
    with db.engine.connect() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count()).select_from(reports).where(reports.c.source_id == source)
            ).scalar_one()
        )


def present_batches(db: Database) -> tuple[set[int], int]:
    """(ids of finished batches that have their audit entry, batches left unfinished)."""
    with db.engine.connect() as conn:
        finished = set(
            conn.execute(
                sa.select(import_batches.c.id).where(import_batches.c.finished_at.is_not(None))
            ).scalars()
        )
        unfinished = int(
            conn.execute(
                sa.select(sa.func.count())
                .select_from(import_batches)
                .where(import_batches.c.finished_at.is_(None))
            ).scalar_one()
        )
        audited = {
            int(i)
            for i in conn.execute(
                sa.select(audit_log.c.entity_id).where(
                    audit_log.c.action == "import", audit_log.c.entity_type == "import_batch"
                )
            ).scalars()
        }
    return finished & audited, unfinished


def writing_now(db: Database) -> bool:
    """Whether another process holds a write transaction open right now.

    SQLite: its write lock cannot be taken (probed with BEGIN IMMEDIATE and no
    wait, released at once).  PostgreSQL: another session's transaction has
    written (it has a transaction id).
    """
    if db.dialect == "sqlite":
        path = sa.engine.make_url(db.url).database
        assert path is not None
        probe = sqlite3.connect(path, timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.rollback()
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            probe.close()
    with db.engine.connect() as conn:
        return bool(
            conn.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
            ).scalar_one()
        )


def start(path: Path, source: str, url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        ingest_cmd(path, source, url), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_for_writing(proc: subprocess.Popen[str], db: Database) -> float | None:
    """When the import's write transaction was first seen open; None if it ended unseen."""
    while proc.poll() is None:
        if writing_now(db):
            return time.monotonic()
        time.sleep(0.01)
    return None


def finished(proc: subprocess.Popen[str]) -> int:
    """The batch id an import that exited reported (it must have exited 0)."""
    out, err = proc.communicate()
    assert proc.returncode == 0, err
    return int(json.loads(out)["batch"])


def run_import(path: Path, source: str, db: Database) -> tuple[int, float]:
    """Run one import to the end; (its batch id, seconds its write transaction was seen open)."""
    proc = start(path, source, db.url)
    began = wait_for_writing(proc, db)
    batch = finished(proc)
    return batch, 0.0 if began is None else time.monotonic() - began


def test_killed_imports_lose_nothing_acknowledged(db: Database, tmp_path: Path) -> None:
    name = f"import/{db.dialect}"
    moments = rng(name)
    small = generate(tmp_path / "small.csv", SMALL_ROWS, 1)
    large = generate(tmp_path / "large-0.csv", LARGE_ROWS, 100)

    acked: dict[int, tuple[str, int]] = {}  # batch id of each import that exited 0 → (source, rows)
    batch, _ = run_import(small, "synthetic-small", db)
    acked[batch] = ("synthetic-small", SMALL_ROWS)
    batch, took = run_import(large, "synthetic-large-0", db)  # how long its transaction takes
    acked[batch] = ("synthetic-large-0", LARGE_ROWS)

    killed: list[str] = []
    files: dict[str, Path] = {}
    finished_first = lost = partial = mid_transaction = 0
    problems: list[str] = []
    for i in range(1, kills(2) + 1):
        # A new file and source each time, so every attempt writes a whole file.
        source = f"synthetic-large-{i}"
        files[source] = generate(tmp_path / f"large-{i}.csv", LARGE_ROWS, 100 + i)
        proc = start(files[source], source, db.url)
        # Kill inside the write transaction: wait until it is open, then a
        # seeded fraction of the time a whole one took.
        if wait_for_writing(proc, db) is not None:
            time.sleep(moments.uniform(0.0, 1.0) * took)
        if proc.poll() is not None:
            acked[finished(proc)] = (source, LARGE_ROWS)  # it finished before the kill
            finished_first += 1
        else:
            mid_transaction += writing_now(db)
            proc.send_signal(signal.SIGKILL)
            proc.communicate()
            killed.append(source)
        problems += integrity_problems(db)
        present, unfinished = present_batches(db)
        lost += len(set(acked) - present)
        lost += sum(reports_of(db, src) != rows for src, rows in acked.values())
        assert unfinished == 0, "a killed import left a batch half written"
        if reports_of(db, source) not in (0, LARGE_ROWS):
            partial += 1
    # Resume: each killed import, run again, completes to the full count.
    for source in killed:
        batch, _ = run_import(files[source], source, db)
        acked[batch] = (source, LARGE_ROWS)
    problems += integrity_problems(db)
    present, _ = present_batches(db)
    lost += len(set(acked) - present)
    complete = sum(reports_of(db, src) == rows for src, rows in acked.values())
    RESULTS[name] = {
        "kills": len(killed),
        "kills_inside_the_import_transaction": mid_transaction,
        "finished_before_the_kill": finished_first,
        "acknowledged": len(acked),
        "acknowledged_rows": sum(rows for _, rows in acked.values()),
        "lost": lost,
        "partial_imports": partial,
        "integrity_failures": len(problems),
        "amcheck": db.dialect == "postgresql" and bool(AMCHECKED),
        "imports_complete_after_resume": complete,
        "seconds_a_whole_import_transaction_was_open": round(took, 2),
    }
    assert problems == []
    assert lost == 0 and partial == 0
    assert complete == len(acked)
