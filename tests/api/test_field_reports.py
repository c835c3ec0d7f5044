"""Field reports through ``POST /api/field-reports``, on both databases.

A monitor's report becomes a ``reported`` incident with its provenance, its
evidence hashed on arrival and its sensitive part (the witness, where the
account was given) visible to analysts and that monitor only — also after
the incident is published.  A refused report stores nothing at all.

The reports submitted here are synthetic test data, labelled as such in
their text; they describe no real event.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from tests.api.conftest import Mission
from trucewatch.accounts import add_user
from trucewatch.api import Settings, create_app
from trucewatch.evidence import blob_path
from trucewatch.store.incidents import canonical_json, content_sha256
from trucewatch.store.schema import (
    audit_log,
    custody,
    evidence,
    field_reports,
    import_batches,
    incidents,
    reports,
)
from trucewatch.workflow import change_status, set_published

URL = "/api/field-reports"
WITNESS = "Synthetic Witness (test data), shopkeeper"

#: A synthetic report: a made-up event at a real place, labelled as test data.
REPORT: dict[str, Any] = {
    "date": "2016-09-20",
    "event_type": "Explosions/Remote violence",
    "sub_event_type": "Shelling/artillery/missile attack",
    "place": "Urum al-Kubra",
    "perpetrator": "Syrian Arab Army",
    "fatalities_best": "2",
    "fatalities_high": "3",
    "tags": ["civilians"],
    "description": "SYNTHETIC TEST REPORT: shells landed near the market, two killed.",
    "witness": WITNESS,
    "source_latitude": "36.2001",
    "source_longitude": "37.1502",
}


def png_bytes(colour: str = "red", size: int = 16) -> bytes:
    """A small synthetic PNG (made here, not a photo of anything)."""
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def noisy_png(size: int, seed: int = 9) -> bytes:
    """A synthetic PNG of seeded noise: it does not compress, so it is as large as it looks."""
    pixels = random.Random(seed).randbytes(size * size * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (size, size), pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def counts(mission: Mission) -> dict[str, int]:
    """Rows in every table a field report writes to, and files in the evidence store."""
    with mission.db.engine.connect() as conn:
        out = {
            t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in (
                incidents,
                reports,
                field_reports,
                evidence,
                custody,
                import_batches,
                audit_log,
            )
        }
    store = mission.store
    assert store is not None
    out["stored files"] = sum(1 for f in (store / "sha256").rglob("*") if f.is_file())
    return out


def submit(
    client: TestClient,
    headers: dict[str, str],
    fields: dict[str, Any],
    files: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
) -> Any:
    """POST a report as multipart (fields and files), the way a phone's form does."""
    data = {k: [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in fields.items()}
    return client.post(
        URL,
        headers=headers,
        data=data,
        files=[("files", f) for f in files] or None,
    )


def problems(response: Any) -> dict[str, str]:
    """The refused fields and their messages (with the fix)."""
    return {p["where"]: f"{p['message']} — {p['fix']}" for p in response.json()["problems"]}


def test_a_monitor_submits_a_report_with_a_photo(mission: Mission) -> None:
    photo = png_bytes()
    before = counts(mission)
    r = submit(
        mission.client,
        mission.auth("monitor1"),
        {**REPORT, "client_ref": "phone-1"},
        [("market.jpg", photo, "image/jpeg")],
    )
    assert r.status_code == 201, r.text
    body = r.json()
    incident_id = body["incident"]
    assert body["status"] == "reported" and body["duplicate"] is False
    assert body["placed_by"].startswith("gazetteer: matched Urum al-Kubra")
    after = counts(mission)
    assert after["incidents"] == before["incidents"] + 1
    assert after["evidence"] == before["evidence"] + 1
    assert after["stored files"] == before["stored files"] + 1

    with mission.db.engine.connect() as conn:
        row = conn.execute(select(incidents).where(incidents.c.id == incident_id)).mappings().one()
        report = conn.execute(select(reports).where(reports.c.incident_id == incident_id)).one()
        item = conn.execute(select(evidence).where(evidence.c.incident_id == incident_id)).one()
        chain = conn.execute(select(custody).where(custody.c.evidence_id == item.id)).all()
        entry = conn.execute(
            select(audit_log).where(
                audit_log.c.entity_id == incident_id, audit_log.c.action == "field_report"
            )
        ).one()
    # A reported incident, by the monitor, never verified by submitting it.
    assert row["status"] == "reported" and row["submitted_by"] == "monitor1"
    assert row["published"] is False and row["event_type"] == "Explosions/Remote violence"
    assert (row["location_name"], row["admin1"]) == ("Urum al-Kubra", "Aleppo")
    assert (row["fatalities_low"], row["fatalities_best"], row["fatalities_high"]) == (2, 2, 3)
    assert "monitor1" not in incident_id and "monitor1" not in row["source"]
    # Provenance like any import: source, raw values and their SHA-256 — no witness in them.
    assert report.source_id == "field"
    assert report.content_sha256 == content_sha256(canonical_json(report.original))
    assert body["content_sha256"] == report.content_sha256
    assert report.original["submitted_by"] == "monitor1"
    assert WITNESS not in json.dumps(report.original) and "36.2001" not in json.dumps(
        report.original
    )
    # Evidence hashed on arrival: the stored SHA-256 is the photo's, and so are the stored bytes.
    digest = hashlib.sha256(photo).hexdigest()
    assert item.sha256 == digest == body["evidence"][0]["sha256"]
    assert item.media_type == "image/png"  # the content decides, not the name or header
    assert item.filename == "market.png" and item.collector == "monitor1"
    stored = blob_path(mission.store, digest)  # type: ignore[arg-type]
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == digest
    assert [(c.action, c.to_holder, c.user_name) for c in chain] == [
        ("collected", "monitor1", "monitor1")
    ]
    # Audited with the user, and the witness is not in the audit log either.
    assert entry.user_name == "monitor1"
    assert entry.after["attachments"][0]["sha256"] == digest
    assert WITNESS not in json.dumps(entry.after)


def test_the_witness_is_seen_by_analysts_and_the_monitor_only(mission: Mission) -> None:
    _, mission.tokens["monitor2"] = add_user(mission.db, "monitor2", "monitor", by="setup")
    r = mission.client.post(
        URL, headers=mission.auth("monitor1"), json={**REPORT, "fatalities_best": 2}
    )
    assert r.status_code == 201, r.text
    incident_id = r.json()["incident"]
    url = f"/api/incidents/{incident_id}"

    def seen(who: str) -> Any:
        return mission.client.get(url, headers=mission.auth(who))

    for who in ("analyst1", "monitor1", "admin1"):
        (report,) = seen(who).json()["field_reports"]
        assert report["witness"] == WITNESS, who
        assert (report["source_latitude"], report["source_longitude"]) == (36.2001, 37.1502)
    # Unpublished: nobody else sees the incident at all.
    for who in ("public1", "liaison1", "monitor2", "anonymous"):
        assert seen(who).status_code == 404, who

    change_status(mission.db, incident_id, to="under_review", user="analyst1", reason="test")
    change_status(mission.db, incident_id, to="verified", user="analyst1", reason="test")
    set_published(mission.db, incident_id, published=True, user="analyst1", reason="test")
    for who in ("public1", "liaison1", "monitor2", "anonymous"):
        response = seen(who)
        assert response.status_code == 200, who
        (report,) = response.json()["field_reports"]
        assert report["description"].startswith("SYNTHETIC TEST REPORT")
        for hidden in ("witness", "source_latitude", "source_longitude", "user_name"):
            assert hidden not in report, (who, hidden)
        assert WITNESS not in response.text and "36.2001" not in response.text
        assert "monitor1" not in response.text
        page = mission.client.get(f"/incidents/{incident_id}", headers=mission.auth(who))
        assert page.status_code == 200 and "SYNTHETIC TEST REPORT" in page.text
        assert WITNESS not in page.text and "36.2001" not in page.text
    analyst_page = mission.client.get(f"/incidents/{incident_id}", headers=mission.auth("analyst1"))
    assert WITNESS in analyst_page.text


@pytest.fixture
def small_limit(mission: Mission) -> Iterator[TestClient]:
    """The same database and store served with a 4 kB upload limit."""
    settings = Settings(db_url=mission.db.url, evidence_store=mission.store, max_upload_bytes=4096)
    with TestClient(create_app(settings, db=mission.db)) as client:
        yield client


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(200)


#: Each mistake: the change to a good report (or the file added), where it is
#: reported, and what the message says.
MISTAKES: list[tuple[str, dict[str, str], list[tuple[str, bytes, str]], str, str]] = [
    (
        "bad date",
        {"date": "2016-09-31"},
        [],
        "date",
        "'2016-09-31' is not a date — give it as YYYY-MM-DD",
    ),
    (
        "latitude 95",
        {"latitude": "95", "longitude": "37.1"},
        [],
        "latitude",
        "the place latitude 95 is outside -90 to 90",
    ),
    (
        "unknown event type",
        {"event_type": "Explosions"},
        [],
        "event_type",
        "'Explosions' is not an ACLED event type",
    ),
    (
        "oversize upload",
        {},
        [("big.png", noisy_png(64), "image/png")],
        "files: big.png",
        "the file is larger than the limit of 4,096 bytes",
    ),
    (
        "an .exe renamed .jpg",
        {},
        [("holiday.jpg", EXE, "image/jpeg")],
        "files: holiday.jpg",
        "the file's content is not an accepted type (it says image/jpeg)",
    ),
    (
        "sub-event of another type",
        {"sub_event_type": "Armed clash"},
        [],
        "sub_event_type",
        "'Armed clash' is a kind of 'Battles', not of 'Explosions/Remote violence'",
    ),
    (
        "unknown place, no coordinates",
        {"place": "Nowhere-at-all"},
        [],
        "place",
        "no place called 'Nowhere-at-all' in the gazetteer, and no coordinates were given",
    ),
]


def test_bad_input_is_refused_with_its_message_and_nothing_is_stored(
    mission: Mission, small_limit: TestClient
) -> None:
    # One good photo rides along: a refused report must not keep it either.
    good = ("fine.png", png_bytes("green"), "image/png")
    for name, change, files, where, message in MISTAKES:
        before = counts(mission)
        r = submit(small_limit, mission.auth("monitor1"), {**REPORT, **change}, [good, *files])
        assert r.status_code == 400, (name, r.text)
        found = problems(r)
        assert where in found, (name, found)
        assert message in found[where], name
        assert counts(mission) == before, name


def test_a_json_report_with_several_mistakes_lists_each(mission: Mission) -> None:
    before = counts(mission)
    r = mission.client.post(
        URL,
        headers=mission.auth("monitor1"),
        json={
            "date": "19/09/2016",
            "event_type": "Battles",
            "sub_event_type": "Armed clash",
            "place": "Urum al-Kubra",
            "fatalities_low": 5,
            "fatalities_best": 2,
            "description": "SYNTHETIC TEST REPORT with mistakes",
            "lattitude": 36.1,
        },
    )
    assert r.status_code == 400
    found = problems(r)
    assert set(found) == {"date", "fatalities_best", "lattitude"}
    assert "did you mean 'latitude'?" in found["lattitude"]
    assert "low ≤ best ≤ high, got 5 / 2 / 2" in found["fatalities_best"]
    assert counts(mission) == before
    broken = mission.client.post(
        URL,
        headers={**mission.auth("monitor1"), "content-type": "application/json"},
        content=b"{not json",
    )
    assert broken.status_code == 400 and problems(broken) == {
        "body": "the body is not valid JSON — send one JSON object"
    }


def test_only_those_who_submit_may_submit(mission: Mission) -> None:
    before = counts(mission)
    anonymous = mission.client.post(URL, json=REPORT)
    assert anonymous.status_code == 401
    assert "sign in first" in anonymous.json()["detail"]
    for who in ("public1", "liaison1"):
        refused = mission.client.post(URL, headers=mission.auth(who), json=REPORT)
        assert refused.status_code == 403, who
        assert "may not do this (needs 'submit')" in refused.json()["detail"]
    assert counts(mission) == before


def test_a_resend_with_the_same_client_ref_is_stored_once(mission: Mission, tmp_path: Path) -> None:
    photo = png_bytes("yellow")
    fields = {**REPORT, "client_ref": "3f1c2a9e-resend"}
    before = counts(mission)
    first = submit(
        mission.client, mission.auth("monitor1"), fields, [("a.png", photo, "image/png")]
    )
    assert first.status_code == 201
    once = counts(mission)
    again = submit(
        mission.client, mission.auth("monitor1"), fields, [("a.png", photo, "image/png")]
    )
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["incident"] == first.json()["incident"]
    assert again.json()["evidence"][0]["sha256"] == hashlib.sha256(photo).hexdigest()
    assert counts(mission) == once
    assert once["incidents"] == before["incidents"] + 1
    # Another user cannot take over someone's client_ref.
    taken = mission.client.post(URL, headers=mission.auth("analyst1"), json=fields)
    assert taken.status_code == 400
    assert "already used by another submission" in problems(taken)["client_ref"]
