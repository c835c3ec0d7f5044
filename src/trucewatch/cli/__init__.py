"""The ``trucewatch`` command line: parses options, calls the service, prints.

Every command takes ``--help``; commands that produce results take ``--json``
for scripts.  Errors a user can cause are printed as ``FILE:LINE: problem —
fix`` on stderr with exit code 1, never as a traceback.  One module per
command group; each registers its commands on the shared app when imported.
"""

from trucewatch.cli import (
    access,
    actors,
    agreements,
    alerts,
    analysis,
    backup,
    control,
    evidence,
    geo,
    news,
    server,
    storage,
    verification,
)
from trucewatch.cli._common import app

__all__ = [
    "access",
    "actors",
    "agreements",
    "alerts",
    "analysis",
    "app",
    "backup",
    "control",
    "evidence",
    "geo",
    "news",
    "server",
    "storage",
    "verification",
]
