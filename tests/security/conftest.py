"""A real server for the security and concurrency tests.

``live`` is uvicorn listening on a free 127.0.0.1 port, in a thread of the
test process, over a fresh database (SQLite, and PostgreSQL where reachable)
loaded with the shipped Sept 2016 case and one user per role: requests go
through real sockets, uvicorn's thread pool and the real SQL, so concurrent
writers really are concurrent.

Figures the tests produce are written under ``test-artifacts/reliability/``
(one JSON file per test subject, one entry per database), for
docs/reliability.md.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.api.conftest import PASSWORD, USERS, load_case
from tests.api.conftest import mission as mission  # the API tests' fixture, shared here
from tests.reliability_report import ARTIFACTS
from trucewatch.accounts import add_user
from trucewatch.actors import ActorRegistry
from trucewatch.api import Settings, create_app
from trucewatch.store import Database


@dataclass
class Live:
    """A running server: its base URL, database, evidence store and a token per user."""

    url: str
    db: Database
    store: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, name: str) -> dict[str, str]:
        """Headers that sign a request as ``name`` (no header for an unknown name)."""
        return {"Authorization": f"Bearer {self.tokens[name]}"} if name in self.tokens else {}


def free_port() -> int:
    """A port nobody listens on (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(settings: Settings, db: Database, **uvicorn_options: Any) -> Iterator[str]:
    """uvicorn serving ``create_app(settings)`` in a thread; yields its base URL."""
    port = free_port()
    options: dict[str, Any] = {"log_level": "warning", "access_log": False}
    options.update(uvicorn_options)
    config = uvicorn.Config(
        create_app(settings, db=db), host="127.0.0.1", port=port, lifespan="on", **options
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="security-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def add_users(db: Database) -> dict[str, str]:
    """One user per role (password ``PASSWORD``); their API tokens by name."""
    tokens = {}
    for name, (role, party) in USERS.items():
        _, tokens[name] = add_user(db, name, role.value, by="setup", party=party, password=PASSWORD)
    return tokens


@pytest.fixture
def live(db: Database, actors: ActorRegistry, tmp_path: Path) -> Iterator[Live]:
    """The Sept 2016 case on a fresh database, served by a real uvicorn on loopback."""
    load_case(db, actors)
    tokens = add_users(db)
    store = tmp_path / "evidence"
    settings = Settings(db_url=db.url, evidence_store=store)
    with running(settings, db) as url:
        yield Live(url, db, store, tokens)


def write_figures(name: str, database: str, figures: dict[str, Any]) -> Path:
    """Merge ``figures`` for ``database`` into test-artifacts/reliability/NAME.json."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.json"
    try:
        existing = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        existing = {}
    existing[database] = figures
    path.write_text(json.dumps(existing, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path
