"""The errors a user can cause, and how they are shown.

    TrucewatchError            base of everything we raise on purpose
    └── InputError             a file or value the user gave is wrong;
                               carries one Problem per mistake found

A Problem reads ``FILE:LINE: what is wrong — how to fix it``.  Loaders collect
every problem in a file before raising, so a user fixes a file in one pass
rather than one error per run.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection
from dataclasses import dataclass


class TrucewatchError(Exception):
    """Base class for errors trucewatch raises deliberately."""


@dataclass(frozen=True)
class Problem:
    """One mistake in one place of one input."""

    file: str
    line: int | None
    message: str
    hint: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        text = f"{where}: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text


class InputError(TrucewatchError):
    """A user-supplied input is wrong; ``problems`` lists every mistake found."""

    def __init__(self, problems: list[Problem]) -> None:
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def close_matches(
    value: str, choices: Collection[str], n: int = 3, cutoff: float = 0.6
) -> list[str]:
    """The ``n`` closest of ``choices`` to ``value``, ignoring case: for "did you mean"."""
    by_lower = {c.lower(): c for c in choices}
    found = difflib.get_close_matches(value.strip().lower(), by_lower, n=n, cutoff=cutoff)
    return [by_lower[c] for c in found]


def did_you_mean(value: str, choices: Collection[str]) -> str | None:
    """The single closest of ``choices`` to ``value``, or None."""
    close = close_matches(value, choices, n=1)
    return close[0] if close else None


class StaleVersionError(TrucewatchError):
    """A change was made against a version of a record that is no longer current.

    Carries the current version so a face can show it (the API answers 409
    with it): two analysts verifying the same incident must not overwrite
    each other unseen.
    """

    def __init__(self, entity: str, entity_id: str, expected: int, current: int) -> None:
        self.entity, self.entity_id = entity, entity_id
        self.expected, self.current = expected, current
        super().__init__(
            f"{entity} {entity_id} is at version {current}, not {expected}: "
            "someone changed it meanwhile — reload it and decide again"
        )
