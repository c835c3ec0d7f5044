"""E-mail alerts on a real database, sent to a real local SMTP server."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import insert, select
from typer.testing import CliRunner

from tests.alerts.conftest import (
    AGREEMENT,
    CONVOY,
    Inbox,
    Mission,
    set_status,
    subscribe,
    use_smtp,
    verify,
)
from trucewatch.cli import app
from trucewatch.store.schema import field_reports
from trucewatch.workflow import incident_status

WITNESS = "Witness Name-For-Test-Only"
SOURCE_LAT, SOURCE_LON = 35.987654, 37.123456


def add_witness_report(m: Mission, incident: str) -> None:
    """A field report with a witness and an exact source location (synthetic, test only)."""
    with m.db.transaction() as conn:
        conn.execute(
            insert(field_reports).values(
                incident_id=incident,
                user_name="monitor1",
                submitted_at=datetime(2026, 11, 30, tzinfo=UTC),
                description="synthetic test report: a witness account",
                witness=WITNESS,
                source_latitude=SOURCE_LAT,
                source_longitude=SOURCE_LON,
            )
        )


def test_verifying_the_convoy_emails_each_violation_once(mission: Mission, inbox: Inbox) -> None:
    use_smtp(mission, inbox)
    add_witness_report(mission, CONVOY)
    sub = subscribe(mission, channel="email", target="desk@example.org", agreement=AGREEMENT)
    assert sub["secret"] is None and sub["user"] == "analyst1"

    verify(mission, CONVOY)

    mails = inbox.to("desk@example.org")
    by_obligation = {m["Subject"].split(" of ")[1].split(" ")[0]: m for m in mails}
    assert len(mails) == 3
    assert set(by_obligation) == {"no-air-operations", "cease-hostilities", "humanitarian-access"}
    access = by_obligation["humanitarian-access"]
    assert access["To"] == "desk@example.org"
    assert access["Subject"] == (
        "[trucewatch] Verified violation of humanitarian-access "
        f"({AGREEMENT}): {CONVOY}, 2016-09-19, Urum al Kubra"
    )
    body = access.get_content()
    assert "Obligation:  humanitarian-access — Unimpeded humanitarian access" in body
    assert f"Incident:    {CONVOY} (verified)" in body
    assert "Date:        2016-09-19" in body
    assert "Place:       Urum al Kubra, Atarib, Aleppo, Syria" in body
    assert "Event:       Explosions/Remote violence — Air/drone strike" in body
    assert "Fatalities:  21 (low 21, high 21)" in body
    assert "Verdict:     violation" in body
    assert "Attribution: CONTESTED between syria-government and russia" in body
    assert "(russia, side government): 0.58" in body
    assert "(syria-government, side government): 0.39" in body
    assert "→ violates humanitarian-access (contested between syria-government and russia)" in body
    assert f"Details: http://127.0.0.1:8000/incidents/{CONVOY}" in body
    for _, msg in inbox.messages:
        raw = msg.as_string()
        assert WITNESS not in raw
        assert str(SOURCE_LAT) not in raw and str(SOURCE_LON) not in raw

    listed = mission.client.get("/api/alerts/deliveries", headers=mission.auth("analyst1"))
    assert listed.status_code == 200
    rows = listed.json()
    assert [(r["status"], r["attempts"], r["error"]) for r in rows] == [("sent", 1, None)] * 3
    assert len({r["payload_sha256"] for r in rows}) == 3
    assert {r["target"] for r in rows} == {"desk@example.org"}

    # Re-opened, disputed, re-opened and verified again: nothing new is sent.
    for step in ("under_review", "disputed", "under_review", "verified"):
        set_status(mission, CONVOY, step)
        assert len(inbox.messages) == 3, step
    again = mission.client.get("/api/alerts/deliveries", headers=mission.auth("admin1")).json()
    assert len(again) == 3


def test_without_an_smtp_server_the_delivery_fails_and_retry_sends_it(
    mission: Mission, inbox: Inbox
) -> None:
    subscribe(
        mission,
        channel="email",
        target="desk@example.org",
        agreement=AGREEMENT,
        obligation="humanitarian-access",
    )
    verify(mission, CONVOY)  # the app has no SMTP host configured
    assert incident_status(mission.db, CONVOY) == "verified"
    rows = mission.client.get("/api/alerts/deliveries", headers=mission.auth("analyst1")).json()
    assert len(rows) == 1
    assert rows[0]["status"] == "failed"
    assert rows[0]["error"].startswith("no SMTP server is configured: set TRUCEWATCH_SMTP_HOST")

    runner = CliRunner()
    env = {"TRUCEWATCH_SMTP_HOST": "127.0.0.1", "TRUCEWATCH_SMTP_PORT": str(inbox.port)}
    result = runner.invoke(app, ["alerts", "retry", "--db", mission.db.url, "--json"], env=env)
    assert result.exit_code == 0, result.stderr
    done = json.loads(result.stdout)
    assert [(d["status"], d["attempts"], d["obligation"]) for d in done] == [
        ("sent", 2, "humanitarian-access")
    ]
    assert len(inbox.to("desk@example.org")) == 1
    # Nothing is left to retry.
    result = runner.invoke(app, ["alerts", "retry", "--db", mission.db.url, "--json"], env=env)
    assert result.exit_code == 0 and json.loads(result.stdout) == []


def test_verifying_from_the_cli_alerts_too(mission: Mission, inbox: Inbox) -> None:
    runner = CliRunner()
    url = mission.db.url
    result = runner.invoke(
        app,
        [
            "alerts", "subscribe", "--user", "analyst1", "--email", "cli@example.org",
            "--agreement", AGREEMENT, "--obligation", "humanitarian-access", "--db", url, "--json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    env = {"TRUCEWATCH_SMTP_HOST": "127.0.0.1", "TRUCEWATCH_SMTP_PORT": str(inbox.port)}
    for to in ("under_review", "verified"):
        result = runner.invoke(
            app,
            ["incident", "status", CONVOY, "--to", to, "--user", "analyst1",
             "--reason", "cli alert test", "--db", url],
            env=env,
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
    assert "alerts: 1 sent, 0 failed" in result.stderr
    [mail] = inbox.to("cli@example.org")
    assert "humanitarian-access" in mail["Subject"]


def test_a_failing_alert_never_fails_a_cli_verification(mission: Mission) -> None:
    runner = CliRunner()
    url = mission.db.url
    result = runner.invoke(
        app,
        ["alerts", "subscribe", "--user", "analyst1", "--email", "cli@example.org",
         "--agreement", AGREEMENT, "--db", url],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    closed = "1"  # port 1 on 127.0.0.1: nothing listens, the connection is refused
    env = {"TRUCEWATCH_SMTP_HOST": "127.0.0.1", "TRUCEWATCH_SMTP_PORT": closed}
    for to in ("under_review", "verified"):
        result = runner.invoke(
            app,
            ["incident", "status", CONVOY, "--to", to, "--user", "analyst1",
             "--reason", "cli alert test", "--db", url],
            env=env,
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
    assert "alerts: 0 sent, 3 failed" in result.stderr
    assert incident_status(mission.db, CONVOY) == "verified"
    with mission.db.engine.connect() as conn:
        from trucewatch.store.schema import alert_deliveries

        statuses = list(conn.execute(select(alert_deliveries.c.status)).scalars())
    assert statuses == ["failed"] * 3
