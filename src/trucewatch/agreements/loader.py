"""Load an agreement file: YAML → structural validation → cross-reference checks.

Both passes report every problem at its line, so ``trucewatch agreement check``
lists all mistakes in a file at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from trucewatch.actors import ActorRegistry
from trucewatch.agreements.places import resolve_zone_places
from trucewatch.agreements.validate import cross_reference_problems
from trucewatch.domain import Agreement
from trucewatch.errors import InputError, Problem
from trucewatch.yamlfile import load_yaml, parse_yaml, problems_from_validation


def load_agreement(path: Path | str, *, actors: ActorRegistry) -> Agreement:
    """Read and fully validate an agreement file; raise InputError listing every problem."""
    data, lines = load_yaml(path)
    return _validated(data, lines, str(path), actors, Path(path).parent)


def parse_agreement(
    text: str, *, name: str, actors: ActorRegistry, base: Path | None = None
) -> Agreement:
    """Validate agreement YAML given as text (``name`` is used in messages)."""
    data, lines = parse_yaml(text, name)
    return _validated(data, lines, name, actors, base or Path.cwd())


def _validated(data: Any, lines: Any, name: str, actors: ActorRegistry, base: Path) -> Agreement:
    if not isinstance(data, dict):
        raise InputError(
            [
                Problem(
                    name,
                    1,
                    "an agreement file is a mapping with id, title, sides, phases …",
                    "start from one of the shipped agreements (trucewatch agreement list)",
                )
            ]
        )
    places = resolve_zone_places(data, lines, name, base)
    if places:
        raise InputError(places)
    try:
        agreement = Agreement.model_validate(data)
    except ValidationError as e:
        raise InputError(problems_from_validation(e, name, lines)) from None
    problems = cross_reference_problems(agreement, actors, name, lines)
    if problems:
        raise InputError(problems)
    return agreement


def dump_agreement(agreement: Agreement) -> str:
    """The agreement as YAML that loads back to an equal Agreement."""
    data = agreement.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
