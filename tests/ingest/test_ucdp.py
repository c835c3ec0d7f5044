"""UCDP GED CSV in: the mapping rules, on a synthetic sample and on the real Syria file."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from trucewatch.actors import ActorRegistry
from trucewatch.domain import CasualtyRange, Role
from trucewatch.ingest import UcdpImporter

FIXTURES = Path(__file__).parent / "fixtures"
REAL = (
    Path(__file__).resolve().parents[2].parent / "shared/data/events/ucdp_ged_syria_2016_2019.csv"
)


def test_the_sample_maps_dates_sides_places_and_deaths() -> None:
    clash, attack = UcdpImporter().rows(FIXTURES / "ucdp_sample.csv")
    assert clash.problems == ()
    assert clash.incident is not None
    i = clash.incident
    assert (i.id, i.date, i.time_precision) == ("SYN-U1", date(2016, 9, 15), 2)  # mid-week
    assert (i.event_type, i.sub_event_type) == ("Battles", "Armed clash")
    assert [(a.name, a.role) for a in i.actors] == [
        ("Ahrar al-Sham", Role.OTHER),
        ("HTS", Role.OTHER),
        ("Southern Front", Role.OTHER),
        ("IS", Role.OTHER),
    ]
    assert i.fatalities == CasualtyRange(low=3, best=5, high=8)
    assert i.civilian_fatalities == CasualtyRange.exactly(0)
    assert i.tags == ["ucdp_type_of_violence_1"]
    assert (i.location.name, i.location.admin1, i.location.geo_precision) == (
        "Daraa town",
        "Daraa Governorate",
        2,
    )
    assert (i.notes, i.source, i.source_scale) == ("synthetic test row", "SOHR;Reuters", "")
    assert attack.incident is not None
    a = attack.incident
    assert (a.date, a.time_precision) == (date(2016, 7, 1), 3)  # a year: the middle, "month"
    assert a.location.geo_precision == 3
    assert [(x.name, x.role) for x in a.actors] == [
        ("Government of Syria", Role.PERPETRATOR),
        ("Civilians", Role.TARGET),
    ]
    assert a.tags == ["ucdp_type_of_violence_3", "civilians"]


def test_side_lists_are_resolved_part_by_part() -> None:
    registry = ActorRegistry.shipped()
    clash, _ = UcdpImporter().rows(FIXTURES / "ucdp_sample.csv", actors=registry)
    assert clash.incident is not None
    ids = {a.name: a.id for a in clash.incident.actors}
    assert ids["Ahrar al-Sham"] is not None
    assert ids["IS"] is not None


def test_best_outside_low_high_is_widened_and_tagged(tmp_path: Path) -> None:
    text = (FIXTURES / "ucdp_sample.csv").read_text(encoding="utf-8")
    path = tmp_path / "ged.csv"
    path.write_text(text.replace(",0,3,5,8\n", ",0,1,0,2\n"), encoding="utf-8")
    first, _ = UcdpImporter().rows(path)
    assert first.problems == ()
    assert first.incident is not None
    # The best estimate stands; low/high widen to enclose it; the raw values stay.
    assert first.incident.fatalities == CasualtyRange(low=0, best=0, high=2)
    assert "casualty_range_widened" in first.incident.tags
    assert (first.original["low"], first.original["best"], first.original["high"]) == (
        "1",
        "0",
        "2",
    )


@pytest.mark.skipif(not REAL.exists(), reason="the shared UCDP GED file is not present")
def test_the_real_syria_file() -> None:
    registry = ActorRegistry.shipped()
    rows = 0
    widened: dict[str, CasualtyRange] = {}
    convoy = None
    for row in UcdpImporter().rows(REAL, actors=registry):
        rows += 1
        assert row.problems == (), row.problems
        assert row.incident is not None
        if "casualty_range_widened" in row.incident.tags:
            widened[row.original["id"]] = row.incident.fatalities
        if row.external_id == "301214":
            convoy = row
    assert rows == 16_566
    # UCDP's own rows with best outside low..high, widened rather than rejected.
    assert len(widened) == 101
    assert widened["219459"] == CasualtyRange(low=142, best=142, high=177)
    assert convoy is not None and convoy.incident is not None
    i = convoy.incident
    assert i.date == date(2016, 9, 19)
    assert i.location.name == "Urum al Kubra town"
    assert i.fatalities == CasualtyRange.exactly(21)
    assert i.actors[0].id == "syria-government"
    assert i.provenance is not None and i.provenance.row == convoy.line == 4377
    with REAL.open(encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    assert lines[convoy.line - 1].startswith("301214,")
    assert next(csv.reader([lines[convoy.line - 1]]))[0] == "301214"
