"""Airwars grades mapped from our attribution, on the shipped Sept 2016 case."""

from __future__ import annotations

from trucewatch.service import run_demo


def test_airwars_grades_of_the_case() -> None:
    ev = run_demo()
    grades = {a["incident"]: a["airwars_grade"] for a in ev.as_json()["attributions"]}
    assert grades["TW-SYR-0023"] == "contested"  # the convoy: competing claims
    assert grades["TW-SYR-0015"] == "confirmed"  # the coalition accepted responsibility
    assert set(grades.values()) <= {"confirmed", "fair", "weak", "contested"}
    assert "discounted" not in grades.values()  # an analyst's judgement, never automatic
