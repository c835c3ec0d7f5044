"""Extraction on short articles written for these tests (not real reports), one per pattern."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from trucewatch.cli import app
from trucewatch.nlp import extract_article

PUBLISHED = date(2016, 9, 21)  # a Wednesday


def main(text: str) -> dict[str, object]:
    result = extract_article(text, PUBLISHED)
    assert result["incidents"], result
    return result["incidents"][0]  # type: ignore[index,no-any-return]


def claims(incident: dict[str, object]) -> list[tuple[str, str, str | None]]:
    return [
        (c["kind"], c["claimant"]["id"], (c["subject"] or {}).get("id"))  # type: ignore[index]
        for c in incident["claims"]  # type: ignore[union-attr]
    ]


def test_accusation() -> None:
    i = main(
        "Air strikes hit an aid convoy near Urum al-Kubra on Monday, killing 20 people. "
        "The United States accused Russia of carrying out the strike."
    )
    assert ("accuses", "united-states", "russia") in claims(i)
    assert i["sub_event_type"] == "Air/drone strike"
    assert "humanitarian_aid" in i["tags"]  # type: ignore[operator]


def test_denial() -> None:
    i = main(
        "Warplanes bombed a hospital in Khan Shaykhun on Tuesday, killing five medics. "
        "Russia denied that its aircraft were involved."
    )
    assert ("denies", "russia", "russia") in claims(i)
    assert "medical" in i["tags"]  # type: ignore[operator]


def test_alternative_explanation() -> None:
    i = main(
        "A convoy was destroyed by air strikes near Urum al-Kubra on Monday. "
        "Russia said the convoy caught fire on its own."
    )
    assert ("alternative_explanation", "russia", None) in claims(i)


def test_presumed_attribution_is_an_accusation() -> None:
    i = main(
        "An air strike killed 15 fighters near Aleppo on Thursday, in a raid presumed by "
        "rebels to have been carried out by American warplanes."
    )
    assert ("accuses", "armed-opposition", "united-states") in claims(i)


def test_relative_dates_against_publication() -> None:
    assert main("Shelling killed four people in Aleppo on Monday.")["date"] == "2016-09-19"
    i = main("Shelling killed four people in Aleppo on Wednesday morning.")
    assert (i["date"], i["date_precision"]) == ("2016-09-21", "day")
    i = main("Shelling killed four people in Aleppo last week.")
    assert (i["date"], i["date_precision"]) == ("2016-09-14", "week")
    i = main("Shelling killed four people in Aleppo yesterday.")
    assert i["date"] == "2016-09-20"
    i = main("Shelling killed four people in Aleppo on the eve of the cease-fire.")
    assert (i["date"], i["date_precision"]) == ("2016-09-21", "week")  # not resolvable: as reported


def test_dateline_and_talks_venue_are_not_the_incident_location() -> None:
    i = main(
        "DAMASCUS, Syria (AP) — Shelling killed six people in Idlib on Tuesday, as diplomats "
        "met in Geneva."
    )
    location = i["location"]
    assert isinstance(location, dict) and location["admin1"] == "Idleb"
    assert location["name"] == "Idlib"


def test_an_ambiguous_place_is_resolved_by_context_or_left_ambiguous() -> None:
    left = main("Shelling killed three people in Abu Dali on Monday.")["location"]
    assert isinstance(left, dict) and left["latitude"] is None
    assert sorted(left["ambiguous"]) == ["Abu Dali (Hama)", "Abu Dali (Idleb)"]
    chosen = main("Shelling killed three people in Abu Dali, in Hama province, on Monday.")[
        "location"
    ]
    assert (
        isinstance(chosen, dict) and chosen["admin1"] == "Hama" and chosen["latitude"] is not None
    )


def test_casualty_ranges_civilians_and_children() -> None:
    i = main(
        "At least 20 civilians, including five children, were killed in air strikes on Aleppo."
    )
    assert i["fatalities"] == {"low": 20, "best": 20, "high": 20}
    assert i["civilian_fatalities"] == {"low": 20, "best": 20, "high": 20}
    assert i["child_fatalities"] == {"low": 5, "best": 5, "high": 5}
    i = main("Dozens of people were killed and 30 to 40 wounded when rockets hit Aleppo.")
    assert i["fatalities"] == {"low": 24, "best": 24, "high": 99}
    assert i["injured"] == {"low": 30, "best": 30, "high": 40}
    i = main("Clashes broke out near Aleppo on Monday.")
    assert i["injured"] is None and i["civilian_fatalities"] is None  # the text says nothing


def test_contract_keys_and_actor_mentions() -> None:
    result = extract_article(
        "Russian warplanes struck Aleppo on Monday, killing 9 people.", PUBLISHED
    )
    assert set(result) == {"published", "incidents", "actors", "places"}
    i = result["incidents"][0]
    assert set(i) == {
        "date",
        "date_precision",
        "event_type",
        "sub_event_type",
        "tags",
        "location",
        "fatalities",
        "civilian_fatalities",
        "child_fatalities",
        "injured",
        "actors",
        "claims",
        "text",
    }
    assert i["actors"] == [{"id": "russia", "name": "Russian", "role": "perpetrator"}]
    assert {"id": "russia", "name": "Russian", "mentions": 1} in result["actors"]


def test_other_languages_give_no_drafts() -> None:
    assert extract_article(GERMAN, PUBLISHED)["incidents"] == []


GERMAN = (
    "Der Angriff auf den Hilfskonvoi in der Nähe von Aleppo tötete am Montag zwanzig Menschen, "
    "teilte die Beobachtungsstelle mit. Die Vereinigten Staaten machten Russland dafür "
    "verantwortlich, Moskau wies die Vorwürfe zurück und sprach von einem Brand."
)  # written for this test

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def test_bad_files_give_clear_messages(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert run("extract", str(empty), "--published", "2016-09-21")[2].strip() == (
        f"{empty}: the file is empty — give the article's text"
    )
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\x7fELF\x00\x01\x02" * 100)
    assert (
        "this is not a text file (it holds binary data)"
        in run("extract", str(binary), "--published", "2016-09-21")[2]
    )
    code, _, err = run("extract", str(tmp_path / "article.txt"))
    assert code == 1 and "file not found" in err
    other = tmp_path / "de.txt"
    other.write_text(GERMAN)
    code, _, err = run("extract", str(other), "--published", "2016-09-21")
    assert code == 0 and "does not read as English; no drafts made" in err


def test_a_10_mb_article_is_cut_and_read(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    sentence = "Shelling killed four people in Aleppo on Monday. "
    big.write_text(sentence * (10_000_000 // len(sentence)))
    code, _, err = run("extract", str(big), "--published", "2016-09-21", "--json")
    assert code == 0
    assert "cut to the first 200,000 characters" in err


def test_batch_over_a_csv_writes_json_lines(tmp_path: Path) -> None:
    articles = tmp_path / "a.csv"
    articles.write_text(
        "title,text,date\nStrike,Russian warplanes struck Aleppo on Monday.,2016-09-21\n"
        "Quiet,Nothing happened today.,2016-09-22\n"
    )
    out_file = tmp_path / "drafts.jsonl"
    code, out, _ = run("extract", str(articles), "--out", str(out_file))
    assert code == 0 and "wrote 2 article(s)" in out
    lines = out_file.read_text().splitlines()
    assert len(lines) == 2 and '"article": "' in lines[0]


def test_ingest_text_puts_drafts_in_the_review_queue(tmp_path: Path) -> None:
    from trucewatch.records import incident_record
    from trucewatch.store import Database

    article = tmp_path / "article.txt"
    article.write_text(
        "Russian warplanes struck Khan Shaykhun on Monday, killing 9 people. "
        "Shelling killed three people in Abu Dali on Tuesday."
    )
    url = f"sqlite:///{tmp_path / 'tw.db'}"
    assert run("init", "--db", url)[0] == 0
    base = ("ingest", str(article), "--format", "text", "--source", "test-article", "--db", url)
    code, _, err = run(*base, "--published", "2016-09-21")
    assert code == 1
    assert "draft incident 2: place 'Abu Dali' has no coordinates — locate it by hand" in err
    code, out, _ = run(*base, "--published", "2016-09-21", "--skip-bad-rows")
    assert code == 0 and "1 new" in out
    record = incident_record(Database(url), "article-1-1")
    assert record.incident.location.name == "Khan Shaykhun"
    assert record.incident.date == date(2016, 9, 19)
    assert "draft_from_text" in record.incident.tags
    from sqlalchemy import select

    from trucewatch.store.schema import incidents

    with Database(url).engine.connect() as conn:
        assert conn.execute(select(incidents.c.status)).scalars().all() == ["reported"]


def test_the_headline_names_who_did_it_when_the_sentence_does_not() -> None:
    i = main(
        "Regime air strikes kill 20 in Idlib. The strikes hit a market in Idlib on Monday, "
        "killing 20 people."
    )
    assert i["actors"] == [{"id": "syria-government", "name": "Regime", "role": "perpetrator"}]
    two = main(
        "Russian and Turkish forces blamed for Aleppo deaths. Shelling hit Aleppo on Monday, "
        "killing 4."
    )
    assert two["actors"] == []  # two armed actors in the headline: left unnamed
