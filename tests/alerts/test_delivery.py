"""The service level: an alert is claimed once, whoever asks and however often."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.alerts.conftest import AGREEMENT, CONVOY, Mission
from trucewatch.alerts import (
    AlertSettings,
    alert_incident,
    list_deliveries,
    planned_alerts,
    subscribe,
    user_named,
)
from trucewatch.alerts import _claim_new as claim_new
from trucewatch.workflow import change_status

NO_SMTP = AlertSettings()


def test_an_alert_is_claimed_once(mission: Mission) -> None:
    db = mission.db
    analyst = user_named(db, "analyst1")
    subscribe(db, analyst, channel="email", target="desk@example.org", agreement=AGREEMENT)
    assert planned_alerts(db, CONVOY, settings=NO_SMTP) == []  # not verified yet
    for to in ("under_review", "verified"):
        change_status(db, CONVOY, to=to, user="analyst1", reason="service test")

    plans = planned_alerts(db, CONVOY, settings=NO_SMTP)
    assert sorted(p.obligation for p in plans) == [
        "cease-hostilities",
        "humanitarian-access",
        "no-air-operations",
    ]
    now = datetime.now(UTC)
    first = claim_new(db, plans[0], now)
    assert isinstance(first, int)
    assert claim_new(db, plans[0], now) is None  # the unique key refuses a second row

    made = alert_incident(db, "TW-SYR-0023", settings=NO_SMTP)  # a source's record id works too
    assert sorted(d.obligation for d in made) == sorted(p.obligation for p in plans[1:])
    assert {d.status for d in made} == {"failed"}
    assert alert_incident(db, CONVOY, settings=NO_SMTP) == []
    assert len(list_deliveries(db)) == 3
