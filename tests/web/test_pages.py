"""The dashboard's pages through the real app (no browser), on both databases.

Sign-in and sign-out with a strict session cookie and CSRF tokens; the
verification forms and their refusals (a stale version says someone changed
it meanwhile); the compliance matrix counting what an analyst verified; what
the public and a party see; the field form keeping what was typed when it
refuses.  The browser test (test_dashboard.py) walks the same pages in
Chromium.

Field reports sent here are synthetic test data, labelled as such.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.api.conftest import AGREEMENT, CONVOY, PASSWORD, Mission
from trucewatch.accounts import ANONYMOUS, list_users
from trucewatch.api import Settings, create_app
from trucewatch.browse import EvaluationCache, visible_health
from trucewatch.service import stored_health
from trucewatch.store.schema import incidents
from trucewatch.workflow import change_status, incident_status, set_published

SYNTHETIC = "SYNTHETIC TEST REPORT: a shell hit the bakery queue; two injured."


def form_sign_in(client: TestClient, name: str, next_path: str = "/") -> Any:
    """Sign in through the form (the login token comes from the form's cookie)."""
    page = client.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token is not None
    return client.post(
        "/login",
        data={
            "name": name,
            "password": PASSWORD,
            "login_token": token.group(1),
            "next": next_path,
        },
        follow_redirects=False,
    )


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None and found.group(1)
    return found.group(1)


def listed(html: str) -> list[str]:
    """Incident ids the map page's list links to (each row links twice)."""
    return list(dict.fromkeys(re.findall(r'<td><a href="/incidents/([^"?]+)\?', html)))


def cell(html: str, party: str, obligation: str) -> int:
    """The verified count of one compliance-matrix cell."""
    found = re.search(
        rf'data-party="{re.escape(party)}" data-obligation="{obligation}" data-verified="(\d+)"',
        html,
    )
    assert found is not None, (party, obligation)
    return int(found.group(1))


def verified_total(html: str) -> int:
    found = re.search(r'id="verified-total">([\d,]+)<', html)
    assert found is not None
    return int(found.group(1).replace(",", ""))


def test_sign_in_sets_a_strict_session_cookie_and_sign_out_ends_it(mission: Mission) -> None:
    client = mission.client
    page = client.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token is not None
    wrong = client.post(
        "/login",
        data={"name": "analyst1", "password": "not the password", "login_token": token.group(1)},
    )
    assert wrong.status_code == 401
    assert "The name or the password is wrong" in wrong.text
    forged = client.post(
        "/login",
        data={"name": "analyst1", "password": PASSWORD, "login_token": "made-up"},
    )
    assert forged.status_code == 400 and "The sign-in form expired" in forged.text

    signed = form_sign_in(client, "analyst1", "/review")
    assert signed.status_code == 303 and signed.headers["location"] == "/review"
    cookie = signed.headers["set-cookie"]
    assert "tw_session=tw_" in cookie and "HttpOnly" in cookie
    assert "SameSite=strict" in cookie and "Secure" not in cookie
    review = client.get("/review")
    assert review.status_code == 200 and "analyst1" in review.text

    refused = client.post("/logout")  # no CSRF token
    assert refused.status_code == 403 and "missing or wrong CSRF token" in refused.text
    assert client.get("/review").status_code == 200  # still signed in
    out = client.post("/logout", data={"csrf_token": csrf_of(review.text)}, follow_redirects=False)
    assert out.status_code == 303
    client.cookies.clear()
    back = client.get("/review", follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"] == "/login?next=%2Freview"

    # A sign-in never sends the browser elsewhere; behind TLS the cookie is Secure.
    assert form_sign_in(client, "analyst1", "//elsewhere.example/").headers["location"] == "/"
    settings = Settings(db_url=mission.db.url, evidence_store=mission.store, secure_cookies=True)
    with TestClient(create_app(settings, db=mission.db)) as tls:
        assert "Secure" in form_sign_in(tls, "monitor1").headers["set-cookie"]


def test_verification_forms_record_decisions_and_refuse_stale_or_wrong_ones(
    mission: Mission,
) -> None:
    client = mission.client
    analyst = mission.auth("analyst1")
    url = f"/incidents/{CONVOY}"
    moved = client.post(
        f"{url}/status",
        headers=analyst,
        data={"to": "under_review", "reason": "test: opened", "version": "1"},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    assert moved.headers["location"] == f"{url}?agreement={AGREEMENT}&msg=status"
    shown = client.get(moved.headers["location"], headers=analyst)
    assert "Status changed." in shown.text and "version 2" in shown.text

    stale = client.post(
        f"{url}/status",
        headers=analyst,
        data={"to": "verified", "reason": "test: on what I saw", "version": "1"},
    )
    assert stale.status_code == 409
    assert "Someone changed this incident meanwhile" in stale.text
    assert "You decided on version 1; it is now at version 2" in stale.text
    assert incident_status(mission.db, CONVOY) == "under_review"

    wrong = client.post(
        f"{url}/status", headers=analyst, data={"to": "reported", "reason": "x", "version": "2"}
    )
    assert wrong.status_code == 400
    assert "it can go to: verified, disputed, dismissed" in wrong.text
    early = client.post(f"{url}/publish", headers=analyst, data={"reason": "test", "version": "2"})
    assert early.status_code == 400
    assert "only a verified or disputed incident can be published" in early.text
    no_reason = client.post(
        f"{url}/status", headers=analyst, data={"to": "verified", "reason": " ", "version": "2"}
    )
    assert no_reason.status_code == 400 and "give a reason" in no_reason.text
    monitor = client.post(
        f"{url}/status",
        headers=mission.auth("monitor1"),
        data={"to": "verified", "reason": "mine", "version": "2"},
    )
    assert monitor.status_code == 403 and "a monitor may not do this" in monitor.text

    # A browser session must send its CSRF token with the form.
    form_sign_in(client, "analyst1")
    forged = client.post(f"{url}/status", data={"to": "verified", "reason": "x", "version": "2"})
    assert forged.status_code == 403 and "CSRF" in forged.text
    assert incident_status(mission.db, CONVOY) == "under_review"
    page = client.get(url)
    done = client.post(
        f"{url}/status",
        data={
            "to": "verified",
            "reason": "test: corroborated",
            "version": "2",
            "csrf_token": csrf_of(page.text),
            "back": "/review",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/review?msg=status"
    assert incident_status(mission.db, CONVOY) == "verified"
    published = client.post(
        f"{url}/publish",
        data={"reason": "test: publish", "version": "3", "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert published.status_code == 303 and "msg=published" in published.headers["location"]
    assert "published" in client.get(url).text


def test_compliance_counts_what_was_verified_and_each_role_sees_its_scope(
    mission: Mission,
) -> None:
    client = mission.client
    analyst = mission.auth("analyst1")
    before = client.get("/compliance", headers=analyst).text
    assert cell(before, "syria-government", "humanitarian-access") == 0
    assert verified_total(before) == 0

    public = client.get("/")
    assert public.status_code == 200 and listed(public.text) == []
    assert "No incident matches among the published ones" in public.text
    assert client.get(f"/incidents/{CONVOY}").status_code == 404
    assert verified_total(client.get("/compliance").text) == 0
    analyst_health = visible_health(
        mission.db,
        next(u for u in list_users(mission.db) if u.name == "analyst1"),
        AGREEMENT,
        cache=EvaluationCache(),
    )
    # For an analyst the dashboard's health is the stored health, exactly.
    stored = stored_health(AGREEMENT, mission.db)
    assert analyst_health.health.as_json() == stored.health.as_json()
    public_health = visible_health(mission.db, ANONYMOUS, AGREEMENT, cache=EvaluationCache())
    assert sum(s.party_events for s in public_health.series) == 0
    assert sum(s.party_events for s in analyst_health.series) > 0

    change_status(mission.db, CONVOY, to="under_review", user="analyst1", reason="test")
    change_status(mission.db, CONVOY, to="verified", user="analyst1", reason="test")
    after = client.get("/compliance", headers=analyst).text
    assert cell(after, "syria-government", "humanitarian-access") == 1
    assert cell(after, "russia", "humanitarian-access") == 1
    # Three obligations violated, responsibility contested between two parties.
    assert verified_total(after) == 6

    set_published(mission.db, CONVOY, published=True, user="analyst1", reason="test")
    for who in ("anonymous", "public1", "liaison1", "monitor1"):
        page = client.get(f"/?agreement={AGREEMENT}", headers=mission.auth(who))
        assert listed(page.text) == [CONVOY], who
        assert verified_total(client.get("/compliance", headers=mission.auth(who)).text) == 6
    assert client.get(f"/incidents/{CONVOY}").status_code == 200
    assert "Provenance" not in client.get(f"/incidents/{CONVOY}").text
    assert "Provenance" in client.get(f"/incidents/{CONVOY}", headers=analyst).text

    # Pages beyond a role's powers: sign in first, or a clear refusal.
    queue = client.get("/review", follow_redirects=False)
    assert queue.status_code == 303 and queue.headers["location"] == "/login?next=%2Freview"
    party = client.get("/review", headers=mission.auth("liaison1"))
    assert party.status_code == 403 and "a party_liaison may not do this" in party.text
    assert client.get("/field", headers=mission.auth("public1")).status_code == 403
    reports = client.get("/reports", headers=mission.auth("public1")).text
    assert "only the mission's analysts may download it" in reports
    assert 'action="/reports/download"' in client.get("/reports", headers=analyst).text
    # The form's empty date is dropped before the API sees it.
    download = client.get(
        "/reports/download",
        headers=analyst,
        params={"agreement": AGREEMENT, "format": "md", "period": "weekly", "date": ""},
        follow_redirects=False,
    )
    assert download.status_code == 303
    assert download.headers["location"] == f"/api/reports/{AGREEMENT}?format=md&period=weekly"
    odd = client.get("/reports/download", headers=analyst, params={"format": "pdf"})
    assert odd.status_code == 400 and "&#39;pdf&#39; is not a format" in odd.text
    assert "published incidents only" in client.get("/health").text


def test_the_field_form_refuses_with_what_to_fix_and_stores_a_good_report(
    mission: Mission,
) -> None:
    client = mission.client
    monitor = mission.auth("monitor1")
    form = client.get("/field", headers=monitor)
    assert form.status_code == 200
    client_ref = re.search(r'name="client_ref" value="([^"]+)"', form.text)
    assert client_ref is not None

    def count() -> int:
        with mission.db.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(incidents)).scalar_one())

    before = count()
    fields = {
        "client_ref": client_ref.group(1),
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Shelling/artillery/missile attack",
        "date": "2016-13-40",
        "place": "Urum al-Kubra",
        "description": SYNTHETIC,
        "witness": "Synthetic witness (test data)",
        "tags": ["civilians", "siege"],
    }
    refused = client.post(
        "/field", headers=monitor, data=fields, files=[("files", ("a.txt", b"notes", "text/plain"))]
    )
    assert refused.status_code == 400
    assert "Nothing was stored" in refused.text
    assert "&#39;2016-13-40&#39; is not a date" in refused.text
    assert SYNTHETIC in refused.text  # what was typed stays in the form
    assert 'value="siege" checked' in refused.text
    assert count() == before

    stored = client.post(
        "/field", headers=monitor, data={**fields, "date": "2016-09-22"}, follow_redirects=False
    )
    assert stored.status_code == 303
    target = stored.headers["location"]
    assert target.startswith("/incidents/field:") and target.endswith("?msg=submitted")
    page = client.get(target, headers=monitor)
    assert "Your report is stored as a new incident" in page.text
    assert SYNTHETIC in page.text and "Synthetic witness (test data)" in page.text
    assert count() == before + 1
    # The same form sent again (a double tap) stores nothing more.
    again = client.post("/field", headers=monitor, data={**fields, "date": "2016-09-22"})
    assert again.status_code == 200 and count() == before + 1


def test_filters_paths_and_headers(mission: Mission) -> None:
    client = mission.client
    analyst = mission.auth("analyst1")
    everything = client.get(f"/?agreement={AGREEMENT}", headers=analyst)
    assert len(listed(everything.text)) == 39
    csp = everything.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert everything.headers["cache-control"] == "no-store"
    assert "<svg" in everything.text and 'src="http' not in everything.text
    narrowed = client.get(
        f"/?agreement={AGREEMENT}&verdict=violation&area=Aleppo&event_type=Explosions/Remote+violence",
        headers=analyst,
    )
    ids = listed(narrowed.text)
    assert CONVOY in ids and 0 < len(ids) < 39
    bad = client.get("/?date_from=2016-13-01&status=done", headers=analyst)
    assert bad.status_code == 400
    assert (
        "&#39;2016-13-01&#39; is not a date" in bad.text
        and "&#39;done&#39; is not a status" in bad.text
    )
    path = client.get("/?agreement=/etc/passwd", headers=analyst)
    assert path.status_code == 400
    assert "is not an agreement this server evaluates" in path.text
    assert client.get("/incidents/case:NO-SUCH", headers=analyst).status_code == 404
    css = client.get("/static/dashboard.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert client.get("/static/..%2Fpages.py").status_code == 404
    assert client.get("/static/pages.py").status_code == 404
