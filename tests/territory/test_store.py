"""Control layers and lines stored, checked and audited, on SQLite and PostgreSQL (synthetic).

The snapshots and lines here are synthetic (see synthetic.py), written to
temporary files and loaded the way a user would.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from shapely.geometry import LineString, Polygon
from sqlalchemy import select
from typer.testing import CliRunner

from trucewatch.cli import app
from trucewatch.domain import Verdict
from trucewatch.errors import InputError
from trucewatch.store import Database
from trucewatch.store.audit import verify_chain
from trucewatch.store.schema import audit_log
from trucewatch.territory import (
    as_sieges,
    changes_between,
    control_map,
    control_on,
    load_control,
    load_lines,
    sieges_on,
    stored_lines,
)

from .synthetic import GOV, OPP, feature, snapshot, write
from .test_control import AGREEMENT

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def test_load_and_ask_control_at_a_date(db: Database, tmp_path: Path) -> None:
    path = write(tmp_path / "control.geojson", snapshot(True))
    first = load_control(db, path, day=date(2016, 7, 1), user="analyst1")
    assert first["outcome"] == "added" and first["by_actor"] == {GOV: 1, OPP: 3}
    again = load_control(db, path, day=date(2016, 7, 1), user="analyst1")
    assert again["outcome"] == "unchanged"
    cmap = control_on(db, date(2016, 7, 3))
    assert cmap.holder_at(35.45, 35.85) == OPP  # the synthetic town
    assert cmap.holder_at(35.2, 36.2) == GOV
    with db.engine.connect() as conn:
        actions = conn.execute(select(audit_log.c.action, audit_log.c.entity_type)).all()
        assert actions == [("load", "control_layer")]
        assert verify_chain(conn).ok


def _problems(db: Database, path: Path) -> list[str]:
    with pytest.raises(InputError) as e:
        load_control(db, path, day=date(2016, 7, 1), user="analyst1")
    with pytest.raises(InputError, match="no control layer is in force"):
        control_on(db, date(2016, 7, 2))  # nothing was stored
    return [str(p) for p in e.value.problems]


def test_bad_snapshots_are_refused_whole_with_the_feature_at_fault(
    db: Database, tmp_path: Path
) -> None:
    good = snapshot(True)
    unclosed = feature(None, actor=GOV)
    unclosed["geometry"] = {
        "type": "Polygon",
        "coordinates": [[[35.0, 35.0], [35.1, 35.0], [35.1, 35.1], [35.0, 35.1]]],
    }
    bowtie = feature(Polygon([(35, 35), (35.1, 35.1), (35.1, 35), (35, 35.1)]), actor=GOV)
    path = write(
        tmp_path / "bad.geojson",
        [
            good[0],
            feature(good[1]["geometry"] and Polygon(good[1]["geometry"]["coordinates"][0])),
            {**good[2], "properties": {"actor": "free-syrian-amry", "name": "town"}},
            unclosed,
            bowtie,
        ],
    )
    problems = _problems(db, path)
    assert problems[0].startswith(
        f"{path}:3: feature 2: no 'actor' property — who holds this ground?"
    )
    assert problems[1].startswith(
        f"{path}:4: feature 3 (town): unknown actor 'free-syrian-amry' — did you mean "
        "free-syrian-army"
    )
    assert problems[2].startswith(f"{path}:5: feature 4: a ring is not closed")
    assert problems[3].startswith(f"{path}:6: feature 5: invalid polygon: Self-intersection")


def test_two_actors_on_the_same_ground_are_refused(db: Database, tmp_path: Path) -> None:
    square = Polygon([(35.0, 35.0), (35.2, 35.0), (35.2, 35.2), (35.0, 35.2)])
    path = write(
        tmp_path / "overlap.geojson", [feature(square, actor=GOV), feature(square, actor=OPP)]
    )
    [problem] = _problems(db, path)
    assert "feature 1 (syria-government) and feature 2 (armed-opposition) overlap by" in problem
    assert "the same ground cannot be held by two actors" in problem


def test_changes_between_dates_with_an_advance_judged(db: Database, tmp_path: Path) -> None:
    load_control(db, write(tmp_path / "a.geojson", snapshot(False)), day=date(2016, 7, 1), user="u")
    load_control(
        db,
        write(tmp_path / "b.geojson", snapshot(False, advanced=True)),
        day=date(2016, 7, 20),
        user="u",
    )
    agreement = tmp_path / "synthetic.yaml"
    agreement.write_text(AGREEMENT, encoding="utf-8")
    report = changes_between(
        db, date(2016, 7, 10), date(2016, 7, 20), agreement_ref=str(agreement), places=[]
    )
    assert report.by_actor() == {
        GOV: {"gained_km2": pytest.approx(1006.5, rel=0.01), "lost_km2": 0.0},
        OPP: {"gained_km2": 0.0, "lost_km2": pytest.approx(1006.5, rel=0.01)},
    }
    [finding] = report.findings
    assert finding.verdict == Verdict.VIOLATION and finding.responsible[0].actor == GOV
    assert report.advances[0].time_precision == 3  # ten days apart: more than a week


def test_siege_appears_and_disappears_in_the_stored_layers(db: Database, tmp_path: Path) -> None:
    for day, corridor in (
        (date(2016, 7, 1), True),
        (date(2016, 7, 17), False),
        (date(2016, 8, 6), True),
    ):
        load_control(db, write(tmp_path / f"{day}.geojson", snapshot(corridor)), day=day, user="u")
    assert sieges_on(db, date(2016, 7, 10)) == []
    [siege] = sieges_on(db, date(2016, 7, 20))
    assert (siege.actor, siege.besieged_by, siege.population) == (OPP, (GOV,), 12000)
    assert sieges_on(db, date(2016, 8, 10)) == []
    [record] = as_sieges([siege], date(2016, 7, 20), source="synthetic layers")
    assert record.area == "Synthetic Town" and record.besieged_by == [GOV]
    assert record.covers(date(2016, 7, 20)) and record.population == 12000


def test_lines_load_and_a_map_of_control_and_lines(db: Database, tmp_path: Path) -> None:
    load_control(db, write(tmp_path / "c.geojson", snapshot(True)), day=date(2016, 7, 1), user="u")
    line = feature(LineString([(35.5, 35.0), (35.5, 36.0)]), id="contact", left=OPP, right=GOV)
    counts = load_lines(
        db, write(tmp_path / "line.geojson", [line]), day=date(2016, 7, 2), user="u"
    )
    assert counts == {"added": 1, "replaced": 0, "unchanged": 0}
    assert stored_lines(db, date(2016, 7, 1)) == {}
    [(line_id, position)] = stored_lines(db, date(2016, 7, 5)).items()
    assert (line_id, position.left, position.right) == ("contact", OPP, GOV)
    svg = control_map(db, date(2016, 7, 5), fmt="svg").decode()
    assert "Government of Syria" in svg and "contact" in svg and "Control on 2016-07-05" in svg
    png = control_map(db, date(2016, 7, 5), fmt="png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_a_line_without_its_sides_is_refused(db: Database, tmp_path: Path) -> None:
    line = feature(LineString([(35.5, 35.0), (35.5, 36.0)]), id="contact", left=OPP)
    with pytest.raises(InputError) as e:
        load_lines(db, write(tmp_path / "line.geojson", [line]), day=date(2016, 7, 2), user="u")
    assert str(e.value.problems[0]).startswith(
        f"{tmp_path / 'line.geojson'}:2: feature 1: no 'right' property"
    )


def test_cli_control_commands(db: Database, tmp_path: Path) -> None:
    path = write(tmp_path / "c.geojson", snapshot(False))
    code, _, err = run(
        "control", "load", str(path), "--date", "2016-13-01", "--user", "u", "--db", db.url
    )
    assert code == 1 and "--date: '2016-13-01' is not a date — write YYYY-MM-DD" in err
    code, out, _ = run(
        "control", "load", str(path), "--date", "2016-07-01", "--user", "u", "--db", db.url
    )
    assert code == 0 and "added" in out
    code, out, _ = run("control", "at", "--date", "2016-07-02", "--db", db.url, "--json")
    assert code == 0
    assert {h["actor"] for h in json.loads(out)["holdings"]} == {GOV, OPP}
    code, out, _ = run("control", "sieges", "--on", "2016-07-02", "--db", db.url, "--json")
    assert code == 0 and json.loads(out)[0]["name"] == "Synthetic Town"
    code, out, _ = run(
        "control", "sieges", "--on", "2016-07-02", "--record", "--user", "u", "--db", db.url
    )
    assert code == 0 and "recorded as sieges: 1 added" in out
    code, out, _ = run("access", "sieges", "--on", "2016-07-02", "--db", db.url, "--json")
    assert code == 0 and json.loads(out)[0]["area"] == "Synthetic Town"
    code, out, _ = run(
        "control", "changes", "--from", "2016-07-02", "--to", "2016-07-03", "--db", db.url
    )
    assert code == 0 and "no ground changed hands" in out
    code, out, _ = run(
        "control", "map", "--date", "2016-07-02", "--out", str(tmp_path / "m.svg"), "--db", db.url
    )
    assert code == 0 and (tmp_path / "m.svg").read_text().startswith("<svg")
