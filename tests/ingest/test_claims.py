"""Sources and claims files, as examples of what a user writes and what they are told."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from textwrap import dedent

import pytest

from trucewatch.domain import Claim, ClaimKind, Credibility, Reliability, Source, SourceKind
from trucewatch.errors import InputError
from trucewatch.ingest import read_claims, read_sources

SOURCES = """\
sources:
  - id: sarc
    name: Syrian Arab Red Crescent
    kind: ngo
    reliability: B
  - id: state-dept
    name: US Department of State
    kind: party_statement
    actor: united-states
  - id: mod-russia
    name: Russian Ministry of Defence
    kind: party_statement
    reliability: D
    independence_group: russian-government
"""

CLAIMS = """\
claims:
  - id: convoy-us-accuses
    incident: "301214"
    claimant: united-states
    kind: accuses
    subject: russia
    text: "synthetic: the US says Russian aircraft struck the convoy"
    date: 2016-09-20
    source: state-dept
    credibility: 3
  - id: convoy-ru-alternative
    incident: 301214
    claimant: russia
    kind: alternative_explanation
    text: "synthetic: Russia says the cargo caught fire"
    date: 2016-09-20
    source: mod-russia
"""


def write(tmp_path: Path, text: str, name: str) -> Path:
    path = tmp_path / name
    path.write_text(dedent(text), encoding="utf-8")
    return path


def messages(path: Path, error: pytest.ExceptionInfo[InputError]) -> list[str]:
    """The problems as the user reads them, with the tmp directory cut off."""
    return [str(p).replace(str(path.parent) + "/", "") for p in error.value.problems]


# --------------------------------------------------------------------------- sources


def test_a_sources_file_reads_into_graded_sources(tmp_path: Path) -> None:
    sarc, state, mod = read_sources(write(tmp_path, SOURCES, "sources.yaml"))

    assert sarc == Source(
        id="sarc", name="Syrian Arab Red Crescent", kind=SourceKind.NGO, reliability=Reliability.B
    )
    assert state.reliability == Reliability.F  # cannot be judged, until graded
    assert state.actor == "united-states"
    assert mod.group == "russian-government"


def test_source_field_errors_carry_their_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        sources:
          - id: sarc
            name: Syrian Arab Red Crescent
            kind: ngo
          - id: Reuters
            name: Reuters
            kind: newspaper
        """,
        "sources.yaml",
    )

    with pytest.raises(InputError) as e:
        read_sources(path)

    assert messages(path, e) == [
        "sources.yaml:5: sources.1.id: String should match pattern '^[a-z0-9][a-z0-9-]*$'"
        " — ids are lower-case letters, digits and hyphens, e.g. east-aleppo",
        "sources.yaml:7: sources.1.kind: Input should be 'monitor', 'un_agency', 'ngo', 'media',"
        " 'party_statement', 'social_media' or 'dataset'",
    ]


def test_a_duplicate_source_id_names_both_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path, SOURCES + "  - {id: sarc, name: SARC again, kind: ngo}\n", "sources.yaml"
    )

    with pytest.raises(InputError) as e:
        read_sources(path)

    assert messages(path, e) == [
        "sources.yaml:15: sources.3.id: 'sarc' is also used on line 2"
        " — give every entry a unique id"
    ]


def test_a_sources_file_needs_its_top_level_key(tmp_path: Path) -> None:
    path = write(tmp_path, SOURCES.replace("sources:", "source:"), "sources.yaml")

    with pytest.raises(InputError) as e:
        read_sources(path)

    assert messages(path, e) == [
        "sources.yaml:1: unknown top-level key 'source'"
        " — the file is one top-level key, sources:, holding a list",
        "sources.yaml:1: missing top-level key sources:"
        " — the file is one top-level key, sources:, holding a list",
    ]


def test_a_missing_sources_file_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"

    with pytest.raises(InputError) as e:
        read_sources(path)

    assert messages(path, e) == ["sources.yaml: file not found — check the path"]


# --------------------------------------------------------------------------- claims


def test_a_claims_file_reads_into_claims(tmp_path: Path) -> None:
    accusation, explanation = read_claims(write(tmp_path, CLAIMS, "claims.yaml"))

    assert accusation == Claim(
        id="convoy-us-accuses",
        incident="301214",
        claimant="united-states",
        kind=ClaimKind.ACCUSES,
        subject="russia",
        text="synthetic: the US says Russian aircraft struck the convoy",
        date=date(2016, 9, 20),
        source="state-dept",
        credibility=Credibility.POSSIBLY_TRUE,
    )
    # Bare YAML numbers are read as the text written: `incident: 301214`, `credibility: 3`.
    assert explanation.incident == "301214"
    assert explanation.subject is None  # an alternative explanation need not name anyone


