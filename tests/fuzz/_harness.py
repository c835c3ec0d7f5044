"""What every fuzz target shares: the property, the hang guard and the input count.

The property (issue 11): whatever bytes a user hands an importer, the answer
is either a result or a documented :class:`~trucewatch.errors.InputError`
whose every problem names a file and says what is wrong.  Any other exception
is a bug; so is an input that takes longer than ``HANG_SECONDS`` (a hang).
Every input tried is counted per target, and the counts are written to
``test-artifacts/reliability/fuzz.json`` by ``conftest.py`` — the figures in
docs/reliability.md come from that file, not from anyone's memory.
"""

from __future__ import annotations

import os
import signal
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TypeVar

from hypothesis import HealthCheck, settings

from trucewatch.errors import InputError
from trucewatch.ingest import Row

T = TypeVar("T")

EXAMPLES_ENV = "TRUCEWATCH_FUZZ_EXAMPLES"
LONG_RUN = int(os.environ.get(EXAMPLES_ENV, "0") or 0)
"""Examples per test for a long run; 0 keeps each test's modest CI default."""

HANG_SECONDS = float(os.environ.get("TRUCEWATCH_FUZZ_HANG_SECONDS", "20"))
"""An input answered in no more than this is not a hang (generous: 2 shared cores)."""

COUNTS: Counter[str] = Counter()
"""Inputs tried per target in this pytest session."""


def fuzz_settings(default_examples: int) -> settings:
    """Hypothesis settings: the CI default, or the long run's count from the environment.

    No hypothesis ``deadline``: a slow machine must not fail a test; the
    hang guard below catches what would never finish.
    """
    return settings(
        max_examples=LONG_RUN or default_examples,
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


class HangError(Exception):
    """An input took longer than HANG_SECONDS: treated as a hang, a failure."""


@contextmanager
def no_hang(seconds: float = HANG_SECONDS) -> Iterator[None]:
    """Fail the body if it runs longer than ``seconds``: raise HangError in the main thread.

    The alarm can go off inside a garbage-collector callback, where Python
    swallows the exception; so the overrun is also remembered and raised
    when the body returns.
    """
    overran: list[float] = []

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        overran.append(seconds)
        raise HangError(f"no answer after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if overran:
        raise HangError(f"took longer than {seconds:g} s")


def check_documented(error: InputError, name: str | tuple[str, ...]) -> None:
    """An InputError is documented when every problem names a place and a message.

    ``name`` is the file (or files, any of which) the message must name.
    """
    names = (name,) if isinstance(name, str) else name
    assert error.problems, "an InputError without problems"
    for problem in error.problems:
        assert problem.file.strip(), f"problem without a file: {problem!r}"
        assert problem.message.strip(), f"problem without a message: {problem!r}"
        assert problem.line is None or problem.line >= 1, f"bad line in {problem!r}"
    assert any(n in str(error) for n in names), f"the message names none of {names}: {error}"


def check_rows(rows: list[Row], name: str) -> None:
    """Each row is an incident or the problems that stopped it, each naming file and line."""
    for row in rows:
        assert (row.incident is None) == bool(row.problems), f"row {row.line}: {row.problems}"
        for problem in row.problems:
            assert problem.file == name, f"{problem} names another file than {name}"
            assert problem.line is not None and problem.line >= 1, str(problem)
            assert problem.message.strip(), repr(problem)


def attempt(target: str, name: str | tuple[str, ...], call: Callable[[], T]) -> T | None:
    """Run one input through ``call``: its result, or None after a documented InputError.

    Anything else propagates and fails the test, with hypothesis showing
    (and shrinking) the input.
    """
    COUNTS[target] += 1
    with no_hang():
        try:
            return call()
        except InputError as e:
            check_documented(e, name)
            return None
