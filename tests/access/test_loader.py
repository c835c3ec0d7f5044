"""Access files: every problem at its line, in plain words, and nothing used from a bad file.

The convoys here are synthetic (made-up ids, organisations and dates).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from trucewatch.access import read_access
from trucewatch.cases import case_files
from trucewatch.errors import InputError

GOOD = """\
sieges:
  - id: synthetic-siege
    area: synthetic-area
    population: 1000
access_events:
  - id: synthetic-convoy
    organisation: Synthetic agency (test)
    destination: synthetic-area
    planned_beneficiaries: 500
    history:
      - {status: requested, date: 2020-01-01}
      - {status: approved, date: 2020-01-02}
      - {status: delivered, date: 2020-01-03, people_reached: 400}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "access.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _problems(path: Path, **kwargs: object) -> list[str]:
    with pytest.raises(InputError) as e:
        read_access(path, **kwargs)  # type: ignore[arg-type]
    return [str(p) for p in e.value.problems]


def test_a_good_file_reads(tmp_path: Path) -> None:
    f = read_access(_write(tmp_path, GOOD))
    assert [e.id for e in f.events] == ["synthetic-convoy"]
    assert f.events[0].people_reached == 400
    assert [s.population for s in f.sieges] == [1000]


def test_invalid_transition_is_reported_at_the_step(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        GOOD + "      - {status: requested, date: 2020-01-04}\n",
    )
    assert _problems(path) == [
        f"{path}:14: access_events.0.history.3.status: delivered → requested is not a "
        "possible change — after delivered comes nothing: it is final; a convoy that sets "
        "out again after arriving is a new access event"
    ]


def test_negative_count_is_reported_at_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("people_reached: 400", "people_reached: -400"))
    assert _problems(path) == [
        f"{path}:13: access_events.0.history.2.people_reached: -400 is negative — a count "
        "cannot be below zero: give 0 or the number the source states"
    ]


def test_more_reached_than_planned_without_reason_is_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("people_reached: 400", "people_reached: 900"))
    assert _problems(path) == [
        f"{path}:13: access_events.0.history.2.people_reached: 900 people reached is more "
        "than the 500 planned — check the count, or state why in over_plan_reason"
    ]


def test_unknown_status_constraint_and_agreement_are_each_reported(tmp_path: Path) -> None:
    text = GOOD.replace("status: approved", "status: aproved").replace(
        "    planned_beneficiaries: 500\n",
        "    planned_beneficiaries: 500\n    agreement: syria-2016-09-us-rusia\n",
    )
    path = _write(tmp_path, text)
    problems = _problems(path, known_agreements={"syria-2016-09-us-russia"})
    assert problems[0] == (
        f"{path}:10: access_events.0.agreement: unknown agreement 'syria-2016-09-us-rusia' "
        "— did you mean 'syria-2016-09-us-russia'?"
    )
    assert problems[1].startswith(f"{path}:13: access_events.0.history.1.status: Input should be")
    assert len(problems) == 2


def test_shape_problems(tmp_path: Path) -> None:
    path = _write(tmp_path, "convoys: []\n")
    assert _problems(path) == [
        f"{path}:1: unknown top-level key 'convoys' — the file holds access_events: and/or "
        "sieges:, each a list (see docs/access.md)",
        f"{path}:1: no access_events: or sieges: in the file — the file holds access_events: "
        "and/or sieges:, each a list (see docs/access.md)",
    ]


def test_duplicate_ids_name_both_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD + GOOD.split("access_events:\n")[1])
    assert _problems(path) == [
        f"{path}:14: access_events.1.id: 'synthetic-convoy' is also used on line 6 — give "
        "every entry a unique id"
    ]


def test_the_shipped_access_files_read() -> None:
    f = read_access(case_files("syria-2016-09").access or "")
    assert {e.id for e in f.events} == {
        "un-border-convoy-1",
        "un-border-convoy-2",
        "un-sarc-urum-al-kubra",
    }
    assert all(e.agreement == "syria-2016-09-us-russia" for e in f.events)
    assert all(e.sources for e in f.events), "every shipped convoy cites its sources"
