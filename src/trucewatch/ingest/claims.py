"""Sources and claims files: YAML lists checked as a whole, errors at their lines.

Claims are what attribution is weighed from, and sources are what claims are
graded by, so a wrong entry silently changes who is found responsible.  We
therefore check more than the types: ids must be unique (a claim or source
referred to by id must mean one thing), an accusation, admission or denial
must say about whom, and — when the caller knows the sources — every claim
must cite one that exists.

    sources:                          claims:
      - id: sarc                        - id: convoy-us-accuses
        name: Syrian Arab Red Crescent    incident: SYR-2016-0919-convoy
        kind: ngo                         claimant: united-states
        reliability: B                    kind: accuses
                                          subject: russia
                                          text: "..."
                                          date: 2016-09-20
                                          source: state-dept
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

from trucewatch.domain.claim import Claim, ClaimKind
from trucewatch.domain.source import Source
from trucewatch.errors import InputError, Problem, did_you_mean
from trucewatch.yamlfile import (
    in_file_order,
    list_under,
    load_yaml,
    numbers_as_text,
    validate_items,
)

__all__ = ["read_claims", "read_sources"]

# Fields that are text in the model but that YAML reads as numbers when written
# bare: `incident: 301214` (a UCDP id) or `credibility: 2` (Admiralty).
_TEXT_FIELDS_OF_CLAIM = ("id", "incident", "claimant", "subject", "source", "credibility")
_TEXT_FIELDS_OF_SOURCE = ("id",)

# Kinds that are about someone, and how to tell the user whom to name.
_SUBJECT_HINTS: dict[str, str] = {
    ClaimKind.ACCUSES.value: "name who is accused",
    ClaimKind.ADMITS.value: "name whose responsibility is admitted",
    ClaimKind.DENIES.value: "name whose responsibility is denied",
}


def read_sources(path: Path | str) -> list[Source]:
    """Read a ``sources:`` YAML list, or raise InputError listing every problem."""
    name = str(path)
    data, lines = load_yaml(path)
    items, problems = list_under(data, "sources", name, lines)
    items = [numbers_as_text(item, _TEXT_FIELDS_OF_SOURCE) for item in items]
    sources = validate_items(Source, items, "sources", name, lines, problems)
    if problems:
        raise InputError(in_file_order(problems))
    return sources


def read_claims(path: Path | str, *, known_sources: Collection[str] | None = None) -> list[Claim]:
    """Read a ``claims:`` YAML list, or raise InputError listing every problem.

    ``known_sources`` (source ids, e.g. from :func:`read_sources`) turns a
    claim citing an unknown source into a problem: a typo there would
    otherwise leave the claim ungraded without anyone noticing.
    """
    name = str(path)
    data, lines = load_yaml(path)
    items, problems = list_under(data, "claims", name, lines)
    items = [numbers_as_text(item, _TEXT_FIELDS_OF_CLAIM) for item in items]

    def check(i: int, item: dict[str, Any]) -> None:
        kind = item.get("kind")
        # A kind written as a list or mapping is not hashable; validation reports it.
        if isinstance(kind, str) and kind in _SUBJECT_HINTS and not item.get("subject"):
            problems.append(
                Problem(
                    name,
                    lines.line_of(("claims", i, "subject")),
                    f"claims.{i}.subject: {kind} needs a subject",
                    f"{_SUBJECT_HINTS[kind]} (a registry id)",
                    f"claims.{i}.subject",
                )
            )
        source = item.get("source")
        if known_sources is not None and isinstance(source, str) and source not in known_sources:
            guess = did_you_mean(source, known_sources)
            problems.append(
                Problem(
                    name,
                    lines.line_of(("claims", i, "source")),
                    f"claims.{i}.source: unknown source {source!r}",
                    f"did you mean {guess!r}?" if guess else "add it to the sources file",
                    f"claims.{i}.source",
                )
            )

    claims = validate_items(Claim, items, "claims", name, lines, problems, check)
    if problems:
        raise InputError(in_file_order(problems))
    return claims


def read_claims_and_sources(
    claims_path: Path | str | None, sources_path: Path | str | None
) -> tuple[list[Claim], list[Source]]:
    """The claims and sources files an evaluation is given (either may be absent).

    With a sources file, every claim's source must be one of it.
    """
    sources = read_sources(sources_path) if sources_path else []
    known = {s.id for s in sources} if sources else None
    claims = read_claims(claims_path, known_sources=known) if claims_path else []
    return claims, sources
