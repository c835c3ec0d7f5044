"""Shared fixtures: the shipped actor registry and a small synthetic agreement.

The synthetic agreement and incidents in these tests are made up to exercise
the rules; they say so in their titles and notes and are never real events.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from trucewatch.actors import ActorRegistry

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def actors() -> ActorRegistry:
    """The registry that ships with trucewatch."""
    return ActorRegistry.shipped()


@pytest.fixture
def shared_data() -> Path:
    """../shared/data beside the repository; skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA
