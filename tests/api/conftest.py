"""Fixtures for the server's tests: the real app on a real database.

``mission`` is a fresh database (SQLite, and PostgreSQL where reachable) with
the shipped Sept 2016 case imported (39 real incidents, 28 claims, 10 graded
sources, the access records) and one user per role, each with an API token.
The app runs in-process through Starlette's test client: the real routes,
storage and SQL, nothing mocked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from trucewatch.accounts import Role, add_user
from trucewatch.actors import ActorRegistry
from trucewatch.api import Settings, create_app
from trucewatch.cases import case_files
from trucewatch.importing import import_file
from trucewatch.service import store_access, store_claims
from trucewatch.store import Database

AGREEMENT = "syria-2016-09-us-russia"
#: The convoy attack at Urum al-Kubra, 19 Sept 2016, as the case's import names it.
CONVOY = "case:TW-SYR-0023"
#: The password every test user gets (dashboard sign-in).
PASSWORD = "correct horse battery staple"


@dataclass
class Mission:
    """A loaded database, the app over it, and a token per user name."""

    db: Database
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)
    store: Path | None = None

    def auth(self, name: str) -> dict[str, str]:
        """Headers that sign a request as user ``name`` (anonymous: no header)."""
        return {"Authorization": f"Bearer {self.tokens[name]}"} if name in self.tokens else {}


#: One user per role; the liaison speaks for the Syrian government.
USERS: dict[str, tuple[Role, str | None]] = {
    "admin1": (Role.ADMIN, None),
    "analyst1": (Role.ANALYST, None),
    "monitor1": (Role.MONITOR, None),
    "liaison1": (Role.PARTY_LIAISON, "syria-government"),
    "public1": (Role.PUBLIC, None),
}


def load_case(db: Database, actors: ActorRegistry) -> None:
    """Import the shipped Sept 2016 case: incidents, claims with sources, access records."""
    files = case_files("syria-2016-09")
    import_file(db, Path(files.incidents), format="acled", source="case", actors=actors)
    store_claims(db, files.claims, files.sources, user="loader")
    if files.access is not None:
        store_access(db, files.access, user="loader")


@pytest.fixture
def mission(db: Database, actors: ActorRegistry, tmp_path: Path) -> Iterator[Mission]:
    """The Sept 2016 case on a fresh database, the app over it, one user per role."""
    load_case(db, actors)
    tokens = {}
    for name, (role, party) in USERS.items():
        _, tokens[name] = add_user(db, name, role.value, by="setup", party=party, password=PASSWORD)
    store = tmp_path / "evidence"
    settings = Settings(db_url=db.url, evidence_store=store)
    with TestClient(create_app(settings, db=db)) as client:
        yield Mission(db, client, tokens, store)
