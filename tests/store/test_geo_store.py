"""Places and zones in a real database (SQLite and PostgreSQL) and on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from trucewatch.actors import ActorRegistry
from trucewatch.cases import case_files
from trucewatch.cli import app
from trucewatch.errors import InputError
from trucewatch.importing import import_file
from trucewatch.service import (
    approve_zone_change,
    geo_load,
    propose_zone_change,
    run_stored_evaluation,
)
from trucewatch.store import Database
from trucewatch.store.geo import admin_units_of
from trucewatch.store.schema import admin_units, audit_log

CASE = case_files("syria-2016-09")
AGREEMENT = "syria-2016-09-us-russia"
runner = CliRunner()


def test_boundaries_locate_stored_incidents(db: Database, shared_data: Path) -> None:
    import_file(db, CASE.incidents, format="acled", source="case", actors=ActorRegistry.shipped())
    counts = geo_load(db, shared_data / "boundaries" / "syr_admin3.geojson", user="tester")
    assert counts["units"] == 272 and counts["incidents_located"] >= 30
    with db.engine.connect() as conn:
        assert admin_units_of(conn, "case:TW-SYR-0023") == [(3, "SY020001", "Atareb")]


def test_a_bad_boundary_file_changes_nothing(db: Database, tmp_path: Path) -> None:
    bowtie = [[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]
    path = tmp_path / "bad.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"NAME_EN": "Bowtie (synthetic)", "PCODE": "XX01"},
                        "geometry": {"type": "Polygon", "coordinates": [bowtie]},
                    }
                ],
            }
        )
    )
    with db.engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
    with pytest.raises(InputError, match="Self-intersection"):
        geo_load(db, path, user="tester")
    with db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(admin_units)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(audit_log)).scalar_one() == before


def test_a_zone_change_needs_the_other_broker_and_findings_say_the_version(
    db: Database, tmp_path: Path
) -> None:
    """A synthetic redrawing of the approximate designated areas (Raqqa only)."""
    import_file(db, CASE.incidents, format="acled", source="case", actors=ActorRegistry.shipped())
    change = tmp_path / "designated.yaml"
    change.write_text(
        "id: designated-areas\nkind: designated_area\nadmin1: [Raqqa]\napproximate: true\n"
        "note: synthetic test redrawing\n"
    )
    version = propose_zone_change(db, AGREEMENT, change, broker="united-states", user="tester")
    assert version == 1
    with pytest.raises(
        InputError, match="proposed by united-states; the same broker cannot approve it"
    ):
        approve_zone_change(
            db, AGREEMENT, "designated-areas", 1, broker="united-states", user="tester"
        )
    with pytest.raises(InputError, match="'turkey' is not a broker of syria-2016-09-us-russia"):
        approve_zone_change(db, AGREEMENT, "designated-areas", 1, broker="turkey", user="tester")
    before = run_stored_evaluation(AGREEMENT, db)
    assert {
        f.zone_versions.get("designated-areas")
        for f in before.findings
        if f.obligation == "no-air-operations"
    } == {0}
    from datetime import date

    approve_zone_change(
        db,
        AGREEMENT,
        "designated-areas",
        1,
        broker="russia",
        user="tester",
        effective=date(2016, 9, 15),
    )
    after = run_stored_evaluation(AGREEMENT, db)
    used = {
        (f.incident, f.zone_versions.get("designated-areas"))
        for f in after.findings
        if f.obligation == "no-air-operations"
    }
    by_date = {i.id: i.date for i in after.incidents}
    assert all((v == 1) == (by_date[i] >= date(2016, 9, 15)) for i, v in used)


def test_geo_and_zone_commands(tmp_path: Path, shared_data: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tw.db'}"

    def run(*args: str) -> object:
        return runner.invoke(app, [*args, "--db", url], env={"COLUMNS": "200"})

    assert runner.invoke(app, ["init", "--db", url]).exit_code == 0
    r = run("geo", "locate", "36.1481", "36.94775")
    assert r.exit_code == 1 and "no boundaries are loaded — trucewatch geo load FILE" in r.stderr  # type: ignore[attr-defined]
    r = run(
        "geo", "load", str(shared_data / "boundaries" / "syr_admin2.geojson"), "--user", "tester"
    )
    assert r.exit_code == 0 and "62 admin units loaded" in r.stdout  # type: ignore[attr-defined]
    r = run("geo", "locate", "36.1481", "36.94775", "--json")
    assert json.loads(r.stdout) == [{"level": 2, "pcode": "SY0200", "name": "Jebel Saman"}]  # type: ignore[attr-defined]
    r = run("geo", "find", "Dayr az Zawr", "--json")
    assert json.loads(r.stdout)["place"]["id"] == "deir-ez-zor"  # type: ignore[attr-defined]
    r = run("geo", "find", "Abu Dali")
    assert r.exit_code == 1 and r.stdout.startswith("AMBIGUOUS: 2 places match")  # type: ignore[attr-defined]
    r = run("zone", "list", "--agreement", AGREEMENT, "--json")
    zones = {z["id"]: z for z in json.loads(r.stdout)["zones"]}  # type: ignore[attr-defined]
    assert zones["east-aleppo"]["area_km2"] == pytest.approx(3.14159 * 4.5**2, rel=0.01)
    assert (
        zones["designated-areas"]["area_km2"] > 10_000
    )  # three governorates, from loaded boundaries


def test_incidents_imported_after_boundaries_are_located_too(
    db: Database, shared_data: Path
) -> None:
    geo_load(db, shared_data / "boundaries" / "syr_admin1.geojson", user="tester")
    import_file(db, CASE.incidents, format="acled", source="case", actors=ActorRegistry.shipped())
    with db.engine.connect() as conn:
        assert admin_units_of(conn, "case:TW-SYR-0023") == [(1, "SY02", "Aleppo")]
