"""Subscriptions: who may make them, clear refusals of bad input, ownership, audit."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.alerts.conftest import AGREEMENT, Mission, subscribe
from trucewatch.cli import app
from trucewatch.store.schema import audit_log, subscriptions

GOOD = {"channel": "email", "target": "desk@example.org"}

#: (body, where, message) — every mistake answers 400 naming what is wrong.
BAD: list[tuple[dict[str, Any], str, str]] = [
    ({"target": "desk@"}, "email", "'desk@' is not an e-mail address"),
    ({"target": "Desk <desk@example.org>"}, "email", "is not an e-mail address"),
    (
        {"channel": "webhook", "target": "ftp://example.org/hook"},
        "webhook",
        "'ftp://example.org/hook' is not an http(s) URL",
    ),
    ({"channel": "webhook", "target": "example.org/hook"}, "webhook", "is not an http(s) URL"),
    ({"channel": "sms"}, "channel", "'sms' is not an alert channel"),
    (
        {"agreement": "syria-2016-09-us-rusia"},
        "agreement",
        "'syria-2016-09-us-rusia' is not a known agreement id",
    ),
    ({"agreement": "/etc/passwd"}, "agreement", "'/etc/passwd' is not a known agreement id"),
    (
        {"agreement": AGREEMENT, "obligation": "no-shelling"},
        "obligation",
        f"{AGREEMENT} has no obligation 'no-shelling'",
    ),
    ({"agreement": AGREEMENT, "zone": "west-aleppo"}, "zone", f"{AGREEMENT} has no zone"),
    ({"obligation": "cease-hostilities"}, "agreement", "needs the agreement it belongs to"),
    ({"party": "rusia"}, "party", "'rusia' is not an actor id in the registry"),
    ({"min_fatalities": -1}, "min_fatalities", "-1 is not a usable fatality threshold"),
]


def _stored(m: Mission) -> int:
    with m.db.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(subscriptions)).scalar_one())


def test_bad_input_is_refused_with_what_is_wrong(mission: Mission) -> None:
    for change, where, message in BAD:
        body = {**GOOD, **change}
        r = mission.client.post(
            "/api/alerts/subscriptions", json=body, headers=mission.auth("analyst1")
        )
        assert r.status_code == 400, (body, r.text)
        problems = r.json()["problems"]
        assert [p["where"] for p in problems] == [where], body
        assert message in problems[0]["message"], (message, problems)
        assert problems[0]["fix"], "every refusal says how to fix it"
    typo = mission.client.post(
        "/api/alerts/subscriptions",
        json={**GOOD, "agreement": "syria-2016-09-us-rusia"},
        headers=mission.auth("analyst1"),
    )
    assert "did you mean syria-2016-09-us-russia" in typo.json()["problems"][0]["fix"]
    assert _stored(mission) == 0  # nothing stored by any refusal


def test_who_may_subscribe(mission: Mission) -> None:
    url = "/api/alerts/subscriptions"
    assert mission.client.post(url, json=GOOD).status_code == 401
    assert mission.client.get(url).status_code == 401
    for user in ("public1", "monitor1"):
        r = mission.client.post(url, json=GOOD, headers=mission.auth(user))
        assert r.status_code == 403, user
        assert "may not do this (needs 'subscribe')" in r.json()["detail"]
    for user in ("analyst1", "admin1", "liaison1"):
        subscribe(mission, user, **GOOD)
    assert _stored(mission) == 3

    # Deliveries name every recipient: analysts and admins only.
    deliveries = "/api/alerts/deliveries"
    assert mission.client.get(deliveries).status_code == 401
    for user in ("public1", "monitor1", "liaison1"):
        assert mission.client.get(deliveries, headers=mission.auth(user)).status_code == 403
    for user in ("analyst1", "admin1"):
        assert mission.client.get(deliveries, headers=mission.auth(user)).json() == []
    bad = mission.client.get(deliveries, params={"status": "lost"}, headers=mission.auth("admin1"))
    assert bad.status_code == 400
    assert bad.json()["problems"][0]["message"] == "'lost' is not a delivery status"


def test_a_liaison_hears_only_of_their_own_party(mission: Mission) -> None:
    url = "/api/alerts/subscriptions"
    r = mission.client.post(url, json={**GOOD, "party": "russia"}, headers=mission.auth("liaison1"))
    assert r.status_code == 400
    [problem] = r.json()["problems"]
    assert problem["message"] == (
        "a party liaison may subscribe only to findings about their own party "
        "(syria-government), not 'russia'"
    )
    r = mission.client.post(
        url,
        json={"channel": "webhook", "target": "http://127.0.0.1:9/hook"},
        headers=mission.auth("liaison1"),
    )
    assert r.status_code == 400
    assert r.json()["problems"][0]["message"] == "'127.0.0.1' is this server or a private network"
    assert _stored(mission) == 0

    own = subscribe(mission, "liaison1", **GOOD, party="syria-government")
    forced = subscribe(mission, "liaison1", **GOOD)
    assert own["party"] == forced["party"] == "syria-government"


def test_subscriptions_belong_to_their_owner_and_are_audited(mission: Mission) -> None:
    mine = subscribe(mission, "analyst1", **GOOD, agreement=AGREEMENT, zone="east-aleppo")
    theirs = subscribe(mission, "liaison1", **GOOD)
    url = "/api/alerts/subscriptions"

    def ids(user: str) -> list[int]:
        r = mission.client.get(url, headers=mission.auth(user))
        assert r.status_code == 200
        return [s["id"] for s in r.json()]

    assert ids("analyst1") == [mine["id"]]
    assert ids("liaison1") == [theirs["id"]]
    assert ids("admin1") == [mine["id"], theirs["id"]]

    other = mission.client.delete(f"{url}/{theirs['id']}", headers=mission.auth("analyst1"))
    assert other.status_code == 404  # another user's looks like a missing one
    assert mission.client.delete(f"{url}/{theirs['id']}").status_code == 401
    gone = mission.client.delete(f"{url}/{theirs['id']}", headers=mission.auth("admin1"))
    assert gone.status_code == 204
    assert ids("admin1") == [mine["id"]]
    again = mission.client.delete(f"{url}/{theirs['id']}", headers=mission.auth("admin1"))
    assert again.status_code == 404

    with mission.db.engine.connect() as conn:
        entries = [
            (r.action, r.user_name, r.entity_id)
            for r in conn.execute(
                select(audit_log)
                .where(audit_log.c.entity_type == "subscription")
                .order_by(audit_log.c.id)
            )
        ]
    assert entries == [
        ("subscribed", "analyst1", str(mine["id"])),
        ("subscribed", "liaison1", str(theirs["id"])),
        ("unsubscribed", "admin1", str(theirs["id"])),
    ]


def _cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "desk@"], "email: 'desk@' is not an e-mail address"),
        (["--webhook", "ftp://x.org/h"], "webhook: 'ftp://x.org/h' is not an http(s) URL"),
        (["--email", "a@b.org", "--webhook", "http://x.org/h"], "give exactly one of --email"),
        ([], "give exactly one of --email"),
        (
            ["--email", "a@b.org", "--agreement", AGREEMENT, "--obligation", "x"],
            f"obligation: {AGREEMENT} has no obligation 'x'",
        ),
        (
            ["--email", "a@b.org", "--agreement", AGREEMENT, "--zone", "x"],
            f"zone: {AGREEMENT} has no zone 'x'",
        ),
        (["--email", "a@b.org", "--agreement", "nope"], "'nope' is not a known agreement id"),
        (["--email", "a@b.org", "--party", "rusia"], "'rusia' is not an actor id"),
        (["--email", "a@b.org", "--min-fatalities", "-3"], "-3 is not a usable fatality"),
    ],
)
def test_cli_refuses_bad_input(args: list[str], message: str, tmp_path: Any) -> None:
    from trucewatch.accounts import add_user
    from trucewatch.store import Database

    url = f"sqlite:///{tmp_path / 'tw.db'}"
    db = Database(url)
    db.migrate()
    add_user(db, "analyst1", "analyst", by="test")
    code, _, err = _cli("alerts", "subscribe", "--user", "analyst1", *args, "--db", url)
    assert code == 1
    assert message in err
    code, out, _ = _cli("alerts", "list", "--db", url, "--json")
    assert code == 0 and json.loads(out) == []


def test_cli_subscribe_list_unsubscribe(mission: Mission) -> None:
    url = mission.db.url
    code, _, err = _cli(
        "alerts", "subscribe", "--user", "nobody", "--email", "a@b.org", "--db", url
    )
    assert (code, err.strip()) == (1, "--user: no user 'nobody' — see `trucewatch users list`")
    code, _, err = _cli(
        "alerts", "subscribe", "--user", "public1", "--email", "a@b.org", "--db", url
    )
    assert code == 1 and "public1 is a public and may not subscribe to alerts" in err

    code, out, _ = _cli(
        "alerts", "subscribe", "--user", "analyst1", "--webhook", "https://example.org/hook",
        "--agreement", AGREEMENT, "--party", "russia", "--min-fatalities", "10",
        "--db", url, "--json",
    )  # fmt: skip
    assert code == 0
    made = json.loads(out)
    assert made["secret"].startswith("whsec_")
    assert (made["party"], made["min_fatalities"], made["user"]) == ("russia", 10, "analyst1")

    code, out, _ = _cli("alerts", "subscribe", "--user", "liaison1", "--email", "g@b.org",
                        "--db", url)  # fmt: skip
    assert code == 0 and "party=syria-government" in out

    code, out, _ = _cli("alerts", "list", "--db", url, "--json")
    assert [s["user"] for s in json.loads(out)] == ["analyst1", "liaison1"]
    assert all("secret" not in s for s in json.loads(out))
    code, out, _ = _cli("alerts", "list", "--user", "analyst1", "--db", url)
    assert code == 0 and "analyst1 ← webhook https://example.org/hook" in out
    assert "liaison1" not in out

    code, _, err = _cli("alerts", "unsubscribe", str(made["id"]), "--user", "liaison1", "--db", url)
    assert code == 1 and f"liaison1 has no live subscription {made['id']}" in err
    code, out, _ = _cli("alerts", "unsubscribe", str(made["id"]), "--user", "analyst1", "--db", url)
    assert code == 0 and f"subscription {made['id']} ended" in out
    code, out, _ = _cli("alerts", "list", "--user", "analyst1", "--db", url, "--json")
    assert json.loads(out) == []

    code, _, err = _cli("alerts", "deliveries", "--status", "lost", "--db", url)
    assert code == 1 and "'lost' is not a delivery status" in err
    code, out, _ = _cli("alerts", "deliveries", "--db", url, "--json")
    assert code == 0 and json.loads(out) == []


def test_every_alerts_command_has_help() -> None:
    for command in ("subscribe", "list", "unsubscribe", "deliveries", "retry"):
        code, out, _ = _cli("alerts", command, "--help")
        assert code == 0 and "--db" in out, command
    code, out, _ = _cli("alerts", "--help")
    assert code == 0
    for command in ("subscribe", "list", "unsubscribe", "deliveries", "retry"):
        assert command in out
