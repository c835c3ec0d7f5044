"""Each endpoint beyond the incident list on the Sept 2016 case: what it answers, and its errors.

The facts checked are those of the shipped case (tests/test_demo.py): the
19 Sept attack on the UN/SARC convoy at Urum al-Kubra violates
humanitarian-access with responsibility contested between Russia and the
Syrian government, Russia denied and offered other explanations, and nobody
in besieged east Aleppo was reached while the arrangement was in force.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.api.conftest import AGREEMENT, CONVOY, Mission
from trucewatch.store.schema import audit_log, replies
from trucewatch.workflow import change_status, set_published


def publish(mission: Mission, incident_id: str) -> None:
    """Review and publish an incident as an analyst would (through the workflow)."""
    db = mission.db
    change_status(db, incident_id, to="under_review", user="analyst1", reason="test: review")
    change_status(db, incident_id, to="verified", user="analyst1", reason="test: checked")
    set_published(db, incident_id, published=True, user="analyst1", reason="test: publish")


def get(mission: Mission, who: str | None, url: str, **params: Any) -> Any:
    """GET as user ``who`` (None: anonymously); the response."""
    headers = mission.auth(who) if who else {}
    return mission.client.get(url, params=params or None, headers=headers)


def detail(response: Any) -> str:
    """The error message of a refused request."""
    body = response.json()
    return str(body["detail"])


# --------------------------------------------------------------------------- agreements


def test_agreements_list_terms_and_zones(mission: Mission) -> None:
    listed = get(mission, "analyst1", "/api/agreements")
    assert listed.status_code == 200
    by_id = {a["id"]: a for a in listed.json()["items"]}
    assert {"syria-2016-02-cessation-of-hostilities", AGREEMENT} <= set(by_id)
    sept = by_id[AGREEMENT]
    assert sept["signed"] == "2016-09-09"
    assert sept["sides"]["government"]["members"] == ["syria-government"]
    assert "russia" in sept["sides"]["government"]["allies"]
    first = sept["phases"][0]
    assert first["id"] == "reduced-violence"
    # In force at sunset, 19:00 Damascus time, on 12 Sept.
    assert first["start"] == "2016-09-12T19:00:00+03:00"

    terms = get(mission, "public1", f"/api/agreements/{AGREEMENT}")
    assert terms.status_code == 200
    obligations = [o["id"] for o in terms.json()["agreement"]["obligations"]]
    assert "humanitarian-access" in obligations and "no-air-operations" in obligations

    zones = get(mission, None, f"/api/agreements/{AGREEMENT}/zones.geojson")
    assert zones.status_code == 200
    assert zones.headers["content-type"].startswith("application/geo+json")
    features = {f["id"]: f for f in zones.json()["features"]}
    aleppo = features["east-aleppo"]
    assert aleppo["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert aleppo["properties"]["population"] == 250000
    assert aleppo["properties"]["version"] == 0
    designated = features["designated-areas"]["properties"]
    # The real designated areas were never published: approximate, by governorate.
    assert designated["approximate"] is True
    assert features["designated-areas"]["geometry"] is None
    assert "Idlib" in designated["admin1"]

    missing = get(mission, "analyst1", "/api/agreements/no-such-agreement")
    assert missing.status_code == 404
    assert detail(missing) == "not found: no-such-agreement"
    assert get(mission, "analyst1", "/api/agreements/no-such/zones.geojson").status_code == 404
    bad = get(mission, "analyst1", "/api/agreements/Not_An_Id")
    assert bad.status_code == 422
    assert "should match pattern" in bad.text


def test_a_stored_agreement_is_listed_beside_the_shipped_ones(mission: Mission) -> None:
    from datetime import UTC, datetime

    from trucewatch.actors import ActorRegistry
    from trucewatch.agreements import agreement_path, parse_agreement
    from trucewatch.store.agreements import save_agreement

    # A test copy of a shipped agreement under another id, labelled as such.
    text = (
        agreement_path("syria-2016-02-cessation-of-hostilities")
        .read_text(encoding="utf-8")
        .replace("id: syria-2016-02-cessation-of-hostilities", "id: test-copy-of-feb-2016")
        .replace("title: Terms for", "title: TEST COPY of the Terms for")
    )
    agreement = parse_agreement(text, name="test copy", actors=ActorRegistry.shipped())
    with mission.db.transaction() as conn:
        save_agreement(conn, agreement, text, user="analyst1", now=datetime.now(UTC))
    listed = {a["id"]: a for a in get(mission, "public1", "/api/agreements").json()["items"]}
    copy = listed["test-copy-of-feb-2016"]
    assert copy["origin"] == "stored" and copy["stored_version"] == 1
    assert copy["title"].startswith("TEST COPY")
    assert listed[AGREEMENT]["origin"] == "shipped" and listed[AGREEMENT]["stored_version"] is None
    terms = get(mission, "public1", "/api/agreements/test-copy-of-feb-2016").json()
    assert terms["origin"] == "stored"
    assert terms["agreement"]["signed"] == "2016-02-22"
    zones = get(mission, "public1", "/api/agreements/test-copy-of-feb-2016/zones.geojson")
    assert zones.status_code == 200 and zones.json()["agreement"] == "test-copy-of-feb-2016"
    # Evaluations run against shipped agreements only, and say so.
    refused = get(mission, "public1", "/api/compliance", agreement="test-copy-of-feb-2016")
    assert refused.status_code == 400
    assert "'test-copy-of-feb-2016' is not an agreement this server evaluates" in detail(refused)


# --------------------------------------------------------------------------- one incident


def test_the_convoy_attack_in_full(mission: Mission) -> None:
    r = get(mission, "analyst1", f"/api/incidents/{CONVOY}", agreement=AGREEMENT)
    assert r.status_code == 200
    body = r.json()
    assert body["incident"]["location"]["name"] == "Urum al Kubra"
    assert body["incident"]["date"] == "2016-09-19"
    assert body["status"] == "reported" and body["published"] is False
    assert body["version"] == 1
    access = next(f for f in body["findings"] if f["obligation"] == "humanitarian-access")
    assert access["verdict"] == "violation"
    assert access["contested"] is True
    assert {x["actor"] for x in access["responsible"]} == {"russia", "syria-government"}
    assert body["verdict"] == "violation"
    assert body["attribution"]["status"] == "contested"
    assert set(body["attribution"]["contested_between"][:2]) == {"russia", "syria-government"}
    kinds = {(c["claimant"], c["kind"]) for c in body["claims"]}
    assert ("russia", "denies") in kinds
    assert ("russia", "alternative_explanation") in kinds
    for claim in body["claims"]:
        assert claim["source"]["reliability"] in "ABCDEF"
        assert claim["grade"] == claim["source"]["reliability"] + claim["credibility"]
    # Analysts see where the record came from: the case file's row and raw values.
    (report,) = body["reports"]
    assert report["external_id"] == "TW-SYR-0023"
    assert report["original"]["location"] == "Urum al Kubra"
    assert report["row"] > 1
    assert any(h["action"] == "claim" for h in body["history"])

    # Without an agreement: the attribution from the claims, and no findings.
    plain = get(mission, "admin1", f"/api/incidents/{CONVOY}").json()
    assert plain["agreement"] is None and plain["findings"] == [] and plain["verdict"] is None
    assert plain["attribution"]["status"] == "contested"


def test_incident_errors(mission: Mission) -> None:
    missing = get(mission, "analyst1", "/api/incidents/case:NO-SUCH")
    assert missing.status_code == 404
    assert detail(missing) == "not found: case:NO-SUCH"
    unknown = get(mission, "analyst1", f"/api/incidents/{CONVOY}", agreement="no-such-deal")
    assert unknown.status_code == 400
    assert "'no-such-deal' is not an agreement this server evaluates" in detail(unknown)
    assert unknown.json()["problems"][0]["where"] == "agreement"
    # A path is never taken for an agreement id.
    path = get(mission, "analyst1", f"/api/incidents/{CONVOY}", agreement="/etc/hostname")
    assert path.status_code == 422


def test_incidents_geojson_carries_verdicts(mission: Mission) -> None:
    r = get(
        mission,
        "analyst1",
        "/api/incidents.geojson",
        agreement=AGREEMENT,
        date_from="2016-09-19",
        date_to="2016-09-19",
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/geo+json")
    body = r.json()
    assert body["type"] == "FeatureCollection"
    convoy = next(f for f in body["features"] if f["id"] == CONVOY)
    lon, lat = convoy["geometry"]["coordinates"]
    assert (round(lat, 3), round(lon, 3)) == (36.148, 36.948)  # [longitude, latitude]
    assert convoy["properties"]["verdict"] == "violation"
    assert convoy["properties"]["verdicts"]["humanitarian-access"] == "violation"
    assert all(f["properties"]["date"] == "2016-09-19" for f in body["features"])

    # Capped by limit, with a cursor for the rest; no verdicts without an agreement.
    page = get(mission, "analyst1", "/api/incidents.geojson", limit=5).json()
    assert len(page["features"]) == 5 and page["next_cursor"]
    assert "verdict" not in page["features"][0]["properties"]
    rest = get(mission, "analyst1", "/api/incidents.geojson", limit=500, cursor=page["next_cursor"])
    assert len(rest.json()["features"]) == 39 - 5

    needs = get(mission, "analyst1", "/api/incidents.geojson", verdict="violation")
    assert needs.status_code == 400
    assert "a zone or verdict filter needs an agreement" in detail(needs)
    assert get(mission, "analyst1", "/api/incidents.geojson", limit=0).status_code == 422


def test_claims_of_an_incident(mission: Mission) -> None:
    r = get(mission, "analyst1", "/api/claims", incident=CONVOY)
    assert r.status_code == 200
    items = r.json()["items"]
    assert {c["incident"] for c in items} == {CONVOY}
    denial = next(c for c in items if c["claimant"] == "russia" and c["kind"] == "denies")
    assert denial["source"]["name"]
    assert get(mission, "analyst1", "/api/claims").status_code == 422
    assert get(mission, "analyst1", "/api/claims", incident="case:NOPE").status_code == 404
    # The public does not see claims about an unpublished incident: it does not exist for them.
    assert get(mission, "public1", "/api/claims", incident=CONVOY).status_code == 404


# --------------------------------------------------------------------------- findings


def test_findings_filters_and_pages(mission: Mission) -> None:
    r = get(mission, "analyst1", "/api/findings", agreement=AGREEMENT, incident=CONVOY)
    assert r.status_code == 200
    found = {f["obligation"]: f for f in r.json()["items"]}
    assert found["humanitarian-access"]["verdict"] == "violation"
    assert found["humanitarian-access"]["attribution_status"] == "contested"

    everything = get(mission, "analyst1", "/api/findings", agreement=AGREEMENT, limit=2000)
    every = everything.json()["items"]
    assert len(every) == 39 * 3 and everything.json()["next_cursor"] is None
    paged: list[dict[str, Any]] = []
    cursor = None
    for _ in range(20):
        params: dict[str, Any] = {"agreement": AGREEMENT, "limit": 10}
        if cursor:
            params["cursor"] = cursor
        page = get(mission, "analyst1", "/api/findings", **params).json()
        paged += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert paged == every

    violations = get(mission, "analyst1", "/api/findings", agreement=AGREEMENT, verdict="violation")
    assert violations.json()["items"] and all(
        f["verdict"] == "violation" for f in violations.json()["items"]
    )
    russia = get(mission, "analyst1", "/api/findings", agreement=AGREEMENT, party="russia").json()
    assert russia["items"] and all(
        "russia" in {x["actor"] for x in f["responsible"]} for f in russia["items"]
    )
    spoilers = [f for f in every if f["verdict"] == "spoiler_activity"]
    assert spoilers  # Islamic State's attacks are spoiler activity, not violations

    bad = get(mission, "analyst1", "/api/findings", agreement=AGREEMENT, cursor="garbage!")
    assert bad.status_code == 400
    assert "this cursor was not made by this server" in detail(bad)
    assert get(mission, "analyst1", "/api/findings").status_code == 422
    wrong = get(mission, "analyst1", "/api/findings", agreement=AGREEMENT, verdict="guilty")
    assert wrong.status_code == 422


def test_compliance_matrix(mission: Mission) -> None:
    r = get(mission, "analyst1", "/api/compliance", agreement=AGREEMENT)
    assert r.status_code == 200
    matrix = r.json()
    obligations = ["no-air-operations", "cease-hostilities", "humanitarian-access"]
    assert matrix["obligations"] == obligations
    rows = {p["party"]: p for p in matrix["parties"]}
    government = rows["syria-government"]
    assert government["side"] == "government"
    # The convoy attack counts as contested for the Syrian government, not as its sole act.
    assert government["cells"]["humanitarian-access"]["contested"] >= 1
    assert rows["russia"]["cells"]["humanitarian-access"]["contested"] >= 1
    unknown = get(mission, "analyst1", "/api/compliance", agreement="syria-2016-09-us-rusia")
    assert unknown.status_code == 400
    assert "did you mean syria-2016-09-us-russia?" in detail(unknown)


# --------------------------------------------------------------------------- replies


def test_a_liaison_replies_to_a_finding_about_their_party(mission: Mission) -> None:
    body = {
        "agreement": AGREEMENT,
        "obligation": "humanitarian-access",
        "text": "The Syrian Arab Army conducted no air operations near Urum al-Kubra that day.",
    }
    r = mission.client.post(
        f"/api/incidents/{CONVOY}/replies", json=body, headers=mission.auth("liaison1")
    )
    assert r.status_code == 201, r.text
    assert r.json()["party"] == "syria-government"
    assert r.json()["incident"] == CONVOY
    shown = get(mission, "analyst1", f"/api/incidents/{CONVOY}").json()
    (reply,) = shown["replies"]
    assert reply["text"] == body["text"] and reply["user_name"] == "liaison1"
    with mission.db.engine.connect() as conn:
        who = conn.execute(
            select(audit_log.c.user_name).where(
                audit_log.c.action == "reply", audit_log.c.entity_id == CONVOY
            )
        ).scalar_one()
    assert who == "liaison1"


def test_replies_are_refused_with_reasons(mission: Mission) -> None:
    def reply(who: str, incident: str, **fields: Any) -> Any:
        body = {"agreement": AGREEMENT, "obligation": "humanitarian-access", "text": "Reply."}
        body.update(fields)
        return mission.client.post(
            f"/api/incidents/{incident}/replies", json=body, headers=mission.auth(who)
        )

    other = reply("liaison1", CONVOY, party="russia")
    assert other.status_code == 403
    assert detail(other) == "you speak for syria-government; you may not reply for russia"
    # An admin records a reply received by letter, and must say for which party.
    admin = reply("admin1", CONVOY)
    assert admin.status_code == 400
    assert "must name the party" in detail(admin)
    assert reply("admin1", CONVOY, party="russia").status_code == 201
    wrong = reply("liaison1", CONVOY, obligation="no-such-obligation")
    assert wrong.status_code == 400
    assert "no finding on obligation 'no-such-obligation'" in detail(wrong)
    analyst = reply("analyst1", CONVOY)
    assert analyst.status_code == 403
    assert detail(analyst) == "a analyst may not do this (needs 'reply')"

    # A published Islamic State attack: its findings name IS, not the government's side.
    findings = get(mission, "analyst1", "/api/findings", agreement=AGREEMENT).json()["items"]
    spoiler = next(
        f
        for f in findings
        if f["verdict"] == "spoiler_activity"
        and {x["actor"] for x in f["responsible"]} == {"islamic-state"}
    )
    hidden = reply("liaison1", spoiler["incident"], obligation=spoiler["obligation"])
    assert hidden.status_code == 404  # unpublished and not about them: it does not exist
    publish(mission, spoiler["incident"])
    refused = reply("liaison1", spoiler["incident"], obligation=spoiler["obligation"])
    assert refused.status_code == 403
    assert detail(refused).endswith(
        "names islamic-state, not syria-government or its side: "
        "a party replies only to findings about it"
    )
    with mission.db.engine.connect() as conn:
        stored = conn.execute(select(replies.c.party)).scalars().all()
    assert stored == ["russia"]  # only the admin's reply was stored


# --------------------------------------------------------------------------- access


def test_access_events_and_the_agreement_record(mission: Mission) -> None:
    listed = get(mission, "public1", "/api/access", agreement=AGREEMENT)
    assert listed.status_code == 200
    events = listed.json()["items"]
    assert events and all(e["agreement"] in (AGREEMENT, None) for e in events)
    attacked = get(mission, "public1", "/api/access", status="attacked").json()["items"]
    assert attacked and all(e["status"] == "attacked" for e in attacked)
    one = attacked[0]["id"]
    to_aleppo = get(mission, "public1", "/api/access", destination="east-aleppo").json()["items"]
    assert to_aleppo and all(e["destination"] == "east-aleppo" for e in to_aleppo)

    public = get(mission, "public1", f"/api/access/{one}").json()
    assert public["event"]["id"] == one and "history" not in public
    analyst = get(mission, "analyst1", f"/api/access/{one}").json()
    assert analyst["history"] and analyst["history"][0]["user_name"] == "loader"

    report = get(mission, "analyst1", "/api/access/report", agreement=AGREEMENT)
    assert report.status_code == 200
    (aleppo,) = [c for c in report.json()["commitments"] if c["commitment"] == "east-aleppo-access"]
    assert aleppo["target_people"] == 250000
    assert aleppo["people_reached"] == 0
    assert aleppo["status"] == "not_met"

    assert get(mission, "public1", "/api/access/no-such-convoy").status_code == 404
    assert get(mission, "public1", "/api/access", status="lost").status_code == 422
    assert get(mission, "public1", "/api/access/report").status_code == 422


def test_an_unpublished_attack_stays_unattributed_in_the_public_access_record(
    mission: Mission,
) -> None:
    def convoy_attacks(who: str) -> list[dict[str, Any]]:
        body = get(mission, who, "/api/access/report", agreement=AGREEMENT).json()
        return [o for o in body["obstructions"] if o["status"] == "attacked"]

    analyst = convoy_attacks("analyst1")
    assert analyst and analyst[0]["attribution"].startswith("contested: russia")
    public = convoy_attacks("public1")
    assert public and all(o["attribution"] is None for o in public)
    publish(mission, CONVOY)
    assert convoy_attacks("public1") == analyst


# --------------------------------------------------------------------------- reports


def test_reports_download(mission: Mission) -> None:
    html = get(mission, "analyst1", f"/api/reports/{AGREEMENT}")
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert html.headers["content-disposition"] == (f'attachment; filename="{AGREEMENT}-all.html"')
    assert "<html" in html.text and "Urum al" in html.text
    md = get(mission, "admin1", f"/api/reports/{AGREEMENT}", format="md", period="weekly")
    assert md.status_code == 200
    assert md.text.startswith("# Monitoring report")
    dated = get(mission, "analyst1", f"/api/reports/{AGREEMENT}", format="md", date="2016-09-19")
    assert dated.headers["content-disposition"].endswith('-all-2016-09-19.md"')

    outside = get(mission, "analyst1", f"/api/reports/{AGREEMENT}", date="2019-01-01")
    assert outside.status_code == 400
    assert "2019-01-01 is outside the agreement's window" in detail(outside)
    assert get(mission, "analyst1", "/api/reports/no-such-deal").status_code == 404
    assert get(mission, "analyst1", f"/api/reports/{AGREEMENT}", format="pdf").status_code == 422
    refused = get(mission, "public1", f"/api/reports/{AGREEMENT}")
    assert refused.status_code == 403
    assert "only analysts and admins may download it" in detail(refused)


# --------------------------------------------------------------------------- users


def test_who_am_i(mission: Mission) -> None:
    anonymous = mission.client.get("/api/me").json()
    assert anonymous["role"] == "public" and anonymous["via"] == "anonymous"
    assert anonymous["permissions"] == ["export", "read"]
    liaison = get(mission, "liaison1", "/api/me").json()
    assert liaison["name"] == "liaison1" and liaison["party"] == "syria-government"
    assert "reply" in liaison["permissions"] and liaison["via"] == "token"
    bad = mission.client.get("/api/me", headers={"Authorization": "Bearer tw_not-a-token"})
    assert bad.status_code == 401


def test_an_admin_adds_and_revokes_a_user(mission: Mission) -> None:
    admin = mission.auth("admin1")
    made = mission.client.post(
        "/api/users",
        json={"name": "liaison2", "role": "party_liaison", "party": "armed-opposition"},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    assert made.json()["user"]["party"] == "armed-opposition"
    mine = {"Authorization": f"Bearer {token}"}
    assert mission.client.get("/api/me", headers=mine).json()["name"] == "liaison2"
    listed = get(mission, "admin1", "/api/users").json()["items"]
    assert "liaison2" in {u["name"] for u in listed}

    revoked = mission.client.post("/api/users/liaison2/revoke", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked"] == 1
    assert mission.client.get("/api/me", headers=mine).status_code == 401
    with mission.db.engine.connect() as conn:
        actions = conn.execute(
            select(audit_log.c.action, audit_log.c.user_name).where(
                audit_log.c.entity_id == "liaison2"
            )
        ).all()
    assert {(a, u) for a, u in actions} >= {
        ("user_added", "admin1"),
        ("token_issued", "admin1"),
        ("tokens_revoked", "admin1"),
    }

    assert mission.client.post("/api/users/nobody/revoke", headers=admin).status_code == 404
    partyless = mission.client.post(
        "/api/users", json={"name": "liaison3", "role": "party_liaison"}, headers=admin
    )
    assert partyless.status_code == 400
    assert "a party liaison needs the party they speak for" in detail(partyless)
    twice = mission.client.post(
        "/api/users", json={"name": "liaison2", "role": "public"}, headers=admin
    )
    assert twice.status_code == 400 and "user 'liaison2' already exists" in detail(twice)
    role = mission.client.post("/api/users", json={"name": "x", "role": "king"}, headers=admin)
    assert role.status_code == 422
