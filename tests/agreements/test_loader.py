"""Agreement files: each mistake is reported as FILE:LINE: problem — fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from trucewatch.actors import ActorRegistry
from trucewatch.agreements import load_agreement, parse_agreement
from trucewatch.errors import InputError

VALID = """\
id: synthetic-truce
title: Synthetic test agreement (not a real agreement)
signed: 2016-09-09
timezone: Asia/Damascus
sources: ["synthetic, for tests"]
brokers: [united-states]
sides:
  government:
    members: [syria-government]
    allies: [russia]
  opposition:
    members: [armed-opposition]
excluded: [islamic-state]
phases:
  - id: first
    start: 2016-09-12T19:00+03:00
    days: 7
  - id: second
    after: first
zones:
  - id: north
    kind: designated_area
    admin1: [Idlib]
obligations:
  - id: no-strikes
    binds: [government]
    prohibits:
      - sub_event_type: ["Air/drone strike"]
    except:
      - within: [north]
        targets: excluded
"""


def problems(text: str, actors: ActorRegistry) -> list[str]:
    with pytest.raises(InputError) as info:
        parse_agreement(text, name="a.yaml", actors=actors)
    return [str(p) for p in info.value.problems]


def test_valid_file_loads(actors: ActorRegistry) -> None:
    a = parse_agreement(VALID, name="a.yaml", actors=actors)
    assert a.id == "synthetic-truce"
    assert a.obligation_ids == ["no-strikes"]


def test_unknown_actor_names_closest_ids(actors: ActorRegistry) -> None:
    text = VALID.replace("members: [syria-government]", "members: [syria-govt]")
    assert problems(text, actors) == [
        "a.yaml:9: unknown actor id 'syria-govt' — did you mean syria-government"
        + _rest_of_closest(actors, "syria-govt")
    ]


def _rest_of_closest(actors: ActorRegistry, text: str) -> str:
    close = actors.closest(text)
    assert close[0] == "syria-government"
    return "".join(f", {c}" for c in close[1:]) + "?"


def test_unknown_zone(actors: ActorRegistry) -> None:
    text = VALID.replace("within: [north]", "within: [nort]")
    assert problems(text, actors) == ["a.yaml:30: unknown zone 'nort' — did you mean north?"]


def test_overlapping_phases(actors: ActorRegistry) -> None:
    text = VALID.replace("after: first", "start: 2016-09-15T00:00+03:00")
    assert problems(text, actors) == [
        "a.yaml:18: phase 'second' overlaps phase 'first' (line 15) — phases follow one "
        "another: make one end before the next starts, or start it with 'after'"
    ]


def test_date_that_is_not_a_date(actors: ActorRegistry) -> None:
    text = VALID.replace("signed: 2016-09-09", "signed: 2016-09-31")
    assert problems(text, actors) == [
        "a.yaml:3: signed: Input should be a valid date or datetime, day value is outside "
        "expected range — write dates as YYYY-MM-DD and times as YYYY-MM-DDTHH:MM+HH:MM"
    ]


def test_start_without_utc_offset(actors: ActorRegistry) -> None:
    text = VALID.replace("start: 2016-09-12T19:00+03:00", "start: 2016-09-12T19:00")
    assert problems(text, actors) == [
        "a.yaml:16: phases.0.start: needs a UTC offset, e.g. 2016-09-12T19:00+03:00, so "
        "that the phase begins at the right moment"
    ]


def test_obligation_that_binds_nobody(actors: ActorRegistry) -> None:
    text = VALID.replace("binds: [government]", "binds: []")
    assert problems(text, actors) == [
        "a.yaml:26: obligation 'no-strikes' binds nobody — list the sides it binds, "
        "e.g. binds: [government, opposition]"
    ]


def test_obligation_binding_unknown_side(actors: ActorRegistry) -> None:
    text = VALID.replace("binds: [government]", "binds: [goverment]")
    assert problems(text, actors) == [
        "a.yaml:26: unknown side 'goverment' — did you mean government?"
    ]


def test_exemption_naming_a_group_that_is_not_excluded(actors: ActorRegistry) -> None:
    text = VALID.replace("targets: excluded", "targets: [jabhat-fateh-al-sham]")
    assert problems(text, actors) == [
        "a.yaml:31: exemption names 'jabhat-fateh-al-sham', which is not an excluded group "
        "of this agreement — exempt only excluded groups (islamic-state) or add it to 'excluded'"
    ]


def test_exemption_for_excluded_when_nothing_is_excluded(actors: ActorRegistry) -> None:
    text = VALID.replace("excluded: [islamic-state]", "excluded: []")
    assert problems(text, actors) == [
        "a.yaml:31: exemption 'targets: excluded' but the agreement excludes no group — "
        "list the excluded groups under 'excluded'"
    ]


def test_unknown_field_is_an_error_not_ignored(actors: ActorRegistry) -> None:
    text = VALID.replace("    except:\n", "    excpet:\n")
    assert problems(text, actors) == [
        "a.yaml:29: obligations.0.excpet: unknown field — remove it or check its spelling "
        "against the JSON Schema"
    ]


def test_unknown_phase_in_obligation(actors: ActorRegistry) -> None:
    text = VALID.replace(
        "    binds: [government]\n", "    binds: [government]\n    phases: [frist]\n"
    )
    assert problems(text, actors) == ["a.yaml:27: unknown phase 'frist' — did you mean first?"]


def test_actor_on_two_sides(actors: ActorRegistry) -> None:
    text = VALID.replace("members: [armed-opposition]", "members: [armed-opposition, russia]")
    assert problems(text, actors) == [
        "a.yaml:12: actor 'russia' is on two sides ('government' and 'opposition') — "
        "an actor belongs to one side; remove it from one"
    ]


def test_all_problems_reported_at_once(actors: ActorRegistry) -> None:
    text = VALID.replace("within: [north]", "within: [nort]").replace(
        "binds: [government]", "binds: []"
    )
    assert len(problems(text, actors)) == 2


def test_yaml_syntax_error_names_the_line(actors: ActorRegistry) -> None:
    text = VALID.replace("  - id: second\n", "  - id: second\n   bad: [\n")
    (msg,) = problems(text, actors)
    assert msg.startswith("a.yaml:19: ") and "YAML syntax error" in msg


def test_missing_file(tmp_path: Path, actors: ActorRegistry) -> None:
    with pytest.raises(InputError) as info:
        load_agreement(tmp_path / "nope.yaml", actors=actors)
    assert str(info.value) == f"{tmp_path / 'nope.yaml'}: file not found — check the path"


def test_empty_file(tmp_path: Path, actors: ActorRegistry) -> None:
    f = tmp_path / "empty.yaml"
    f.write_text("", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_agreement(f, actors=actors)
    assert str(info.value) == f"{f}:1: the file is empty — see the examples in docs/"
