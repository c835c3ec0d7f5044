"""A CSV with a column-mapping file (fixtures are synthetic)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from trucewatch.domain import Role
from trucewatch.errors import InputError
from trucewatch.ingest import MappedCsvImporter

FIXTURES = Path(__file__).parent / "fixtures"
MAPPING = FIXTURES / "monitor_log.mapping.yaml"


def test_a_semicolon_file_read_through_its_mapping() -> None:
    attack, clash = MappedCsvImporter(MAPPING).rows(FIXTURES / "monitor_log.csv")
    assert attack.problems == () and attack.incident is not None
    i = attack.incident
    assert (i.id, i.date, i.location.geo_precision) == ("M-1", date(2016, 9, 19), 2)
    assert [(a.name, a.role) for a in i.actors] == [
        ("Government of Syria", Role.PERPETRATOR),
        ("Civilians", Role.TARGET),
    ]
    assert i.fatalities.best == 21
    assert attack.original["Incident No"] == "M-1"
    assert clash.incident is not None and clash.incident.fatalities.best == 0


def test_an_unknown_target_field_names_the_mapping_line(tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "columns:\n  event_date: Date\n  event_typ: Type\n  sub_event_type: S\n"
        "  latitude: Lat\n  longitude: Lon\n"
    )
    with pytest.raises(InputError) as e:
        MappedCsvImporter(mapping)
    assert [str(p) for p in e.value.problems] == [
        f"{mapping}:3: columns.event_typ: not a field we know — did you mean 'event_type'?",
        f"{mapping}:1: columns: nothing gives event_type — map the column that holds it "
        '(`event_type: "Your column"`) or give a default',
    ]


def test_a_mapped_column_missing_from_the_file_names_the_closest(tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(MAPPING.read_text().replace('"Lat"', '"Latitude"'))
    with pytest.raises(InputError) as e:
        list(MappedCsvImporter(mapping).rows(FIXTURES / "monitor_log.csv"))
    assert [str(p) for p in e.value.problems] == [
        f"{mapping}:12: columns.latitude: 'Latitude' is not a column of "
        f"{FIXTURES / 'monitor_log.csv'} — closest in the header: 'Lat', 'Date'"
    ]


def test_defaults_fill_fields_the_file_lacks(tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "columns:\n  event_date: When\n  latitude: Y\n  longitude: X\n"
        "defaults:\n  event_type: Explosions/Remote violence\n"
        "  sub_event_type: Shelling/artillery/missile attack\n"
    )
    data = tmp_path / "d.csv"
    data.write_text("When,Y,X\n2016-09-19,36.2,37.1\n")
    (row,) = MappedCsvImporter(mapping).rows(data)
    assert row.incident is not None
    assert row.incident.id == "row-2"
    assert row.incident.sub_event_type == "Shelling/artillery/missile attack"
