"""Write the number of inputs each fuzz target tried to test-artifacts/reliability/.

``fuzz.json`` for the CI run, ``fuzz-long.json`` when TRUCEWATCH_FUZZ_EXAMPLES
asks for a long one (or the file TRUCEWATCH_FUZZ_REPORT names).
"""

from __future__ import annotations

import platform
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.fuzz._harness import COUNTS, EXAMPLES_ENV, HANG_SECONDS, LONG_RUN
from tests.reliability_report import write_report


@pytest.fixture(scope="session", autouse=True)
def fuzz_report() -> Iterator[None]:
    """After the session, record inputs tried per target (only when some were)."""
    started = datetime.now(UTC)
    yield
    if not COUNTS:
        return
    write_report(
        "fuzz-long.json" if LONG_RUN else "fuzz.json",
        "TRUCEWATCH_FUZZ_REPORT",
        started,
        datetime.now(UTC),
        {
            "examples_per_test": LONG_RUN or "default (per test, see tests/fuzz)",
            "hang_seconds": HANG_SECONDS,
            "command": f"{EXAMPLES_ENV}={LONG_RUN} " if LONG_RUN else "",
            "python": platform.python_version(),
            "targets": dict(sorted(COUNTS.items())),
            "total": sum(COUNTS.values()),
        },
    )
