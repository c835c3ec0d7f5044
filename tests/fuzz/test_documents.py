"""Fuzz the YAML readers (agreements, claims, sources), the text importer and the extractor.

Structure-aware inputs mutate a valid document line by line (a value of the
wrong type, a line dropped, indentation broken, a key misspelt); raw inputs
are random bytes.  The property is the one in ``_harness``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

# The loader tests' valid synthetic agreement is the seed the fuzzer breaks.
from tests.agreements.test_loader import VALID as AGREEMENT
from tests.fuzz._harness import attempt, check_rows, fuzz_settings
from tests.fuzz._strategies import NASTY, csv_text, damaged, json_text, json_values, raw_bytes
from trucewatch.actors import ActorRegistry
from trucewatch.agreements import load_agreement, parse_agreement
from trucewatch.ingest import importer_for, read_claims, read_sources
from trucewatch.nlp import extract_article

EXAMPLES = 250  # per test in CI; TRUCEWATCH_FUZZ_EXAMPLES raises it

SOURCES = """\
sources:
  - id: sarc
    name: Syrian Arab Red Crescent (synthetic test entry)
    kind: ngo
    reliability: B
  - id: mod
    name: A ministry (synthetic test entry)
    kind: party_statement
    actor: russia
    independence_group: russian-government
"""

CLAIMS = """\
claims:
  - id: synthetic-accuses
    incident: "301214"
    claimant: united-states
    kind: accuses
    subject: russia
    text: "synthetic: one side accuses another"
    date: 2016-09-20
    source: sarc
    credibility: 3
  - id: synthetic-denies
    incident: 301214
    claimant: russia
    kind: denies
    subject: russia
    text: "synthetic: the accused denies it"
    date: 2016-09-21
"""


@pytest.fixture(scope="module", autouse=True)
def warm_extractor() -> None:
    """Build the extractor (lexicon, gazetteer) once, outside any input's hang guard."""
    extract_article("Warm-up.", date(2016, 9, 19))


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the module; each input overwrites its target's file."""
    return tmp_path_factory.mktemp("fuzz-documents")


@st.composite
def yaml_documents(draw: st.DrawFn, valid: str) -> bytes:
    """``valid`` with 1-4 lines broken, then the file damaged as a whole."""
    lines = valid.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        head, colon, _ = lines[i].partition(":")
        how = draw(st.sampled_from(("value", "value", "drop", "dup", "key", "indent", "junk")))
        if how == "value" and colon:
            lines[i] = f"{head}: {json_text(draw(json_values))}"
        elif how == "drop":
            lines[i] = ""
        elif how == "dup":
            lines.insert(i, lines[i])
        elif how == "key" and colon:
            indent = len(head) - len(head.lstrip())
            lines[i] = (
                " " * indent
                + draw(st.sampled_from(NASTY)).strip()
                + ":"
                + lines[i][len(head) + 1 :]
            )
        elif how == "indent":
            lines[i] = " " * draw(st.integers(0, 7)) + lines[i].lstrip()
        else:
            lines[i] = draw(
                st.sampled_from((*NASTY, "- ", "&a", "*a", "!!python/object:os.system", "? "))
            )
    return draw(damaged("\n".join(lines) + "\n"))


@given(data=st.one_of(yaml_documents(AGREEMENT), raw_bytes))
@fuzz_settings(EXAMPLES)
def test_agreement_file(data: bytes, work: Path, actors: ActorRegistry) -> None:
    path = work / "agreement.yaml"
    path.write_bytes(data)
    attempt("agreement loader (file)", str(path), lambda: load_agreement(path, actors=actors))


@given(
    text=st.one_of(yaml_documents(AGREEMENT).map(lambda b: b.decode("utf-8", "replace")), st.text())
)
@fuzz_settings(EXAMPLES)
def test_agreement_text(text: str, actors: ActorRegistry, work: Path) -> None:
    attempt(
        "agreement loader (text)",
        "a.yaml",
        lambda: parse_agreement(text, name="a.yaml", actors=actors, base=work),
    )


@given(data=st.one_of(yaml_documents(SOURCES), raw_bytes))
@fuzz_settings(EXAMPLES)
def test_sources_file(data: bytes, work: Path) -> None:
    path = work / "sources.yaml"
    path.write_bytes(data)
    attempt("claims (sources file)", str(path), lambda: read_sources(path))


@given(data=st.one_of(yaml_documents(CLAIMS), raw_bytes))
@fuzz_settings(EXAMPLES)
def test_claims_file(data: bytes, work: Path) -> None:
    path = work / "claims.yaml"
    path.write_bytes(data)
    attempt("claims (claims file)", str(path), lambda: read_claims(path, known_sources={"sarc"}))


FRAGMENTS = (
    "Aleppo",
    "Urum al-Kubra",
    "east Aleppo",
    "Idlib",
    "Russian aircraft",
    "government forces",
    "the Syrian army",
    "rebels",
    "Islamic State",
    "killed",
    "struck",
    "wounded",
    "denied",
    "accused",
    "said",
    "at least",
    "more than",
    "dozens of",
    "children",
    "civilians",
    "an aid convoy",
    "on Monday",
    "on 19 September",
    "September 31",
    "last week",
    "1e309",
    "-12",
    "99999999999999999999999",
    "twenty-one",
    "one",
    "a thousand",
    ".",
    ",",
    "\n\n",
    "(Reuters) -",
    "ALEPPO, Syria —",
)

article_texts = st.one_of(
    st.lists(
        st.sampled_from(FRAGMENTS) | st.sampled_from(NASTY) | st.text(max_size=12), max_size=60
    ).map(" ".join),
    st.text(max_size=2000),
)
"""Article-like texts: news fragments, numbers and dates shuffled with noise; or any text."""

published_dates = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))


@given(text=article_texts, published=published_dates)
@fuzz_settings(EXAMPLES * 2)
def test_extract_article(text: str, published: date) -> None:
    result = attempt("nlp extract_article", "", lambda: extract_article(text, published))
    if result is not None:
        assert isinstance(result["incidents"], list)
        assert result["published"] == published.isoformat()


@given(
    data=st.one_of(article_texts.flatmap(lambda t: damaged(t)), raw_bytes),
    as_csv=st.booleans(),
    published=published_dates,
)
@fuzz_settings(EXAMPLES)
def test_text_importer(
    data: bytes, as_csv: bool, published: date, work: Path, actors: ActorRegistry
) -> None:
    if as_csv:
        text = data.decode("utf-8", "replace")
        data = csv_text(
            [["date", "title", "text"], [published.isoformat(), "synthetic", text]]
        ).encode()
    path = work / ("articles.csv" if as_csv else "article.txt")
    path.write_bytes(data)
    rows = attempt(
        "text (articles)",
        str(path),
        lambda: list(importer_for("text", published=published).rows(path, actors=actors)),
    )
    if rows is not None:
        check_rows(rows, str(path))
