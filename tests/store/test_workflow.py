"""The verification workflow and the right of reply, on SQLite and PostgreSQL.

Runs on the shipped Sept 2016 case (real, sourced incidents); the reasons,
users and reply texts below are made up for the tests and say so.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, select

from trucewatch.actors import ActorRegistry
from trucewatch.cases import case_files
from trucewatch.errors import InputError
from trucewatch.importing import import_file
from trucewatch.records import incident_record
from trucewatch.store import Database, audit
from trucewatch.store.schema import incidents
from trucewatch.workflow import (
    STATUSES,
    TRANSITIONS,
    add_reply,
    change_status,
    incident_status,
    replies_for,
    status_history,
)

INCIDENT = "case:TW-SYR-0023"
NOW = datetime(2016, 9, 20, 9, 0, tzinfo=UTC)

# The path to each status from 'reported', through allowed transitions only.
PATH_TO = {
    "reported": [],
    "under_review": ["under_review"],
    "verified": ["under_review", "verified"],
    "disputed": ["under_review", "disputed"],
    "dismissed": ["under_review", "dismissed"],
}
ALLOWED = [(a, b) for a, nexts in TRANSITIONS.items() for b in nexts]
REFUSED = [(a, b) for a in STATUSES for b in STATUSES if b not in TRANSITIONS[a]]


@pytest.fixture
def case_db(db: Database) -> Database:
    import_file(
        db,
        case_files("syria-2016-09").incidents,
        format="acled",
        source="case",
        actors=ActorRegistry.shipped(),
    )
    return db


def _go(db: Database, status: str) -> None:
    for i, step in enumerate(PATH_TO[status]):
        change_status(
            db, INCIDENT, to=step, user="setup", reason="test setup", now=NOW + timedelta(i)
        )


def _row_version(conn: Connection) -> int:
    return int(
        conn.execute(select(incidents.c.version).where(incidents.c.id == INCIDENT)).scalar_one()
    )


def test_transition_table_is_as_documented() -> None:
    assert sorted(ALLOWED) == sorted(
        [
            ("reported", "under_review"),
            ("under_review", "verified"),
            ("under_review", "disputed"),
            ("under_review", "dismissed"),
            ("disputed", "under_review"),
            ("verified", "under_review"),
        ]
    )
    assert len(REFUSED) == 25 - 6


@pytest.mark.parametrize(("start", "to"), ALLOWED, ids=[f"{a}->{b}" for a, b in ALLOWED])
def test_allowed_transition(case_db: Database, start: str, to: str) -> None:
    _go(case_db, start)
    with case_db.engine.connect() as conn:
        version_before = _row_version(conn)
        entries_before = audit.count(conn)
    change = change_status(case_db, INCIDENT, to=to, user="analyst1", reason="test", now=NOW)
    assert (change.from_status, change.to_status) == (start, to)
    assert incident_status(case_db, INCIDENT) == to
    with case_db.engine.connect() as conn:
        assert _row_version(conn) == version_before + 1
        assert audit.count(conn) == entries_before + 1
        assert audit.verify_chain(conn).ok


@pytest.mark.parametrize(("start", "to"), REFUSED, ids=[f"{a}->{b}" for a, b in REFUSED])
def test_refused_transition(case_db: Database, start: str, to: str) -> None:
    _go(case_db, start)
    with case_db.engine.connect() as conn:
        entries_before = audit.count(conn)
        version_before = _row_version(conn)
    with pytest.raises(InputError) as info:
        change_status(case_db, INCIDENT, to=to, user="analyst1", reason="test", now=NOW)
    allowed = ", ".join(TRANSITIONS[start]) or "nothing (it is final)"
    assert str(info.value) == (
        f"--to: incident {INCIDENT} is '{start}'; it can go to: {allowed} — not to '{to}'"
    )
    assert incident_status(case_db, INCIDENT) == start
    with case_db.engine.connect() as conn:
        assert audit.count(conn) == entries_before
        assert _row_version(conn) == version_before


def test_refused_message_exact(case_db: Database) -> None:
    with pytest.raises(InputError) as info:
        change_status(case_db, INCIDENT, to="verified", user="a", reason="r", now=NOW)
    assert str(info.value).endswith(
        "incident case:TW-SYR-0023 is 'reported'; it can go to: under_review — not to 'verified'"
    )


@pytest.mark.parametrize("reason", ["", "   "])
def test_empty_reason_refused(case_db: Database, reason: str) -> None:
    with pytest.raises(InputError) as info:
        change_status(case_db, INCIDENT, to="under_review", user="a", reason=reason, now=NOW)
    assert str(info.value) == "--reason: give a reason: it is kept in the audit log"
    assert incident_status(case_db, INCIDENT) == "reported"


def test_unknown_status_and_incident(case_db: Database) -> None:
    with pytest.raises(InputError) as info:
        change_status(case_db, INCIDENT, to="confirmed", user="a", reason="r", now=NOW)
    assert "'confirmed' is not a status — use one of: reported, under_review" in str(info.value)
    with pytest.raises(InputError) as info:
        change_status(case_db, "case:NOPE-1", to="under_review", user="a", reason="r", now=NOW)
    assert str(info.value).startswith("ID: no incident or source record 'case:NOPE-1'")


def test_source_record_id_is_accepted(case_db: Database) -> None:
    change = change_status(case_db, "TW-SYR-0023", to="under_review", user="a", reason="r")
    assert change.to_status == "under_review"
    assert incident_status(case_db, INCIDENT) == "under_review"


def test_history_in_order_with_users_and_reasons(case_db: Database) -> None:
    steps = [
        ("under_review", "analyst1", "two sources disagree on the shelling party"),
        ("disputed", "analyst2", "claims conflict; no imagery yet"),
        ("under_review", "analyst1", "new satellite imagery received"),
        ("verified", "reviewer", "imagery and two witnesses agree"),
    ]
    for i, (to, user, reason) in enumerate(steps):
        change_status(case_db, INCIDENT, to=to, user=user, reason=reason, now=NOW + timedelta(i))
    history = status_history(case_db, INCIDENT)
    assert [(h.from_status, h.to_status, h.user, h.reason) for h in history] == [
        ("reported", "under_review", "analyst1", steps[0][2]),
        ("under_review", "disputed", "analyst2", steps[1][2]),
        ("disputed", "under_review", "analyst1", steps[2][2]),
        ("under_review", "verified", "reviewer", steps[3][2]),
    ]
    assert [h.at for h in history] == [NOW + timedelta(i) for i in range(4)]
    assert [h.audit_id for h in history] == sorted(h.audit_id for h in history)
    rec = incident_record(case_db, INCIDENT)
    assert [h["note"] for h in rec.history if h["action"] == "status"] == [s[2] for s in steps]
    assert rec.incident.id == INCIDENT
    with case_db.engine.connect() as conn:
        assert _row_version(conn) == 1 + len(steps)
        assert audit.verify_chain(conn).ok


def test_replies_stored_and_shown(case_db: Database) -> None:
    # Made-up reply text for the test, not a real party's statement.
    first = add_reply(
        case_db,
        agreement_id="syria-2016-09-us-russia",
        incident_id=INCIDENT,
        obligation="cessation",
        party="russia",
        user="analyst1",
        text="TEST REPLY: the party denies involvement.",
        now=NOW,
    )
    second = add_reply(
        case_db,
        agreement_id="syria-2016-09-us-russia",
        incident_id="TW-SYR-0023",
        obligation="humanitarian-access",
        party="syrian-government",
        user="analyst2",
        text="TEST REPLY: second reply.",
        now=NOW + timedelta(hours=1),
    )
    assert second > first
    stored = replies_for(case_db, INCIDENT)
    assert [(r["party"], r["obligation"], r["user_name"]) for r in stored] == [
        ("russia", "cessation", "analyst1"),
        ("syrian-government", "humanitarian-access", "analyst2"),
    ]
    rec = incident_record(case_db, "TW-SYR-0023")
    assert [r["text"] for r in rec.replies] == [
        "TEST REPLY: the party denies involvement.",
        "TEST REPLY: second reply.",
    ]
    shown = rec.as_dict()["replies"]
    assert shown[0]["agreement_id"] == "syria-2016-09-us-russia"
    assert isinstance(shown[0]["submitted_at"], str)
    assert [h["action"] for h in rec.history] == ["reply", "reply"]
    with case_db.engine.connect() as conn:
        assert audit.verify_chain(conn).ok


def test_reply_refusals(case_db: Database) -> None:
    kwargs = {
        "agreement_id": "syria-2016-09-us-russia",
        "obligation": "cessation",
        "party": "russia",
        "user": "analyst1",
        "now": NOW,
    }
    with pytest.raises(InputError) as info:
        add_reply(case_db, incident_id="case:NOPE-1", text="x", **kwargs)  # type: ignore[arg-type]
    assert "no incident or source record 'case:NOPE-1'" in str(info.value)
    with pytest.raises(InputError) as info:
        add_reply(case_db, incident_id=INCIDENT, text="  ", **kwargs)  # type: ignore[arg-type]
    assert str(info.value) == "--text: the reply is empty: give the party's text"
    assert replies_for(case_db, INCIDENT) == []
    with case_db.engine.connect() as conn:
        assert audit.count(conn) == 1  # the import only


def test_cli_status_reply_and_show(case_db: Database) -> None:
    from rich.console import Console
    from typer.testing import CliRunner

    from trucewatch.cli import app
    from trucewatch.report.terminal import print_incident_record

    runner = CliRunner()

    def run(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(app, [*args, "--db", case_db.url], env={"COLUMNS": "200"})
        return result.exit_code, result.stdout, result.stderr

    code, out, _ = run(
        "incident", "status", "TW-SYR-0023", "--to", "under_review", "--user", "analyst1",
        "--reason", "test: second source",
    )  # fmt: skip
    assert code == 0 and "reported → under_review (by analyst1" in out
    code, _, err = run(
        "incident", "status", INCIDENT, "--to", "reported", "--user", "analyst1", "--reason", "x"
    )
    assert code == 1
    assert "is 'under_review'; it can go to: verified, disputed, dismissed — not to 'reported'" in (
        err.replace("\n", " ")
    )
    code, _, err = run(
        "incident", "status", INCIDENT, "--to", "verified", "--user", "a", "--reason", ""
    )
    assert code == 1 and "give a reason: it is kept in the audit log" in err
    code, out, _ = run(
        "incident", "reply", INCIDENT, "--agreement", "syria-2016-09-us-russia",
        "--obligation", "cessation", "--party", "russia", "--user", "analyst1",
        "--text", "TEST REPLY: made up for the test",
    )  # fmt: skip
    assert code == 0 and "reply 1 from russia stored" in out
    # What `show incident` prints (called directly: its CLI command keeps its engine open).
    console = Console(record=True, width=200)
    print_incident_record(console, incident_record(case_db, INCIDENT))
    out = console.export_text()
    assert "replies (right of reply):" in out and "TEST REPLY: made up for the test" in out
    code, out, _ = run("audit", "verify")
    assert (code, out) == (0, "3 entries, chain intact\n")
