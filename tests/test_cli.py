"""The command line as a user meets it: exit codes, messages, --json, --help, docs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import REPO
from trucewatch.cases import case_files
from trucewatch.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def test_demo_prints_matrix_contested_claims_and_breakdown() -> None:
    code, out, _ = run("demo")
    assert code == 0
    assert "Compliance: violations per party and obligation" in out
    assert "Urum al Kubra: responsibility CONTESTED" in out
    assert "The truce broke down on 2016-09-18" in out
    assert "curated selection, not a complete record" in out


def test_demo_json() -> None:
    code, out, _ = run("demo", "--json")
    assert code == 0
    assert json.loads(out)["breakdown"]["date"] == "2016-09-18"


def test_agreement_check_valid_prints_summary() -> None:
    code, out, _ = run(
        "agreement", "check", "src/trucewatch/data/agreements/syria-2016-09-us-russia.yaml"
    )
    assert code == 0
    assert "syria-2016-09-us-russia" in out
    assert "phase reduced-violence: 2016-09-12 19:00 +0300 → 2016-09-19 19:00 +0300" in out


def test_agreement_check_invalid_exits_1_with_file_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = (REPO / "src/trucewatch/data/agreements/syria-2016-09-us-russia.yaml").read_text()
    bad.write_text(
        text.replace(
            "excluded: [islamic-state, jabhat-fateh-al-sham]",
            "excluded: [islamic-stat, jabhat-fateh-al-sham]",
        )
    )
    code, out, err = run("agreement", "check", str(bad))
    assert code == 1
    line = next(i for i, s in enumerate(text.splitlines(), 1) if s.startswith("excluded:"))
    assert f"{bad}:{line}: unknown actor id 'islamic-stat' — did you mean islamic-state" in err
    assert out == ""


def test_agreement_check_json_lists_problems(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\n")
    code, out, _ = run("agreement", "check", str(bad), "--json")
    assert code == 1
    problems = json.loads(out)["problems"]
    assert {p["message"] for p in problems} >= {"title: required field is missing"}


def test_agreement_list_shows_shipped() -> None:
    code, out, _ = run("agreement", "list")
    assert code == 0
    assert "syria-2016-12-30-nationwide-ceasefire" in out


def test_evaluate_files_json() -> None:
    files = case_files("syria-2016-09")
    code, out, _ = run(
        "evaluate",
        "--agreement",
        "syria-2016-09-us-russia",
        "--incidents",
        str(files.incidents),
        "--claims",
        str(files.claims),
        "--sources",
        str(files.sources),
        "--json",
    )
    assert code == 0
    assert json.loads(out)["incidents"] == 39


def test_evaluate_writes_out_file(tmp_path: Path) -> None:
    files = case_files("syria-2016-09")
    target = tmp_path / "findings.json"
    code, out, _ = run(
        "evaluate",
        "--agreement",
        "syria-2016-09-us-russia",
        "--incidents",
        str(files.incidents),
        "--out",
        str(target),
    )
    assert code == 0 and "wrote 117 findings" in out
    assert len(json.loads(target.read_text())["findings"]) == 117


def test_evaluate_without_incidents_reads_the_database(tmp_path: Path) -> None:
    target = tmp_path / "none.db"
    code, _, err = run(
        "evaluate", "--agreement", "syria-2016-09-us-russia", "--db", f"sqlite:///{target}"
    )
    assert code == 1
    assert "is not initialised — run `trucewatch init` first" in err
    assert not target.exists()  # looking does not create an empty database


def test_evaluate_bad_incident_file_names_line(tmp_path: Path) -> None:
    files = case_files("syria-2016-09")
    lines = files.incidents.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace("2016-09-03", "2016-09-33")
    bad = tmp_path / "events.csv"
    bad.write_text("".join(lines), encoding="utf-8")
    code, _, err = run(
        "evaluate", "--agreement", "syria-2016-09-us-russia", "--incidents", str(bad)
    )
    assert code == 1
    assert err.startswith(f"{bad}:4: event_date: '2016-09-33' is not a date")


def test_evaluate_unknown_agreement() -> None:
    code, _, err = run("evaluate", "--agreement", "no-such-truce", "--incidents", "x.csv")
    assert code == 1
    assert "no-such-truce: no such agreement file or shipped agreement id" in err


def test_actors_resolve_across_renaming() -> None:
    code, out, _ = run("actors", "resolve", "Jabhat al-Nusra", "--on", "2016-09-19", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["resolved"] == "jabhat-fateh-al-sham"
    assert data["name_on_date"] == "Jabhat Fateh al-Sham"


def test_actors_resolve_bad_date() -> None:
    code, _, err = run("actors", "resolve", "IS", "--on", "19/09/2016")
    assert code == 1
    assert "--on: '19/09/2016' is not a date — write YYYY-MM-DD" in err


def test_actors_resolve_unknown_name() -> None:
    code, _, err = run("actors", "resolve", "Zzyzx Brigade")
    assert code == 1
    assert "'Zzyzx Brigade' is not in the actor registry" in err


def _all_commands() -> list[list[str]]:
    """Every command the CLI offers, read from the app itself, so none can go undocumented."""
    import typer.main

    def walk(command: Any, path: list[str]) -> list[list[str]]:
        subcommands = getattr(command, "commands", None)
        if subcommands:
            return [
                p for name, sub in sorted(subcommands.items()) for p in walk(sub, [*path, name])
            ]
        return [path]

    return walk(typer.main.get_command(app), [])


COMMANDS = _all_commands()


def test_the_cli_offers_the_documented_core_commands() -> None:
    assert {
        "demo",
        "evaluate",
        "init",
        "ingest",
        "show incident",
        "claims load",
        "audit verify",
        "evidence add",
    } <= {" ".join(c) for c in COMMANDS}


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_and_is_documented(command: list[str]) -> None:
    code, out, _ = run(*command, "--help")
    assert code == 0 and "Usage" in out
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"trucewatch {' '.join(command)}\b", readme), (
        f"`trucewatch {' '.join(command)}` is not documented in README.md"
    )
