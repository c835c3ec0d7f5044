"""Access events in a real database (SQLite and PostgreSQL): stored, extended, refused.

A refused change must leave the stored rows and the audit log exactly as they
were.  Convoys here are synthetic except where the shipped Sept 2016 case is used.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from trucewatch.actors import ActorRegistry
from trucewatch.cases import case_files
from trucewatch.cli import app
from trucewatch.domain.access import AccessStatus, StatusChange
from trucewatch.errors import InputError
from trucewatch.service import (
    access_report,
    list_access,
    record_access_step,
    show_access,
    store_access,
    store_claims,
)
from trucewatch.store import Database
from trucewatch.store.schema import access_events, audit_log, sieges

CASE = case_files("syria-2016-09")

SYNTHETIC = """\
sieges:
  - {id: synthetic-siege, area: synthetic-area, population: 1000,
     besieged_by: [Government of Syria]}
access_events:
  - id: synthetic-convoy
    organisation: Synthetic agency (test)
    destination: synthetic-area
    planned_beneficiaries: 500
    history:
      - {status: requested, date: 2020-01-01}
      - {status: approved, date: 2020-01-02}
"""


def _snapshot(db: Database) -> tuple[Any, ...]:
    with db.engine.connect() as conn:
        return (
            tuple(conn.execute(select(access_events.c.id, access_events.c.data)).all()),
            tuple(conn.execute(select(sieges.c.id, sieges.c.data)).all()),
            conn.execute(select(func.count()).select_from(audit_log)).scalar_one(),
        )


def _write(tmp_path: Path, text: str, name: str = "access.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_add_is_idempotent_and_audited(db: Database, tmp_path: Path) -> None:
    path = _write(tmp_path, SYNTHETIC)
    counts = store_access(db, path, user="tester")
    assert counts["events_added"] == 1 and counts["sieges_added"] == 1
    again = store_access(db, path, user="tester")
    assert again["events_unchanged"] == 1 and again["sieges_unchanged"] == 1
    event, history = show_access(db, "synthetic-convoy")
    assert event.status is AccessStatus.APPROVED
    assert [h["action"] for h in history] == ["add"]
    assert history[0]["user_name"] == "tester"


def test_a_file_may_extend_a_history_but_not_rewrite_it(db: Database, tmp_path: Path) -> None:
    store_access(db, _write(tmp_path, SYNTHETIC), user="tester")
    extended = SYNTHETIC + "      - {status: delivered, date: 2020-01-03, people_reached: 400}\n"
    counts = store_access(db, _write(tmp_path, extended, "more.yaml"), user="tester")
    assert counts["events_extended"] == 1
    event, history = show_access(db, "synthetic-convoy")
    assert event.people_reached == 400
    assert history[-1]["action"] == "update"
    assert history[-1]["before"] == {"history": [h for h in history[0]["after"]["history"]]}

    before = _snapshot(db)
    rewritten = extended.replace(
        "status: approved, date: 2020-01-02", "status: approved, date: 2020-01-01"
    )
    path = _write(tmp_path, rewritten, "rewritten.yaml")
    with pytest.raises(InputError) as e:
        store_access(db, path, user="tester")
    assert str(e.value) == (
        f"{path}: access event 'synthetic-convoy' is stored with a different history — a "
        "stored history is only extended: keep its steps as they are and add new ones below, "
        "or add one with `trucewatch access update synthetic-convoy`"
    )
    assert _snapshot(db) == before


def test_a_bad_file_stores_nothing(db: Database, tmp_path: Path) -> None:
    bad = SYNTHETIC + (
        "  - id: second\n    organisation: x\n    destination: y\n    history:\n"
        "      - {status: delivered, date: 2020-01-01, people_reached: -3}\n"
    )
    before = _snapshot(db)
    with pytest.raises(InputError, match="-3 is negative"):
        store_access(db, _write(tmp_path, bad), user="tester")
    assert _snapshot(db) == before


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (
            StatusChange(status=AccessStatus.REQUESTED, date=date(2020, 1, 9)),
            "history.3.status: delivered → requested is not a possible change",
        ),
        (
            StatusChange(status=AccessStatus.DELIVERED, date=date(2020, 1, 9), people_reached=5),
            "history.3.status: delivered → delivered is not a possible change",
        ),
    ],
)
def test_update_refuses_an_impossible_step_and_stores_nothing(
    db: Database, tmp_path: Path, step: StatusChange, message: str
) -> None:
    store_access(
        db,
        _write(
            tmp_path,
            SYNTHETIC + "      - {status: delivered, date: 2020-01-03, people_reached: 400}\n",
        ),
        user="tester",
    )
    before = _snapshot(db)
    with pytest.raises(InputError) as e:
        record_access_step(db, "synthetic-convoy", step, user="tester")
    assert str(e.value).startswith(f"access event synthetic-convoy: {message}")
    assert _snapshot(db) == before


def test_update_refuses_more_reached_than_planned_without_reason(
    db: Database, tmp_path: Path
) -> None:
    store_access(db, _write(tmp_path, SYNTHETIC), user="tester")
    before = _snapshot(db)
    with pytest.raises(InputError) as e:
        record_access_step(
            db,
            "synthetic-convoy",
            StatusChange(status=AccessStatus.DELIVERED, date=date(2020, 1, 3), people_reached=600),
            user="tester",
        )
    assert str(e.value) == (
        "access event synthetic-convoy: history.2.people_reached: 600 people reached is more "
        "than the 500 planned — check the count, or state why in over_plan_reason"
    )
    assert _snapshot(db) == before
    event = record_access_step(
        db,
        "synthetic-convoy",
        StatusChange(
            status=AccessStatus.DELIVERED,
            date=date(2020, 1, 3),
            people_reached=600,
            over_plan_reason="host families counted at distribution (synthetic)",
        ),
        user="tester",
    )
    assert event.people_reached == 600
    _, history = show_access(db, "synthetic-convoy")
    assert history[-1]["note"] == "approved → delivered"


def test_unknown_event_and_unknown_agreement(db: Database, tmp_path: Path) -> None:
    store_access(db, _write(tmp_path, SYNTHETIC), user="tester")
    with pytest.raises(
        InputError, match="synthetic-convoi: no such access event — did you mean 'synthetic-convoy'"
    ):
        show_access(db, "synthetic-convoi")
    path = _write(
        tmp_path,
        SYNTHETIC.replace("    organisation:", "    agreement: no-such-deal\n    organisation:"),
        "b.yaml",
    )
    with pytest.raises(InputError, match="unknown agreement 'no-such-deal'"):
        store_access(db, path, user="tester")


def test_stored_sept_2016_case_measures_the_same_as_the_files(db: Database) -> None:
    from trucewatch.importing import import_file

    import_file(db, CASE.incidents, format="acled", source="case", actors=ActorRegistry.shipped())
    store_claims(db, CASE.claims, CASE.sources, user="tester")
    assert CASE.access is not None
    store_access(db, CASE.access, user="tester")
    assert {e.id for e in list_access(db, agreement="syria-2016-09-us-russia")} == {
        "un-border-convoy-1",
        "un-border-convoy-2",
        "un-sarc-urum-al-kubra",
    }
    assert [e.id for e in list_access(db, status=AccessStatus.ATTACKED)] == [
        "un-sarc-urum-al-kubra"
    ]
    report = access_report(db, "syria-2016-09-us-russia")
    [c] = report.commitments
    assert (c.people_reached, c.target_people, c.status) == (0, 250000, "not_met")
    [attack] = [o for o in report.obstructions if o.event == "un-sarc-urum-al-kubra"]
    assert attack.attribution is not None and attack.attribution.startswith("contested")


runner = CliRunner()


def test_cli_add_update_list_show_report(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tw.db'}"
    assert runner.invoke(app, ["init", "--db", url]).exit_code == 0
    path = _write(tmp_path, SYNTHETIC)

    def run(*args: str) -> Any:
        return runner.invoke(app, [*args, "--db", url], env={"COLUMNS": "200"})

    r = run("access", "add", str(path), "--user", "monitor1")
    assert r.exit_code == 0 and "1 access event(s) added" in r.stdout
    r = run(
        "access",
        "update",
        "synthetic-convoy",
        "--status",
        "delivered",
        "--date",
        "2020-01-05",
        "--people-reached",
        "-1",
        "--user",
        "monitor1",
    )
    assert r.exit_code == 1
    assert r.stderr.strip() == (
        "--people-reached: -1 is negative — a count cannot be below zero: give 0 or the "
        "number the source states"
    )
    r = run(
        "access",
        "update",
        "synthetic-convoy",
        "--status",
        "deliverd",
        "--date",
        "2020-01-05",
        "--user",
        "monitor1",
    )
    assert r.exit_code == 2 and "deliverd" in r.stderr
    r = run(
        "access",
        "update",
        "synthetic-convoy",
        "--status",
        "delivered",
        "--date",
        "5 Jan",
        "--user",
        "monitor1",
    )
    assert r.exit_code == 1 and "--date: '5 Jan' is not a date — write YYYY-MM-DD" in r.stderr
    r = run(
        "access",
        "update",
        "synthetic-convoy",
        "--status",
        "blocked",
        "--date",
        "2020-01-05",
        "--actor",
        "Iranian-backed militias",
        "--reason",
        "checkpoint (synthetic)",
        "--user",
        "monitor1",
    )
    assert r.exit_code == 0 and "now blocked" in r.stdout
    r = run("access", "list", "--json")
    assert r.exit_code == 0 and '"status": "blocked"' in r.stdout
    r = run("access", "show", "synthetic-convoy")
    assert r.exit_code == 0 and "checkpoint (synthetic)" in r.stdout and "monitor1" in r.stdout
    r = run("access", "sieges", "--on", "2020-01-01")
    assert r.exit_code == 0 and "synthetic-siege" in r.stdout and "1,000" in r.stdout
    r = run("access", "sieges", "--on", "1st Jan")
    assert r.exit_code == 1 and "--on: '1st Jan' is not a date — write YYYY-MM-DD" in r.stderr
    r = run("access", "report", "--agreement", "syria-2016-09-us-russia", "--json")
    assert r.exit_code == 0 and '"agreement": "syria-2016-09-us-russia"' in r.stdout
