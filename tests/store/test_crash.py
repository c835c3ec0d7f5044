"""A process killed in the middle of an import leaves the database as it was.

The file is synthetic (generated, seeded, every row's notes say so); the
import runs in a real subprocess that is SIGKILLed while it is writing.
"""

from __future__ import annotations

import csv
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from trucewatch.ingest.acled import ACLED_COLUMNS
from trucewatch.store import Database, audit
from trucewatch.store.incidents import counts

ROWS = 150_000


def synthetic_acled(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=ACLED_COLUMNS)
        writer.writeheader()
        for i in range(rows):
            writer.writerow(
                {
                    "event_id_cnty": f"SYN{i}",
                    "event_date": f"2016-09-{rng.randint(1, 30):02d}",
                    "year": "2016",
                    "time_precision": "1",
                    "disorder_type": "Political violence",
                    "event_type": "Battles",
                    "sub_event_type": "Armed clash",
                    "actor1": "Government of Syria",
                    "actor2": "Syrian insurgents",
                    "country": "Syria",
                    "admin1": "Aleppo",
                    "location": "Synthetic place",
                    "latitude": f"{36 + rng.random():.4f}",
                    "longitude": f"{37 + rng.random():.4f}",
                    "geo_precision": "1",
                    "source": "synthetic",
                    "fatalities": str(rng.randint(0, 5)),
                    "notes": "synthetic test row, not a real event",
                }
            )


def test_sigkill_mid_import_leaves_database_unchanged(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "synthetic.csv"
    synthetic_acled(path, ROWS)
    with db.engine.connect() as conn:
        before = {**counts(conn), "audit": audit.count(conn)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "trucewatch.cli",
            "ingest",
            str(path),
            "--format",
            "acled",
            "--source",
            "synthetic",
            "--db",
            db.url,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "80"},
    )
    time.sleep(4)
    assert proc.poll() is None, "the import finished before it could be killed; raise ROWS"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    db.dispose()
    with db.engine.connect() as conn:
        after = {**counts(conn), "audit": audit.count(conn)}
        assert audit.verify_chain(conn).ok
        if db.dialect == "sqlite":
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        else:
            leftover = conn.execute(sa.text("SELECT count(*) FROM import_batches")).scalar_one()
            assert leftover == 0
    assert after == before
