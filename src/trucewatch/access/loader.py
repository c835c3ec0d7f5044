"""Access files: convoy histories and sieges in YAML, checked whole, errors at their line.

    access_events:
      - id: un-border-convoy-1
        agreement: syria-2016-09-us-russia
        organisation: United Nations
        origin: Cilvegözü (Turkey)
        destination: east-aleppo          # a zone id of the agreement, or a place
        route: castello-road
        planned_beneficiaries: 185000
        history:
          - {status: delayed, date: 2016-09-13, actor: Government of Syria,
             reason: "...as stated...", constraint: 3-impediments-to-entry, source: ...}
    sieges:
      - id: east-aleppo-2016
        area: east-aleppo
        start: 2016-07-07
        population: 250000
        besieged_by: [Government of Syria]

A history that cannot have happened (delivered → requested), a negative count
or more people reached than planned without ``over_plan_reason`` is reported
at the line of the step, and nothing from the file is used.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from trucewatch.domain.access import AccessEvent, Siege, StatusChange, history_breaches
from trucewatch.errors import InputError, Problem, did_you_mean
from trucewatch.yamlfile import (
    LineMap,
    in_file_order,
    load_yaml,
    numbers_as_text,
    validate_items,
)

__all__ = ["AccessFile", "read_access"]

_KEYS = ("access_events", "sieges")
_HINT = "the file holds access_events: and/or sieges:, each a list (see docs/access.md)"


@dataclass(frozen=True)
class AccessFile:
    """What one access file holds."""

    events: list[AccessEvent]
    sieges: list[Siege]


def read_access(path: Path | str, *, known_agreements: Collection[str] | None = None) -> AccessFile:
    """Read an access file, or raise InputError listing every problem in file order.

    ``known_agreements`` (agreement ids) turns an event naming an unknown
    agreement into a problem at its line: a typo there would silently drop
    the convoy from every access measure.
    """
    name = str(path)
    data, lines = load_yaml(path)
    lists, problems = _lists(data, name, lines)
    raw_events = [numbers_as_text(e, ("id", "agreement")) for e in lists.get("access_events", [])]
    breached: set[int] = set()
    for i, item in enumerate(raw_events):
        agreement = item.get("agreement") if isinstance(item, dict) else None
        if (
            known_agreements is not None
            and isinstance(agreement, str)
            and agreement not in known_agreements
        ):
            guess = did_you_mean(agreement, known_agreements)
            problems.append(
                Problem(
                    name,
                    lines.line_of(("access_events", i, "agreement")),
                    f"access_events.{i}.agreement: unknown agreement {agreement!r}",
                    f"did you mean {guess!r}?"
                    if guess
                    else "see `trucewatch agreement list`, or leave it out",
                    f"access_events.{i}.agreement",
                )
            )
        found = _history_problems(item, i, name, lines)
        if found:
            breached.add(i)
            problems.extend(found)
    before = len(problems)
    events = validate_items(AccessEvent, raw_events, "access_events", name, lines, problems)
    # The model refuses a broken history too; its message is already given at
    # the step's own line above, so drop the item-level duplicate.
    problems[before:] = [
        p for p in problems[before:] if p.field not in {f"access_events.{i}" for i in breached}
    ]
    sieges = validate_items(
        Siege,
        [numbers_as_text(s, ("id", "area")) for s in lists.get("sieges", [])],
        "sieges",
        name,
        lines,
        problems,
    )
    if problems:
        raise InputError(in_file_order(problems))
    return AccessFile(events, sieges)


def _lists(data: Any, name: str, lines: LineMap) -> tuple[dict[str, list[Any]], list[Problem]]:
    if not isinstance(data, dict):
        return {}, [Problem(name, 1, "expected access_events: and/or sieges: at the top", _HINT)]
    problems = [
        Problem(name, lines.line_of((str(k),)), f"unknown top-level key {k!r}", _HINT, str(k))
        for k in data
        if k not in _KEYS
    ]
    if not any(k in data for k in _KEYS):
        problems.append(Problem(name, 1, "no access_events: or sieges: in the file", _HINT))
    lists: dict[str, list[Any]] = {}
    for key in _KEYS:
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, list):
            problems.append(
                Problem(name, lines.line_of((key,)), f"{key}: should be a list", _HINT, key)
            )
            continue
        lists[key] = value
    return lists, problems


def _history_problems(item: Any, i: int, name: str, lines: LineMap) -> list[Problem]:
    """Rule breaches of one event's history, each at its step's line.

    Only histories whose steps are individually valid are checked here; a step
    with a bad field is reported by the model's own validation.
    """
    if not isinstance(item, dict) or not isinstance(item.get("history"), list):
        return []
    try:
        steps = [StatusChange.model_validate(s) for s in item["history"]]
    except ValidationError:
        return []
    planned = item.get("planned_beneficiaries")
    planned = planned if isinstance(planned, int) and not isinstance(planned, bool) else None
    problems = []
    for b in history_breaches(steps, planned):
        path = ("access_events", i, "history", b.index, b.field)
        line = lines.line_of(path) or lines.line_of(path[:-1])
        field = ".".join(str(p) for p in path)
        problems.append(Problem(name, line, f"{field}: {b.message}", b.hint, field))
    return problems