def test_claims_are_checked_against_known_sources(tmp_path: Path) -> None:
    path = write(tmp_path, CLAIMS.replace("source: mod-russia", "source: mod-rusia"), "claims.yaml")

    with pytest.raises(InputError) as e:
        read_claims(path, known_sources={"state-dept", "mod-russia", "sarc"})

    assert messages(path, e) == [
        "claims.yaml:17: claims.1.source: unknown source 'mod-rusia' — did you mean 'mod-russia'?"
    ]


def test_an_unknown_source_without_a_near_miss(tmp_path: Path) -> None:
    path = write(tmp_path, CLAIMS, "claims.yaml")

    with pytest.raises(InputError) as e:
        read_claims(path, known_sources={"sarc", "state-dept"})

    assert messages(path, e) == [
        "claims.yaml:17: claims.1.source: unknown source 'mod-russia' — add it to the sources file"
    ]


def test_accusations_admissions_and_denials_need_a_subject(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        claims:
          - id: a
            incident: SYN1
            claimant: united-states
            kind: accuses
            text: synthetic
            date: 2016-09-20
            source: state-dept
          - {id: b, incident: SYN1, claimant: russia, kind: denies, text: x,
             date: 2016-09-20, source: mod-russia}
          - {id: c, incident: SYN1, claimant: russia, kind: admits, subject: "",
             text: x, date: 2016-09-20, source: mod-russia}
        """,
        "claims.yaml",
    )

    with pytest.raises(InputError) as e:
        read_claims(path)

    assert messages(path, e) == [
        "claims.yaml:2: claims.0.subject: accuses needs a subject"
        " — name who is accused (a registry id)",
        "claims.yaml:9: claims.1.subject: denies needs a subject"
        " — name whose responsibility is denied (a registry id)",
        "claims.yaml:11: claims.2.subject: admits needs a subject"
        " — name whose responsibility is admitted (a registry id)",
    ]


def test_a_duplicate_claim_id_names_both_lines(tmp_path: Path) -> None:
    path = write(tmp_path, CLAIMS.replace("convoy-ru-alternative", "convoy-us-accuses"), "c.yaml")

    with pytest.raises(InputError) as e:
        read_claims(path)

    assert messages(path, e) == [
        "c.yaml:11: claims.1.id: 'convoy-us-accuses' is also used on line 2"
        " — give every entry a unique id"
    ]


def test_every_claim_problem_is_reported_at_once_in_file_order(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        claims:
          - id: a
            incident: SYN1
            claimant: russia
            kind: blames
            text: synthetic
            date: 2016-09-31
            source: mod-russia
            credibility: 7
            sorce: typo
        """,
        "claims.yaml",
    )

    with pytest.raises(InputError) as e:
        read_claims(path)

    assert messages(path, e) == [
        "claims.yaml:5: claims.0.kind: Input should be 'accuses', 'admits', 'denies'"
        " or 'alternative_explanation'",
        "claims.yaml:7: claims.0.date: Input should be a valid date or datetime,"
        " day value is outside expected range"
        " — write dates as YYYY-MM-DD and times as YYYY-MM-DDTHH:MM+HH:MM",
        "claims.yaml:9: claims.0.credibility: Input should be '1', '2', '3', '4', '5' or '6'",
        "claims.yaml:10: claims.0.sorce: unknown field"
        " — remove it or check its spelling against the JSON Schema",
    ]


def test_claims_must_be_a_list(tmp_path: Path) -> None:
    path = write(tmp_path, "claims:\n  id: a\n", "claims.yaml")

    with pytest.raises(InputError) as e:
        read_claims(path)

    assert messages(path, e) == [
        "claims.yaml:1: claims: should be a list"
        " — the file is one top-level key, claims:, holding a list"
    ]


def test_an_empty_claims_list_is_no_claims(tmp_path: Path) -> None:
    assert read_claims(write(tmp_path, "claims: []\n", "claims.yaml")) == []
    assert read_claims(write(tmp_path, "claims:\n", "claims.yaml")) == []


def test_yaml_syntax_errors_name_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "claims:\n  - id: a\n   kind: [accuses\n", "claims.yaml")

    with pytest.raises(InputError) as e:
        read_claims(path)

    assert [p.line for p in e.value.problems] == [3]
