"""HXL-tagged CSV in (fixtures are synthetic)."""

from __future__ import annotations

from pathlib import Path

import pytest

from trucewatch.domain import CasualtyRange, Role
from trucewatch.errors import InputError
from trucewatch.ingest import HxlImporter
from trucewatch.ingest.hxl import hxl_field

FIXTURES = Path(__file__).parent / "fixtures"


def test_tags_are_case_insensitive_with_attributes_in_any_order() -> None:
    assert hxl_field(" #Event +Sub+TYPE") == "sub_event_type"
    assert hxl_field("#geo+lat") == "latitude"
    assert hxl_field("#date+reported") is None
    assert hxl_field("Date") is None


def test_a_file_with_a_text_header_and_a_hashtag_row() -> None:
    strike, clash = HxlImporter().rows(FIXTURES / "incidents.hxl.csv")
    assert strike.problems == () and strike.incident is not None
    assert (strike.line, strike.external_id) == (3, "HXL1")
    i = strike.incident
    assert (i.event_type, i.sub_event_type) == ("Explosions/Remote violence", "Air/drone strike")
    assert [(a.name, a.role) for a in i.actors] == [
        ("Government of Syria", Role.PERPETRATOR),
        ("Civilians", Role.TARGET),
        ("SARC", Role.TARGET),
    ]
    assert i.fatalities == CasualtyRange.exactly(21)
    assert i.civilian_fatalities == CasualtyRange.exactly(21)
    assert i.tags == ["humanitarian_aid", "civilians"]
    assert i.notes == "synthetic test row: convoy struck"
    assert strike.original["#affected+injured"] == "30"  # kept, not modelled
    assert clash.incident is not None
    assert {a.role for a in clash.incident.actors} == {Role.OTHER}


def test_missing_type_tags_say_which_to_add(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("#date,#geo+lat,#geo+lon,#event+type\n2016-09-19,36,37,Battles\n")
    with pytest.raises(InputError) as e:
        list(HxlImporter().rows(path))
    assert [str(p) for p in e.value.problems] == [
        f"{path}:1: missing hashtag #event+type+sub — add a column tagged #event+type+sub "
        "with the ACLED sub-event type (e.g. Armed clash)"
    ]


def test_a_file_without_hashtags(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n3,4\n")
    with pytest.raises(InputError, match="no row of HXL hashtags in the first two rows"):
        list(HxlImporter().rows(path))


def test_plain_groups_in_a_one_sided_event_first_is_perpetrator(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(
        "#date,#geo+lat,#geo+lon,#event+type,#event+type+sub,#group+name,#group+name\n"
        "2016-09-19,36,37,Violence against civilians,Attack,IS,Civilians\n"
    )
    (row,) = HxlImporter().rows(path)
    assert row.incident is not None
    assert row.incident.id == "row-2"  # no #event+id
    assert [(a.name, a.role) for a in row.incident.actors] == [
        ("IS", Role.PERPETRATOR),
        ("Civilians", Role.TARGET),
    ]
    assert row.original["#group+name (2)"] == "Civilians"
