"""Every UCDP GED side name for Syria 2016-2019 resolves, group by group.

The data sits beside the project (``../shared/data``), never inside it, so this
test skips cleanly in a clone without it.
"""

import csv
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from trucewatch.actors import ActorRegistry

REPO_ROOT = Path(__file__).resolve().parents[2]
UCDP_GED = REPO_ROOT.parent / "shared" / "data" / "events" / "ucdp_ged_syria_2016_2019.csv"


@pytest.fixture(scope="module")
def sides() -> Counter[tuple[str, date]]:
    """(side name, event date) -> number of events, over side_a and side_b."""
    if not UCDP_GED.is_file():
        pytest.skip(f"UCDP GED extract not found at {UCDP_GED}")
    counts: Counter[tuple[str, date]] = Counter()
    with UCDP_GED.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            day = date.fromisoformat(row["date_start"][:10])
            counts[(row["side_a"], day)] += 1
            counts[(row["side_b"], day)] += 1
    return counts


def parts(side: str) -> list[str]:
    return [p.strip() for p in side.replace(";", ",").split(",") if p.strip()]


def test_every_side_name_resolves_completely(
    sides: Counter[tuple[str, date]], capsys: pytest.CaptureFixture[str]
) -> None:
    reg = ActorRegistry.shipped()
    names = {side for side, _ in sides}
    unresolved = sorted(
        side
        for side in names
        if reg.resolve(side) is None and any(reg.resolve(p) is None for p in parts(side))
    )
    groups = {p for side in names for p in parts(side)}
    resolved_groups = {g for g in groups if reg.resolve(g) is not None}
    with capsys.disabled():
        print(
            f"\nUCDP side names: {len(names) - len(unresolved)}/{len(names)} resolve completely;"
            f" individual groups: {len(resolved_groups)}/{len(groups)}"
        )
    assert unresolved == []


def test_side_lists_resolve_to_one_actor_per_group(sides: Counter[tuple[str, date]]) -> None:
    reg = ActorRegistry.shipped()
    for side in {s for s, _ in sides}:
        found = reg.resolve_all(side)
        if reg.resolve(side) is not None:
            assert len(found) == 1, side
        else:
            ids = {r.actor_id for p in parts(side) if (r := reg.resolve(p)) is not None}
            assert len(found) == len(ids), side


def test_side_names_by_event_date(
    sides: Counter[tuple[str, date]], capsys: pytest.CaptureFixture[str]
) -> None:
    """Resolved on each event's date, every group still resolves; report names out of use."""
    reg = ActorRegistry.shipped()
    events = 0
    out_of_use: Counter[str] = Counter()
    for (side, day), n in sides.items():
        found = reg.resolve_all(side, day)
        assert found, side
        events += n
        for r in found:
            if not r.in_use:
                out_of_use[r.matched] += n
    with capsys.disabled():
        print(
            f"\nUCDP side mentions: {events}; names used outside their dated period:"
            f" {dict(out_of_use.most_common())}"
        )
    # UCDP keeps one name per dyad and year, so only the renamed lineage may
    # appear under a name out of use (JFS early in 2016, HTS or JFS across Jan 2017).
    assert set(out_of_use) <= {"Jabhat Fateh al-Sham", "HTS"}
