"""`trucewatch health` as a user meets it: files, a stored database, bad input."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from trucewatch.cases import case_files
from trucewatch.cli import app

runner = CliRunner()
CASE = case_files("syria-2016-09")


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def test_health_on_files_prints_effect_breaks_and_days() -> None:
    code, out, _ = run(
        "health", "--agreement", "syria-2016-09-us-russia", "--incidents", str(CASE.incidents)
    )
    assert code == 0
    assert "Truce health:" in out and "break dates" in out and "2016-09-13" in out


def test_health_json_contract_from_a_stored_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tw.db'}"
    assert run("init", "--db", url)[0] == 0
    assert (
        run("ingest", str(CASE.incidents), "--format", "acled", "--source", "case", "--db", url)[0]
        == 0
    )
    code, out, _ = run(
        "health",
        "--agreement",
        "syria-2016-09-us-russia",
        "--db",
        url,
        "--json",
        "--from",
        "2016-09-13",
        "--to",
        "2016-09-19",
    )
    assert code == 0
    data = json.loads(out)
    assert {"days", "effect", "break_dates"} <= set(data)
    assert [d["date"] for d in data["days"]] == [f"2016-09-{d}" for d in range(13, 20)]
    assert all({"date", "state", "reasons", "warning"} <= set(d) for d in data["days"])


def test_health_bad_input_is_a_clear_message() -> None:
    code, _, err = run("health", "--agreement", "syria-2016-09-us-russia", "--to", "19/9/2016")
    assert code == 1 and "--to: '19/9/2016' is not a date — write YYYY-MM-DD" in err
    code, _, err = run("health", "--agreement", "no-such-truce")
    assert code == 1 and "no-such-truce: no such agreement file or shipped agreement id" in err


def test_report_command_writes_markdown_and_html(tmp_path: Path) -> None:
    md, html = tmp_path / "r.md", tmp_path / "r.html"
    code, out, _ = run(
        "report",
        "--agreement",
        "syria-2016-09-us-russia",
        "--case",
        "syria-2016-09",
        "--out",
        str(md),
        "--format",
        "md",
        "--period",
        "weekly",
        "--date",
        "2016-09-19",
    )
    assert code == 0 and "wrote md report" in out
    assert md.read_text(encoding="utf-8").startswith("# Monitoring report:")
    code, _, _ = run(
        "report",
        "--agreement",
        "syria-2016-09-us-russia",
        "--case",
        "syria-2016-09",
        "--out",
        str(html),
    )
    assert code == 0 and html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_report_bad_options_are_clear_and_write_nothing(tmp_path: Path) -> None:
    target = tmp_path / "r.pdf"
    base = ["report", "--agreement", "syria-2016-09-us-russia", "--case", "syria-2016-09"]
    code, _, err = run(*base, "--out", str(target), "--format", "pdf")
    assert code == 1 and "--format: 'pdf' is not a report format — use html or md" in err
    code, _, err = run(*base, "--out", str(target), "--period", "monthly")
    assert code == 1 and "--period: 'monthly' is not a period — use all, daily or weekly" in err
    code, _, err = run(*base, "--out", str(target), "--date", "2017-01-01")
    assert code == 1
    assert "--date: 2017-01-01 is outside the agreement's window (2016-08-29 to 2016-10-03)" in err
    assert not target.exists()


def test_compare_puts_agreements_side_by_side(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tw.db'}"
    assert run("init", "--db", url)[0] == 0
    assert (
        run("ingest", str(CASE.incidents), "--format", "acled", "--source", "case", "--db", url)[0]
        == 0
    )
    assert CASE.access is not None
    assert run("access", "add", str(CASE.access), "--user", "tester", "--db", url)[0] == 0
    code, out, _ = run(
        "compare",
        "--agreement",
        "syria-2016-09-us-russia",
        "--agreement",
        "syria-2016-02-cessation-of-hostilities",
        "--db",
        url,
        "--json",
    )
    assert code == 0
    rows = {r["agreement"]: r for r in json.loads(out)}
    sept = rows["syria-2016-09-us-russia"]
    assert sept["days_in_force"] == 21  # 13 Sept to the formal end on 3 Oct
    assert sept["access"] == "east-aleppo-access: 0 of 250,000 (not met)"
    assert sept["ended"].startswith("2016-10-03: The United States suspended")
    feb = rows["syria-2016-02-cessation-of-hostilities"]
    assert feb["had_effect"] is None  # the Sept case holds no incidents of Feb 2016
    assert "measured over its first 60 days" in feb["ended"]
    code, out, _ = run("compare", "--db", url)
    assert code == 0 and "Agreements side by side" in out
