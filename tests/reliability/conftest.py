"""Write the crash tests' figures to test-artifacts/reliability/crash.json.

``crash.json`` for the CI run, ``crash-long.json`` when TRUCEWATCH_CRASH_KILLS
asks for a long one (or the file TRUCEWATCH_CRASH_REPORT names).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.reliability._crash import KILLS, RESULTS, SEED

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session", autouse=True)
def crash_report() -> Iterator[None]:
    """After the session, record kills, acknowledged and lost writes per test and database."""
    started = datetime.now(UTC)
    yield
    if not RESULTS:
        return
    default = "crash-long.json" if KILLS else "crash.json"
    out = Path(
        os.environ.get("TRUCEWATCH_CRASH_REPORT", REPO / "test-artifacts" / "reliability" / default)
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    totals = {
        key: sum(int(r.get(key, 0)) for r in RESULTS.values())
        for key in ("kills", "acknowledged", "lost", "integrity_failures")
    }
    report = {
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": SEED,
        "kills_per_test": KILLS or "default (per test, see tests/reliability)",
        "argv": sys.argv,
        "runs": dict(sorted(RESULTS.items())),
        "totals": totals,
    }
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
