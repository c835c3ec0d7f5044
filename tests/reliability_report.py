"""Write a reliability figure file under test-artifacts/reliability/ for docs/reliability.md.

Shared by the fuzz and crash suites: the same place, the same start/finish
stamps and command line, one JSON file per run.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.conftest import REPO

ARTIFACTS = REPO / "test-artifacts" / "reliability"


def write_report(
    name: str, override_env: str, started: datetime, finished: datetime, figures: dict[str, Any]
) -> Path:
    """``figures`` with the run's times and argv, to ARTIFACTS/NAME (or $OVERRIDE_ENV)."""
    out = Path(os.environ.get(override_env, ARTIFACTS / name))
    out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        **figures,
        "argv": sys.argv,
    }
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return out
