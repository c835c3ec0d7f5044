"""Write the number of inputs each fuzz target tried to test-artifacts/reliability/.

``fuzz.json`` for the CI run, ``fuzz-long.json`` when TRUCEWATCH_FUZZ_EXAMPLES
asks for a long one (or the file TRUCEWATCH_FUZZ_REPORT names).
"""

from __future__ import annotations

import json
import os
import platform
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.fuzz._harness import COUNTS, EXAMPLES_ENV, HANG_SECONDS, LONG_RUN

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session", autouse=True)
def fuzz_report() -> Iterator[None]:
    """After the session, record inputs tried per target (only when some were)."""
    started = datetime.now(UTC)
    yield
    if not COUNTS:
        return
    default = "fuzz-long.json" if LONG_RUN else "fuzz.json"
    out = Path(
        os.environ.get("TRUCEWATCH_FUZZ_REPORT", REPO / "test-artifacts" / "reliability" / default)
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "examples_per_test": LONG_RUN or "default (per test, see tests/fuzz)",
        "hang_seconds": HANG_SECONDS,
        "command": f"{EXAMPLES_ENV}={LONG_RUN} " if LONG_RUN else "",
        "argv": sys.argv,
        "python": platform.python_version(),
        "targets": dict(sorted(COUNTS.items())),
        "total": sum(COUNTS.values()),
    }
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
