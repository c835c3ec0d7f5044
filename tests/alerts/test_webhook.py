"""Signed webhooks to a real local HTTP receiver; failures kept and retried."""

from __future__ import annotations

import hashlib
import json

from typer.testing import CliRunner

from tests.alerts.conftest import AGREEMENT, CONVOY, Mission, Receiver, subscribe, verify
from tests.alerts.test_email import SOURCE_LAT, WITNESS, add_witness_report
from trucewatch.alerts import DELIVERY_HEADER, SIGNATURE_HEADER, sign, verify_signature
from trucewatch.cli import app
from trucewatch.workflow import incident_status


def test_a_webhook_is_signed_and_carries_the_finding(mission: Mission, receiver: Receiver) -> None:
    add_witness_report(mission, CONVOY)
    sub = subscribe(
        mission,
        channel="webhook",
        target=receiver.url,
        agreement=AGREEMENT,
        obligation="humanitarian-access",
    )
    secret = sub["secret"]
    assert secret.startswith("whsec_") and len(secret) > 40
    listed = mission.client.get("/api/alerts/subscriptions", headers=mission.auth("analyst1"))
    assert [s["secret"] for s in listed.json()] == [None]  # shown once, at creation

    verify(mission, CONVOY)

    [hit] = receiver.requests
    assert hit.path == "/hook"
    assert hit.headers["Content-Type"] == "application/json; charset=utf-8"
    assert verify_signature(secret, hit.headers[SIGNATURE_HEADER], hit.body)
    assert not verify_signature(secret, hit.headers[SIGNATURE_HEADER], hit.body + b" ")
    tampered = hit.body.replace(b'"fatalities":{"best":21', b'"fatalities":{"best":2')
    assert tampered != hit.body
    assert not verify_signature(secret, hit.headers[SIGNATURE_HEADER], tampered)
    assert not verify_signature("whsec_wrong", hit.headers[SIGNATURE_HEADER], hit.body)

    [delivery] = mission.client.get("/api/alerts/deliveries", headers=mission.auth("admin1")).json()
    assert hit.headers[DELIVERY_HEADER] == str(delivery["id"])
    assert delivery["payload_sha256"] == hashlib.sha256(hit.body).hexdigest()
    assert (delivery["status"], delivery["channel"]) == ("sent", "webhook")

    payload = json.loads(hit.body)
    assert payload["agreement"]["id"] == AGREEMENT
    assert payload["obligation"]["id"] == "humanitarian-access"
    assert payload["incident"]["id"] == CONVOY
    assert payload["incident"]["date"] == "2016-09-19"
    assert payload["incident"]["place"]["name"] == "Urum al Kubra"
    assert payload["incident"]["event_type"] == "Explosions/Remote violence"
    assert payload["incident"]["fatalities"] == {"low": 21, "best": 21, "high": 21}
    assert payload["verdict"] == "violation"
    assert payload["attribution_status"] == "contested"
    assert payload["contested_between"] == ["syria-government", "russia"]
    assert [(r["actor"], r["confidence"]) for r in payload["responsible"]] == [
        ("russia", 0.58),
        ("syria-government", 0.39),
    ]
    assert any("violates humanitarian-access" in r for r in payload["reasons"])
    assert payload["link"] == f"http://127.0.0.1:8000/incidents/{CONVOY}"
    text = hit.body.decode("utf-8")
    assert WITNESS not in text and str(SOURCE_LAT) not in text
    assert "witness" not in text and "source_latitude" not in text


def test_a_failing_receiver_keeps_the_verification_and_retry_delivers(
    mission: Mission, receiver: Receiver
) -> None:
    sub = subscribe(mission, channel="webhook", target=receiver.url, agreement=AGREEMENT)
    receiver.status = 500

    verify(mission, CONVOY)  # each status call answered 200 (asserted in verify)

    assert incident_status(mission.db, CONVOY) == "verified"
    assert len(receiver.requests) == 3
    rows = mission.client.get("/api/alerts/deliveries", headers=mission.auth("analyst1")).json()
    assert {(r["status"], r["attempts"]) for r in rows} == {("failed", 1)}
    assert {r["error"] for r in rows} == {
        "the receiver answered HTTP 500; a 2xx answer counts as received"
    }

    receiver.status = 200
    runner = CliRunner()
    result = runner.invoke(app, ["alerts", "retry", "--db", mission.db.url, "--json"])
    assert result.exit_code == 0, result.stderr
    done = json.loads(result.stdout)
    assert sorted(d["obligation"] for d in done) == [
        "cease-hostilities",
        "humanitarian-access",
        "no-air-operations",
    ]
    assert {(d["status"], d["attempts"], d["error"]) for d in done} == {("sent", 2, None)}
    assert len(receiver.requests) == 6
    for hit in receiver.requests[3:]:
        assert verify_signature(sub["secret"], hit.headers[SIGNATURE_HEADER], hit.body)

    listed = CliRunner().invoke(
        app, ["alerts", "deliveries", "--status", "sent", "--db", mission.db.url, "--json"]
    )
    assert listed.exit_code == 0
    assert len(json.loads(listed.stdout)) == 3


def test_a_retry_of_an_alert_that_no_longer_applies_cancels_it(
    mission: Mission, receiver: Receiver
) -> None:
    subscribe(
        mission,
        channel="webhook",
        target=receiver.url,
        agreement=AGREEMENT,
        obligation="humanitarian-access",
    )
    receiver.status = 503
    verify(mission, CONVOY)
    r = mission.client.post(
        f"/api/incidents/{CONVOY}/status",
        json={"to": "under_review", "reason": "new information"},
        headers=mission.auth("analyst1"),
    )
    assert r.status_code == 200
    receiver.status = 200
    result = CliRunner().invoke(app, ["alerts", "retry", "--db", mission.db.url, "--json"])
    assert result.exit_code == 0, result.stderr
    [done] = json.loads(result.stdout)
    assert done["status"] == "cancelled"
    assert done["error"] == "not sent: the incident is now 'under_review', no longer verified"
    assert len(receiver.requests) == 1  # only the first, failed attempt


def test_verify_signature_checks_time_and_format() -> None:
    body = b'{"verdict":"violation"}'
    header = sign("whsec_k", body, timestamp=1_000_000)
    assert verify_signature("whsec_k", header, body, 300, now=1_000_100)
    assert verify_signature("whsec_k", header, body.decode(), 300, now=999_800)
    assert not verify_signature("whsec_k", header, body, 300, now=1_000_301)  # too old
    assert not verify_signature("whsec_k", header, body, 300, now=999_699)  # from the future
    t, v1 = header.split(",")
    assert verify_signature("whsec_k", f"{t},v1=00ff,{v1}", body, 300, now=1_000_000)
    for broken in (None, "", v1, t, "t=abc," + v1, f"{t},v1="):
        assert not verify_signature("whsec_k", broken, body, 300, now=1_000_000)
