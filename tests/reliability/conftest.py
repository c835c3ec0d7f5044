"""Write the crash tests' figures to test-artifacts/reliability/crash.json.

``crash.json`` for the CI run, ``crash-long.json`` when TRUCEWATCH_CRASH_KILLS
asks for a long one (or the file TRUCEWATCH_CRASH_REPORT names).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.reliability._crash import KILLS, RESULTS, SEED
from tests.reliability_report import write_report


@pytest.fixture(scope="session", autouse=True)
def crash_report() -> Iterator[None]:
    """After the session, record kills, acknowledged and lost writes per test and database."""
    started = datetime.now(UTC)
    yield
    if not RESULTS:
        return
    totals = {
        key: sum(int(r.get(key, 0)) for r in RESULTS.values())
        for key in ("kills", "acknowledged", "lost", "integrity_failures")
    }
    write_report(
        "crash-long.json" if KILLS else "crash.json",
        "TRUCEWATCH_CRASH_REPORT",
        started,
        datetime.now(UTC),
        {
            "seed": SEED,
            "kills_per_test": KILLS or "default (per test, see tests/reliability)",
            "runs": dict(sorted(RESULTS.items())),
            "totals": totals,
        },
    )
