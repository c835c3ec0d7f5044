"""The second theatre: the Minsk II package of 12 Feb 2015 evaluated end to end.

The case's incidents are real and cited (src/trucewatch/data/cases/minsk-2015);
the two records in illustrative.csv are made up, labelled ILLUSTRATIVE, and are
used only here to show a weapon inside and outside its belt.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trucewatch.actors import ActorRegistry
from trucewatch.agreements import agreement_path, load_agreement
from trucewatch.cases import case_files
from trucewatch.cli import app
from trucewatch.domain import Verdict
from trucewatch.geo.gazetteer import Gazetteer
from trucewatch.geo.geocode import geocode
from trucewatch.service import Evaluation, run_evaluation
from trucewatch.store import Database
from trucewatch.territory import control_map

AGREEMENT = "ukraine-2015-02-minsk-ii"
CASE = case_files("minsk-2015")


@pytest.fixture(scope="module")
def minsk() -> Evaluation:
    return run_evaluation(AGREEMENT, CASE.incidents, CASE.claims, CASE.sources)


def verdict(ev: Evaluation, incident: str, obligation: str) -> Verdict:
    (f,) = [f for f in ev.findings_for(incident) if f.obligation == obligation]
    return f.verdict


def test_the_line_comes_from_the_gazetteers_ukrainian_places(actors: ActorRegistry) -> None:
    agreement = load_agreement(agreement_path(AGREEMENT), actors=actors)
    [line] = agreement.lines
    gazetteer = Gazetteer.shipped()
    for ref, point in zip(line.through, line.points, strict=True):
        assert not isinstance(ref, str)
        found = geocode(gazetteer, ref.place, admin1=ref.admin1)
        assert found.place is not None and found.place.country == "UA"
        assert (found.place.latitude, found.place.longitude) == point
    # a namesake in another oblast is reported, never guessed
    assert geocode(gazetteer, "Debaltseve").status == "ambiguous"
    belts = {z.id: z.from_line for z in agreement.zones if z.from_line}
    assert belts["ukraine-belt-artillery"].on == "right"
    assert belts["armed-formations-belt-mlrs"].on == "left"
    assert belts["armed-formations-belt-heavy-mlrs"].km == 70


def test_the_case_end_to_end(minsk: Evaluation) -> None:
    assert len(minsk.incidents) == 8
    # the Kramatorsk strike of 10 Feb came before the ceasefire
    assert verdict(minsk, "MSK-0001", "ceasefire") == Verdict.BEFORE_EFFECT
    # Popasna, 00:20 on 15 Feb Kyiv time: inside the first day of the ceasefire
    assert verdict(minsk, "MSK-0002", "ceasefire") == Verdict.VIOLATION
    # what the SMM heard but could not attribute stays a violation, unattributed
    for incident in ("MSK-0003", "MSK-0004", "MSK-0006"):
        (f,) = [f for f in minsk.findings_for(incident) if f.obligation == "ceasefire"]
        assert f.verdict == Verdict.VIOLATION and f.responsible == []
    # Debaltseve taken on 18 Feb: an advance during the truce, by the side that gained
    (advance,) = [f for f in minsk.findings_for("MSK-0005") if f.obligation == "no-offensives"]
    assert advance.verdict == Verdict.VIOLATION
    assert [r.actor for r in advance.responsible] == ["donbas-armed-formations"]
    assert [r.side for r in advance.responsible] == ["armed-formations"]
    # Grad convoys seen on 28 Feb and 1 Mar: still inside the withdrawal period
    assert verdict(minsk, "MSK-0007", "withdraw-mlrs") == Verdict.BEFORE_EFFECT
    assert verdict(minsk, "MSK-0008", "withdraw-mlrs") == Verdict.BEFORE_EFFECT
    cells = minsk.matrix.rows["donbas-armed-formations"]["no-offensives"]
    assert (cells.attributed, cells.contested) == (1, 0)


def test_a_weapon_inside_its_belt_is_a_violation_outside_it_is_not() -> None:
    ev = run_evaluation(AGREEMENT, CASE.readme.parent / "illustrative.csv")
    assert all("ILLUSTRATIVE" in i.notes for i in ev.incidents)
    (inside,) = [f for f in ev.findings_for("ILLUSTRATIVE-1") if f.obligation == "withdraw-mlrs"]
    assert inside.verdict == Verdict.VIOLATION
    assert [r.actor for r in inside.responsible] == ["dpr"]
    assert inside.depends_on_approximate_zone  # the line is approximate, and says so
    assert verdict(ev, "ILLUSTRATIVE-2", "withdraw-mlrs") == Verdict.NOT_APPLICABLE
    assert verdict(ev, "ILLUSTRATIVE-1", "withdraw-artillery") == Verdict.NOT_APPLICABLE


def test_demo_case_prints_its_compliance_matrix() -> None:
    result = CliRunner().invoke(app, ["demo", "--case", "minsk-2015"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stderr
    assert "Compliance: violations per party and obligation" in result.stdout
    assert "no-offensives" in result.stdout and "donbas-armed-formations" in result.stdout
    result = CliRunner().invoke(app, ["demo", "--case", "minsk-2015", "--json"])
    data = json.loads(result.stdout)
    assert data["agreement"] == AGREEMENT
    assert data["compliance"]["obligations"] == [
        "ceasefire",
        "no-offensives",
        "withdraw-artillery",
        "withdraw-mlrs",
        "withdraw-heavy-mlrs",
    ]
    result = CliRunner().invoke(app, ["demo", "--case", "syria-2016-12"])
    assert result.exit_code == 1 and "names no agreement" in result.stderr


def test_a_map_of_the_minsk_line_and_belts_offline(db: Database, tmp_path: Path) -> None:
    svg = control_map(db, date(2015, 3, 5), fmt="svg", agreement_ref=AGREEMENT).decode()
    assert "contact-line (approximate)" in svg
    assert "ukraine 25 km" in svg and "armed-formations 70 km" in svg
    assert "Donetsk" in svg and "no control layer for this day" in svg
