"""One short article per rule added for the error classes found on FA-KES (see docs/nlp.md).

Every article here is synthetic, written for these tests; none reports a real event.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from trucewatch.nlp import extract_article
from trucewatch.nlp.casualties import read_casualties
from trucewatch.nlp.extract import MAX_CHARS

PUBLISHED = date(2016, 9, 21)  # a Wednesday


def main(text: str) -> dict[str, Any]:
    result = extract_article(text, PUBLISHED)
    assert result["incidents"], result
    incident: dict[str, Any] = result["incidents"][0]
    return incident


def perpetrator(incident: dict[str, Any]) -> str | None:
    return next((a["id"] for a in incident["actors"] if a["role"] == "perpetrator"), None)


def civilians(incident: dict[str, Any]) -> int | None:
    c = incident["civilian_fatalities"]
    return None if c is None else int(c["best"])


# --- places -------------------------------------------------------------------------------


def test_only_the_articles_country_is_searched_for_places() -> None:
    # "Human" is a spelling of Uman (Ukraine) in GeoNames; a Syrian report's
    # "Human Rights" must not become a place, and the incident stays in Syria.
    i = main(
        "Syrian air strikes killed 12 civilians on Monday, the Syrian Observatory for Human "
        "Rights said. The strikes hit a market in Idlib."
    )
    assert i["location"]["admin1"] == "Idleb"
    places = extract_article("The Syrian Observatory for Human Rights said so.", PUBLISHED)
    assert places["places"] == []


def test_a_capital_standing_for_its_government_is_not_a_place() -> None:
    i = main(
        "Shelling killed seven people in Idlib on Monday despite Damascus promises of a truce."
    )
    assert i["location"]["name"] == "Idlib"


def test_pieces_of_names_are_not_places() -> None:
    # "Bashar al" (of Bashar al-Assad) and "Al" (of Al-Qaeda) must not be read as places.
    result = extract_article(
        "Fighters loyal to Bashar al-Assad clashed with Al-Qaeda militants near Aleppo on "
        "Monday, killing nine.",
        PUBLISHED,
    )
    names = [p["name"] for p in result["places"]]
    assert names == ["Aleppo"]
    assert result["incidents"][0]["location"]["admin1"] == "Aleppo"


def test_a_region_without_a_town_gives_its_governorate() -> None:
    i = main("Regime shelling killed eight civilians in Eastern Ghouta on Tuesday.")
    assert i["location"]["admin1"] == "Rural Damascus"
    assert i["location"]["latitude"] is None and i["location"]["geo_precision"] == 3


def test_a_governorate_spelt_with_one_consonant_for_two() -> None:
    i = main("A coalition air strike killed 11 civilians in Syria's Raqa on Sunday.")
    assert i["location"]["admin1"] == "Ar-Raqqa"


def test_a_headline_without_a_place_takes_the_place_of_its_lead() -> None:
    i = main(
        "Suicide bomber kills six at a checkpoint. A suicide bomber killed six people at a "
        "checkpoint in Qamishli on Saturday."
    )
    assert i["sub_event_type"] == "Suicide bomb"
    assert i["location"]["admin1"] == "Al-Hasakeh"
    assert i["fatalities"]["best"] == 6


# --- who did it ---------------------------------------------------------------------------


def test_the_dead_are_not_who_killed_them() -> None:
    i = main("Kurdish forces killed 16 IS militants in clashes near Qamishli on Saturday.")
    assert perpetrator(i) == "ypg"
    j = main("At least 18 IS jihadists were killed in clashes with Kurdish fighters near Qamishli.")
    assert perpetrator(j) == "ypg"


def test_the_subject_of_kill_is_the_perpetrator() -> None:
    i = main("Syrian Army Kills 28 Daesh Militants in Deir ez-Zor.")
    assert perpetrator(i) == "syria-government"
    assert i["location"]["admin1"] == "Deir-ez-Zor"


def test_an_actor_holding_a_place_is_not_the_perpetrator() -> None:
    i = main("Air strikes by Syrian warplanes killed 12 civilians in rebel-held Idlib on Monday.")
    assert perpetrator(i) == "syria-government"
    j = main("Bombs hit an army checkpoint in Homs on Tuesday, killing 22 people.")
    assert perpetrator(j) is None


def test_outlets_and_compounds_named_after_actors_are_not_perpetrators() -> None:
    i = main("Five dead as helicopter downed in Syria | Jordan Times. The crash killed five.")
    assert perpetrator(i) is None
    j = main("A suicide bombing killed 29 people at the Syria-Turkey border crossing on Thursday.")
    assert perpetrator(j) is None


def test_the_lead_names_who_did_what_the_headline_reports() -> None:
    i = main(
        "20 dead in barrel bomb attack in Aleppo. On Monday regime helicopters dropped barrel "
        "bombs on a district of Aleppo, killing at least 20 people."
    )
    assert perpetrator(i) == "syria-government"
    assert i["fatalities"]["best"] == 20


def test_the_oppositions_political_coalition_is_not_the_us_led_coalition() -> None:
    i = main("The Syrian Coalition said regime barrel bombs killed 14 civilians in Aleppo.")
    assert perpetrator(i) == "syria-government"


def test_who_admits_it_is_named_when_nobody_else_is() -> None:
    i = main(
        "A car bomb killed 9 people in Qamishli on Monday. Islamic State claimed responsibility."
    )
    assert perpetrator(i) == "islamic-state"


# --- what happened ------------------------------------------------------------------------


def test_a_killing_with_no_weapon_named_says_so() -> None:
    i = main("The army killed 28 militants near Aleppo on Monday.")
    assert (i["event_type"], i["sub_event_type"]) == ("Battles", "Armed clash")
    assert "weapon_unstated" in i["tags"]


def test_a_loose_word_yields_to_the_weapon_the_lead_names() -> None:
    i = main(
        "Bombs kill 22 in Homs. At least 22 people were killed in a double suicide bomb "
        "attack at a checkpoint in Homs on Tuesday."
    )
    assert i["sub_event_type"] == "Suicide bomb"
    assert "weapon_unstated" not in i["tags"]


# --- how many -----------------------------------------------------------------------------


def test_headline_counts_without_a_noun() -> None:
    c = read_casualties("Regime air strikes kill 39 in Idlib")
    assert c is not None and c.killed is not None and c.killed.best == 39
    assert c.civilians is not None and c.civilians.best == 39 and not c.civilians.stated


def test_killed_and_injured_counts_side_by_side() -> None:
    c = read_casualties("4 killed, 43 injured in rocket attacks on Aleppo")
    assert c is not None and c.killed is not None and c.killed.best == 4
    assert c.injured is not None and c.injured.best == 43
    d = read_casualties("One person killed 16 others injured in rocket attacks")
    assert d is not None and d.killed is not None and d.killed.best == 1


def test_number_words_years_and_sums() -> None:
    c = read_casualties("Published September 24 2016 Ninety-two civilians were killed.")
    assert c is not None and c.civilians is not None and c.civilians.best == 92
    d = read_casualties("Air raids hit a school, killing nine children and 14 others.")
    assert d is not None and d.killed is not None and d.killed.best == 23
    assert d.children is not None and d.children.best == 9
    e = read_casualties("Planes killed 31 jihadists and eight civilians in the raid.")
    assert e is not None and e.civilians is not None and e.civilians.best == 8


def test_civilian_nouns_and_combatant_context() -> None:
    c = read_casualties("Five medics were killed when a strike hit a clinic.")
    assert c is not None and c.civilians is not None and c.civilians.best == 5
    d = read_casualties("Islamic State killed 270 in a gas field battle.")
    assert d is not None and d.killed is not None and d.civilians is None


def test_the_first_sentences_toll_is_the_incidents_toll() -> None:
    i = main(
        "Air strikes killed 16 civilians in Idlib on Monday. Since Thursday, bombing in Idlib "
        "has killed 44 civilians."
    )
    assert civilians(i) == 16


# --- input that is not a news article -----------------------------------------------------


def test_empty_and_whitespace_give_an_empty_result() -> None:
    for text in ("", "   \n\t "):
        result = extract_article(text, PUBLISHED)
        assert result == {
            "published": "2016-09-21",
            "incidents": [],
            "actors": [],
            "places": [],
        }


def test_binary_data_passed_as_text_gives_no_drafts() -> None:
    noise = bytes(range(256)).decode("latin-1") * 40  # NULs and control characters
    result = extract_article(noise, PUBLISHED)
    assert result["incidents"] == []


def test_a_10_mb_text_is_read_up_to_the_limit() -> None:
    sentence = "Shelling killed four people in Aleppo on Monday. "
    result = extract_article(sentence * (10_000_000 // len(sentence)), PUBLISHED)
    assert result["incidents"][0]["location"]["admin1"] == "Aleppo"
    assert len(result["incidents"][0]["text"]) <= MAX_CHARS
