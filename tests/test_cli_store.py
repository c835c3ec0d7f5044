"""The storage commands as a user meets them (SQLite file in a temp folder)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from trucewatch.cases import case_files
from trucewatch.cli import app

runner = CliRunner()
CASE = case_files("syria-2016-09").incidents


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def test_init_ingest_show_evaluate(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tw.db'}"
    code, out, _ = run("init", "--db", url)
    assert code == 0 and "→ revision" in out
    code, out, _ = run("init", "--db", url)
    assert code == 0 and "already at revision" in out

    code, out, _ = run(
        "ingest", str(CASE), "--format", "acled", "--source", "case", "--db", url, "--json"
    )
    assert code == 0
    assert json.loads(out)["inserted"] == 39

    code, out, _ = run("show", "incident", "TW-SYR-0023", "--db", url, "--json")
    assert code == 0
    shown = json.loads(out)
    assert shown["incident"]["location"]["name"] == "Urum al Kubra"
    assert shown["reports"][0]["original"]["event_id_cnty"] == "TW-SYR-0023"

    code, out, _ = run("show", "incident", "TW-SYR-0023", "--db", url)
    assert code == 0 and "sha256" in out

    code, out, _ = run(
        "evaluate",
        "--agreement",
        "syria-2016-09-us-russia",
        "--db",
        url,
        "--from",
        "2016-09-12",
        "--to",
        "2016-09-20",
        "--json",
    )
    assert code == 0
    data = json.loads(out)
    with CASE.open(encoding="utf-8") as f:
        expected = sum(
            1 for r in csv.DictReader(f) if "2016-09-12" <= r["event_date"] <= "2016-09-20"
        )
    assert data["incidents"] == expected
    assert data["claims"] == 0

    code, out, _ = run("actors", "unresolved", "--db", url)
    assert code == 0 and "every actor name in the database resolves" in out


def test_commands_on_uninitialised_database_say_run_init(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'none.db'}"
    code, _, err = run("ingest", str(CASE), "--format", "acled", "--source", "case", "--db", url)
    assert code == 1
    assert "is not initialised — run `trucewatch init` first" in err


def test_ingest_bad_file_reports_and_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tw.db'}"
    run("init", "--db", url)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        CASE.read_text(encoding="utf-8").replace("36.1481,36.94775", "96.1481,36.94775"),
        encoding="utf-8",
    )
    code, _, err = run("ingest", str(bad), "--format", "acled", "--source", "case", "--db", url)
    assert code == 1
    assert "latitude: '96.1481' is out of range" in err
    code, out, _ = run("evaluate", "--agreement", "syria-2016-09-us-russia", "--db", url, "--json")
    assert code == 0 and json.loads(out)["incidents"] == 0


def test_unknown_format_and_bad_dates(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tw.db'}"
    run("init", "--db", url)
    code, _, err = run("ingest", str(CASE), "--format", "acledd", "--source", "x", "--db", url)
    assert code == 1 and "acledd" in err
    code, _, err = run(
        "evaluate", "--agreement", "syria-2016-09-us-russia", "--db", url, "--from", "12/09/2016"
    )
    assert code == 1 and "--from: '12/09/2016' is not a date — write YYYY-MM-DD" in err


def test_show_unknown_incident(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tw.db'}"
    run("init", "--db", url)
    code, _, err = run("show", "incident", "nope", "--db", url)
    assert code == 1 and "no incident or source record 'nope'" in err


def test_agreement_versions_keep_the_previous_terms(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tw.db'}"
    run("init", "--db", url)
    shipped = Path("src/trucewatch/data/agreements/syria-2016-09-us-russia.yaml")
    code, out, _ = run("agreement", "load", str(shipped), "--user", "analyst1", "--db", url)
    assert code == 0 and "stored as version 1" in out
    code, out, _ = run("agreement", "load", str(shipped), "--user", "analyst1", "--db", url)
    assert code == 0 and "unchanged: still version 1" in out
    edited = tmp_path / "edited.yaml"
    edited.write_text(
        shipped.read_text(encoding="utf-8").replace("radius_km: 4.5", "radius_km: 5"),
        encoding="utf-8",
    )
    code, out, _ = run(
        "agreement",
        "load",
        str(edited),
        "--user",
        "analyst2",
        "--note",
        "wider east Aleppo circle",
        "--db",
        url,
    )
    assert code == 0 and "stored as version 2" in out
    code, out, _ = run("agreement", "history", "syria-2016-09-us-russia", "--db", url, "--json")
    versions = json.loads(out)
    assert [(v["version"], v["changed_by"], v["note"]) for v in versions] == [
        (1, "analyst1", None),
        (2, "analyst2", "wider east Aleppo circle"),
    ]


def test_invalid_agreement_is_not_stored(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tw.db'}"
    run("init", "--db", url)
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: t\n", encoding="utf-8")
    code, _, err = run("agreement", "load", str(bad), "--user", "a", "--db", url)
    assert code == 1 and "required field is missing" in err
    code, _, err = run("agreement", "history", "x", "--db", url)
    assert code == 1 and "no stored agreement 'x'" in err


def test_claims_load_then_stored_evaluation_weighs_them(tmp_path: Path) -> None:
    files = case_files("syria-2016-09")
    url = f"sqlite:///{tmp_path / 'tw.db'}"
    run("init", "--db", url)
    code, _, err = run(
        "claims",
        "load",
        str(files.claims),
        "--sources",
        str(files.sources),
        "--user",
        "analyst1",
        "--db",
        url,
    )
    assert code == 1 and "no stored incident 'TW-SYR-0023'" in err  # incidents first
    run("ingest", str(CASE), "--format", "acled", "--source", "case", "--db", url)
    code, out, _ = run(
        "claims",
        "load",
        str(files.claims),
        "--sources",
        str(files.sources),
        "--user",
        "analyst1",
        "--db",
        url,
        "--json",
    )
    assert code == 0 and json.loads(out)["claims_added"] == 28
    code, out, _ = run("evaluate", "--agreement", "syria-2016-09-us-russia", "--db", url, "--json")
    convoy = next(a for a in json.loads(out)["attributions"] if a["incident"] == "case:TW-SYR-0023")
    assert (convoy["status"], convoy["airwars_grade"]) == ("contested", "contested")


def test_a_partys_reply_is_shown_beside_the_finding(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tw.db'}"
    run("init", "--db", url)
    run("ingest", str(CASE), "--format", "acled", "--source", "case", "--db", url)
    # A synthetic reply, for the test: not a statement anyone made.
    code, _, err = run(
        "incident",
        "reply",
        "TW-SYR-0023",
        "--agreement",
        "syria-2016-09-us-russia",
        "--obligation",
        "humanitarian-access",
        "--party",
        "russia",
        "--user",
        "liaison",
        "--text",
        "synthetic test reply",
        "--db",
        url,
    )
    assert code == 0, err
    code, out, _ = run("evaluate", "--agreement", "syria-2016-09-us-russia", "--db", url, "--json")
    (reply,) = json.loads(out)["replies"]
    assert (reply["incident"], reply["party"], reply["text"]) == (
        "case:TW-SYR-0023",
        "russia",
        "synthetic test reply",
    )
    code, out, _ = run("evaluate", "--agreement", "syria-2016-09-us-russia", "--db", url)
    assert "reply from russia on humanitarian-access: synthetic test reply" in out
