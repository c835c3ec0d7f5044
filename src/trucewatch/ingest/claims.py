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

from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from trucewatch.domain.base import DomainModel
from trucewatch.domain.claim import Claim, ClaimKind
from trucewatch.domain.source import Source
from trucewatch.errors import InputError, Problem, did_you_mean
from trucewatch.yamlfile import LineMap, load_yaml, problems_from_validation

__all__ = ["read_claims", "read_sources"]

Model = TypeVar("Model", bound=DomainModel)

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
    items, problems = _items(data, "sources", name, lines)
    items = [_as_text(item, _TEXT_FIELDS_OF_SOURCE) for item in items]
    sources = _validate(Source, items, "sources", name, lines, problems)
    if problems:
        raise InputError(_in_order(problems))
    return sources


def read_claims(path: Path | str, *, known_sources: Collection[str] | None = None) -> list[Claim]:
    """Read a ``claims:`` YAML list, or raise InputError listing every problem.

    ``known_sources`` (source ids, e.g. from :func:`read_sources`) turns a
    claim citing an unknown source into a problem: a typo there would
    otherwise leave the claim ungraded without anyone noticing.
    """
    name = str(path)
    data, lines = load_yaml(path)
    items, problems = _items(data, "claims", name, lines)
    items = [_as_text(item, _TEXT_FIELDS_OF_CLAIM) for item in items]

    def check(i: int, item: dict[str, Any]) -> None:
        kind = item.get("kind")
        if kind in _SUBJECT_HINTS and not item.get("subject"):
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

    claims = _validate(Claim, items, "claims", name, lines, problems, check)
    if problems:
        raise InputError(_in_order(problems))
    return claims


def _items(data: Any, key: str, name: str, lines: LineMap) -> tuple[list[Any], list[Problem]]:
    """The list under the one top-level ``key``, and problems with the file's shape."""
    hint = f"the file is one top-level key, {key}:, holding a list"
    if not isinstance(data, dict):
        return [], [Problem(name, 1, f"expected a top-level {key}: list", hint)]
    problems = [
        Problem(name, lines.line_of((str(k),)), f"unknown top-level key {k!r}", hint, str(k))
        for k in data
        if k != key
    ]
    items = data.get(key)
    if items is None and key not in data:
        problems.append(Problem(name, 1, f"missing top-level key {key}:", hint, key))
        return [], problems
    if items is None:
        return [], problems  # `claims:` with nothing under it: an empty list
    if not isinstance(items, list):
        problems.append(Problem(name, lines.line_of((key,)), f"{key}: should be a list", hint, key))
        return [], problems
    return items, problems


def _as_text(item: Any, fields: tuple[str, ...]) -> Any:
    """``item`` with bare YAML integers in ``fields`` turned back into the text written."""
    if not isinstance(item, dict):
        return item
    numbers = {
        f: str(item[f])
        for f in fields
        if isinstance(item.get(f), int) and not isinstance(item.get(f), bool)
    }
    return {**item, **numbers} if numbers else item


def _validate(
    model: type[Model],
    items: list[Any],
    key: str,
    name: str,
    lines: LineMap,
    problems: list[Problem],
    check: Callable[[int, dict[str, Any]], None] | None = None,
) -> list[Model]:
    """Validate every item, recording problems, duplicate ids and ``check``'s findings."""
    valid: list[Model] = []
    first_line_of: dict[str, int | None] = {}
    for i, item in enumerate(items):
        try:
            valid.append(model.model_validate(item))
        except ValidationError as e:
            problems.extend(problems_from_validation(e, name, lines, prefix=(key, i)))
        if not isinstance(item, dict):
            continue
        item_id = item.get("id")
        if isinstance(item_id, str):
            line = lines.line_of((key, i, "id"))
            first = first_line_of.setdefault(item_id, line)
            if first != line:
                problems.append(
                    Problem(
                        name,
                        line,
                        f"{key}.{i}.id: {item_id!r} is also used on line {first}",
                        "give every entry a unique id",
                        f"{key}.{i}.id",
                    )
                )
        if check is not None:
            check(i, item)
    return valid


def _in_order(problems: list[Problem]) -> list[Problem]:
    """Problems in file order, so the user can work down the file."""
    return sorted(problems, key=lambda p: p.line or 0)
