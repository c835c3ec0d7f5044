"""name_key: each folding rule, and the spellings it must keep apart."""

import pytest

from trucewatch.actors.normalize import name_key


def same(*spellings: str) -> bool:
    return len({name_key(s) for s in spellings}) == 1


def test_case_and_diacritics_are_ignored() -> None:
    assert same("AL-NUSRA", "al-nusra", "Al-Nusra")
    assert same("Ḥalab", "Halab")
    assert same("Yekîneyên Parastina Gel", "Yekineyen Parastina Gel")
    assert same("Kılıç", "Kilic")  # Turkish dotless i survives NFKD, so it is mapped


def test_arabic_vowel_marks_are_dropped() -> None:
    assert same("جَبْهَة النُّصْرَة", "جبهة النصرة")


@pytest.mark.parametrize("mark", ["'", "’", "‘", "ʿ", "ʾ", "`", "´"])
def test_apostrophes_and_ayn_hamza_marks_are_dropped(mark: str) -> None:
    assert name_key(f"Hay{mark}at Tahrir al-Sham") == name_key("Hayat Tahrir al-Sham")


def test_dots_are_dropped_so_abbreviations_match() -> None:
    assert same("U.S.", "US", "us")


def test_hyphens_spaces_and_punctuation_are_one_word_break() -> None:
    assert same("al-Sham", "al Sham", "al – Sham", "al_Sham")
    assert name_key("Military Forces of Syria (2000-)") == "military forces of syria 2000"


@pytest.mark.parametrize(
    "spelling",
    [
        "Jabhat al-Nusra",
        "Jabhat an-Nusra",
        "Jabhat Al Nusra",
        "Jabhat el-Nusra",
        "jabhat nusra",
    ],
)
def test_arabic_article_in_any_romanisation_is_dropped(spelling: str) -> None:
    assert name_key(spelling) == "jabhat nusra"


def test_sun_letter_forms_of_the_article() -> None:
    assert same("Hurras ad-Din", "Hurras al-Din")
    assert same("Jabhat ash-Shamiya", "Jabhat al-Shamiya")
    assert same("az-Zawiya", "al-Zawiya")
    assert same("ar-Raqqa", "al-Raqqa")


def test_a_name_that_is_only_an_article_keeps_it() -> None:
    assert name_key("al") == "al"
    assert name_key("the") == "the"


def test_english_the_is_dropped() -> None:
    assert same("The Levant Front", "Levant Front")


def test_doubled_letters_collapse_but_digits_do_not() -> None:
    assert same("Hayyat Tahrir al-Sham", "Hayat Tahrir al-Sham", "Hay'at Tahrir al-Sham")
    assert same("Shuhadaa", "Shuhada")
    assert name_key("2000") == "2000"


def test_long_vowels_written_double() -> None:
    assert same("Nour al-Din", "Noor al-Din", "Nur al-Din")
    assert same("Nour al-Deen", "Nour al-Din")


@pytest.mark.parametrize("spelling", ["Jaysh", "Jaish", "Jeish", "Jeysh"])
def test_ay_ey_ei_fold_together(spelling: str) -> None:
    assert name_key(spelling) == name_key("Jaysh")


def test_q_and_k_fold_together() -> None:
    assert same("Faylaq al-Rahman", "Failaq al-Rahman", "Faylak al-Rahman")


def test_ta_marbuta_written_or_not() -> None:
    assert same("Al-Jabha al-Shamiyyah", "al-Jabha al-Shamiya", "al-Jabhah al-Shamiya")


def test_different_groups_stay_apart() -> None:
    assert name_key("Jaysh Tahrir al-Sham") != name_key("Hay'at Tahrir al-Sham")
    assert name_key("Tahrir al- Sham Army") != name_key("Tahrir al-Sham")
    assert name_key("Ahrar al-Sham") != name_key("Ahrar al-Sharqiya")
    assert name_key("Jabhat Fateh al-Sham") != name_key("Fatah Halab")
    assert name_key("Islamic State") != name_key("Islamic Front")
    assert name_key("Syrian National Army") != name_key("Syrian National Coalition")
