"""The gazetteer and geocoder: transliterations meet, ambiguity is reported, never guessed."""

from __future__ import annotations

import pytest

from trucewatch.geo.gazetteer import Gazetteer, Place
from trucewatch.geo.geocode import geocode
from trucewatch.geo.names import place_key, skeleton


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.shipped()


@pytest.mark.parametrize(
    ("spellings", "place_id"),
    [
        (
            ["Deir ez-Zor", "Deir al-Zour", "Dayr az Zawr", "DEIR EZ ZOR", "Deir Ezzor"],
            "deir-ez-zor",
        ),
        (["al-Zahra", "Zahraa", "Al Zahraa", "al-Zahraa"], "al-zahra"),
        (["Urum al-Kubra", "Orum al-Kubra", "Urum al Kubra", "Big Orem"], "urum-al-kubra"),
        (["Nubl", "Nubbul"], "nubl"),
    ],
)
def test_transliteration_variants_resolve_to_one_place(
    gazetteer: Gazetteer, spellings: list[str], place_id: str
) -> None:
    for spelling in spellings:
        result = geocode(gazetteer, spelling)
        assert result.status == "found", (spelling, result.reason)
        assert result.place is not None and result.place.id == place_id, spelling
        assert result.place.admin1 and result.place.admin2  # with admin1 and admin2
        assert result.place.sources


def test_the_convoy_village_has_its_admin_units_and_precision(gazetteer: Gazetteer) -> None:
    result = geocode(gazetteer, "Urum al-Kubra")
    assert result.place is not None
    assert (result.place.admin1, result.place.admin2) == ("Aleppo", "Jebel Saman")
    assert result.geo_precision == 1


def test_an_ambiguous_name_is_reported_with_every_candidate(gazetteer: Gazetteer) -> None:
    result = geocode(gazetteer, "Abu Dali")
    assert result.status == "ambiguous" and result.place is None
    assert {c.admin1 for c in result.candidates} == {"Idleb", "Hama"}
    assert "give admin1 or admin2 to choose" in result.reason


def test_admin_context_resolves_an_ambiguous_name(gazetteer: Gazetteer) -> None:
    result = geocode(gazetteer, "Abu Dali", admin1="Hama Governorate")
    assert result.status == "found" and result.place is not None
    assert result.place.admin1 == "Hama"


def test_context_that_rules_every_candidate_out_says_where_it_is_known(
    gazetteer: Gazetteer,
) -> None:
    result = geocode(gazetteer, "Nubl", admin1="Dar'a")
    assert result.status == "not_found"
    assert "'Nubl' is known, but not in admin1 Dar'a (known in: Nubl (" in result.reason


def test_unknown_names_are_not_found(gazetteer: Gazetteer) -> None:
    assert geocode(gazetteer, "Atlantis (synthetic)").status == "not_found"


def test_keys() -> None:
    assert place_key("Deir ez-Zor") == place_key("Deir al Zor") == "deir zor"
    assert skeleton("Dayr az Zawr") == skeleton("Deir al-Zour") == "dr zr"


def test_added_places_join_the_index() -> None:
    g = Gazetteer([])
    g.add([Place("x", "Synthetic Village", 36.0, 37.0, names=("Sinthetik",))])
    assert geocode(g, "synthetic village").status == "found"
