"""Property-based checks of the whole API against its own OpenAPI spec: no server errors.

Schemathesis reads the app's spec in-process (ASGI, no network) and sends
every operation requests generated from it — valid ones and, for reads,
invalid ones — as an analyst and anonymously, on the Sept 2016 case.  Any
5xx fails.  The number of examples per operation is bounded and the
generation derandomised, so the run is short and the same every time.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.api.conftest import Mission

#: Examples per operation, caller and mode: enough to hit each parameter's edges.
EXAMPLES = 5
#: Seconds a request may take: loading an agreement the first time reads the
#: gazetteer, which on a loaded machine takes longer than schemathesis's default 10 s.
TIMEOUT = 120


def operations(schema: Any) -> list[Any]:
    """Every operation of the spec (an unreadable operation fails the test)."""
    return [result.ok() for result in schema.get_all_operations()]


def exercise(operation: Any, headers: dict[str, str], mode: GenerationMode) -> None:
    """Send ``EXAMPLES`` generated requests to one operation; fail on a 5xx."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=[not_a_server_error], timeout=TIMEOUT)

    try:
        run()
    except Unsatisfiable:
        # No invalid request exists (an operation without parameters): nothing to send.
        assert mode == GenerationMode.NEGATIVE


def test_no_server_errors_anywhere(mission: Mission) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", mission.client.app)
    ops = operations(schema)
    labels = {op.label for op in ops}
    assert "GET /api/compliance" in labels and "GET /api/incidents" in labels
    failures: list[str] = []
    for op in ops:
        for who, headers in (("analyst", mission.auth("analyst1")), ("anonymous", {})):
            modes = [GenerationMode.POSITIVE]
            if op.method.upper() == "GET":
                modes.append(GenerationMode.NEGATIVE)
            for mode in modes:
                try:
                    exercise(op, headers, mode)
                except Exception as e:  # every operation is tried; all failures are listed
                    failures.append(f"{op.label} as {who} ({mode.value}): {_short(e)}")
    assert not failures, "\n\n".join(failures)


def _short(error: Exception) -> str:
    """The error and the request that caused it (schemathesis puts a curl line in it)."""
    text = str(error)
    if isinstance(error, BaseExceptionGroup):  # hypothesis reports a flaky failure so
        text += "".join(f"\n  - {type(e).__name__}: {e}" for e in error.exceptions)
    return text if len(text) < 3000 else text[:3000] + " …"
