"""The dashboard in a real browser (Debian's Chromium) against a real server.

A uvicorn server runs in a background thread on 127.0.0.1, over a SQLite
database with the shipped Sept 2016 case and one user per role.  The
scenario is a mission's day: an analyst signs in, narrows the map, opens the
Urum al-Kubra convoy attack, moves it to under review and then verified,
and sees the compliance matrix count it as verified; a monitor sends a field
report with a photo from a phone-sized screen; the public sees nothing
unpublished.  Every page is screenshotted to ``test-artifacts/`` and no
request may leave 127.0.0.1.

The field report and its photo are synthetic test data (the photo is drawn
here), labelled as such.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn
from PIL import Image
from sqlalchemy import select

from tests.api.conftest import AGREEMENT, CONVOY, PASSWORD, USERS, load_case
from trucewatch.accounts import add_user
from trucewatch.actors import ActorRegistry
from trucewatch.api import Settings, create_app
from trucewatch.store import Database
from trucewatch.store.schema import evidence, field_reports, incidents

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("TRUCEWATCH_REQUIRE_BROWSER") == "1"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if not CHROMIUM.exists():
    if REQUIRE_BROWSER:
        pytest.fail("Chromium is required here but /usr/bin/chromium is missing", pytrace=False)
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True
    )

from playwright.sync_api import (  # noqa: E402
    Browser,
    BrowserContext,
    Page,
    expect,
    sync_playwright,
)


@dataclass
class Running:
    """The server under test: its base URL, its database and every URL a browser asked for."""

    url: str
    db: Database
    requests: list[str] = field(default_factory=list)

    def watch(self, context: BrowserContext) -> BrowserContext:
        """Record every request the context makes."""
        context.on("request", lambda r: self.requests.append(r.url))
        return context


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, actors: ActorRegistry) -> Iterator[Running]:
    """uvicorn on 127.0.0.1 over the Sept 2016 case, in a thread; stopped at teardown."""
    folder = tmp_path_factory.mktemp("dashboard")
    db = Database(f"sqlite:///{folder / 'trucewatch.db'}")
    db.migrate()
    load_case(db, actors)
    for name, (role, party) in USERS.items():
        add_user(db, name, role.value, by="setup", party=party, password=PASSWORD)
    settings = Settings(db_url=db.url, evidence_store=folder / "evidence")
    port = _free_port()
    config = uvicorn.Config(
        create_app(settings, db=db),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, name="dashboard-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    running = Running(f"http://127.0.0.1:{port}", db)
    try:
        yield running
    finally:
        uv.should_exit = True
        thread.join(timeout=15)
        db.dispose()
    hosts = {urlsplit(u).hostname for u in running.requests}
    assert hosts <= {"127.0.0.1"}, f"requests left the machine: {sorted(hosts)}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless; Playwright's own browser download is never used."""
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()


def shot(page: Page, name: str) -> None:
    """Save a full-page screenshot to test-artifacts/dashboard_<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"dashboard_{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def sign_in(page: Page, base: str, name: str) -> None:
    """Sign in through the form, as a person would."""
    page.goto(f"{base}/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/(\?.*)?$"))
    assert page.locator(".who").inner_text().startswith(name)


def incident_rows(page: Page) -> list[str]:
    """The incident ids the list on the map page links to."""
    hrefs = page.locator("table.incidents tbody tr td:first-child a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    return [re.sub(r"^/incidents/|\?.*$", "", h) for h in hrefs]


def verified_cell(page: Page, party: str, obligation: str) -> int:
    """The verified count in one compliance-matrix cell."""
    cell = page.locator(f"td.cell[data-party='{party}'][data-obligation='{obligation}']")
    return int(cell.get_attribute("data-verified") or "0")


def test_an_analyst_filters_the_map_verifies_the_convoy_attack_and_sees_it_counted(
    server: Running, browser: Browser
) -> None:
    context = server.watch(browser.new_context(viewport={"width": 1280, "height": 900}))
    page = context.new_page()
    page.goto(f"{server.url}/login")
    shot(page, "login")
    sign_in(page, server.url, "analyst1")

    # Compliance before: nothing verified yet.
    page.goto(f"{server.url}/compliance?agreement={AGREEMENT}")
    verified_before = int(page.locator("#verified-total").inner_text().replace(",", ""))
    cell_before = verified_cell(page, "syria-government", "humanitarian-access")
    assert verified_before == 0 and cell_before == 0

    # The map: all 39 incidents, then narrowed to violations in Aleppo.
    page.goto(f"{server.url}/?agreement={AGREEMENT}")
    everything = incident_rows(page)
    assert len(everything) == 39
    assert page.locator(".map svg circle").count() > 0
    shot(page, "map")
    page.select_option("#f-verdict", "violation")
    page.select_option("#f-area", "Aleppo")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r".*verdict=violation.*"))
    narrowed = incident_rows(page)
    assert 0 < len(narrowed) < len(everything)
    assert CONVOY in narrowed
    for row in page.locator("table.incidents tbody tr").all():
        text = row.inner_text()
        assert "Aleppo" in text and "violation" in text, text

    # The convoy attack: contested between Russia and the Syrian government.
    page.locator(f"table.incidents a[href^='/incidents/{CONVOY}']").first.click()
    page.wait_for_url(re.compile(rf".*/incidents/{re.escape(CONVOY)}.*"))
    body = page.locator("main").inner_text()
    assert "contested between" in body
    assert "russia" in body and "syria-government" in body
    assert re.search(r"russia\s+denies", body)
    assert "Provenance" in body and "History" in body  # an analyst sees where it came from
    shot(page, "incident")

    # A second tab looks at the same version; the first moves it on.
    stale_tab = context.new_page()
    stale_tab.goto(page.url)
    page.fill("#reason", "Test: opened for review against the UN statement")
    page.click("button[name=to][value=under_review]")
    page.wait_for_url(re.compile(r".*msg=status.*"))
    assert "under review" in page.locator(".lead").inner_text()
    stale_tab.fill("#reason", "Test: a decision on what I saw")
    stale_tab.click("button[name=to][value=under_review]")
    stale_tab.wait_for_load_state()
    assert "Someone changed this incident meanwhile" in stale_tab.locator(".stale").inner_text()
    stale_tab.close()

    page.fill("#reason", "Test: corroborated by two independent sources")
    page.click("button[name=to][value=verified]")
    page.wait_for_url(re.compile(r".*msg=status.*"))
    assert "verified" in page.locator(".lead").inner_text()
    page.fill("#preason", "Test: verified; published for the test")
    page.click("button:has-text('Publish to the public')")
    page.wait_for_url(re.compile(r".*msg=published.*"))
    assert "published" in page.locator(".lead").inner_text()

    # The review queue no longer holds it.
    page.goto(f"{server.url}/review?agreement={AGREEMENT}")
    assert page.locator(f"a[href^='/incidents/{CONVOY}']").count() == 0
    assert page.locator("form[aria-label^='Decide on']").count() > 0
    shot(page, "review")

    # Compliance after: the convoy's violations now count as verified.
    page.goto(f"{server.url}/compliance?agreement={AGREEMENT}")
    assert verified_cell(page, "syria-government", "humanitarian-access") == cell_before + 1
    assert int(page.locator("#verified-total").inner_text().replace(",", "")) > verified_before
    shot(page, "compliance")

    for name, path in (("access", "/access"), ("health", "/health"), ("reports", "/reports")):
        page.goto(f"{server.url}{path}?agreement={AGREEMENT}")
        assert page.locator("h1").count() == 1
        shot(page, name)
    # The report downloads as a file (the API builds it from the stored data).
    form = page.locator(f"form:has(input[name=agreement][value='{AGREEMENT}'])")
    form.locator("select[name=format]").select_option("md")
    with page.expect_download() as download:
        form.locator("button[type=submit]").click()
    assert download.value.suggested_filename == f"{AGREEMENT}-all.md"
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("# ") and "## Humanitarian access" in text
    context.close()


def _photo() -> bytes:
    """A small synthetic photo, drawn here (seeded shapes, labelled as a test)."""
    image = Image.new("RGB", (120, 80), (200, 210, 220))
    pixels = image.load()
    assert pixels is not None
    for x in range(20, 60):
        for y in range(20, 50):
            pixels[x, y] = (150, 40, 40)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_monitor_sends_a_field_report_with_a_photo_from_a_phone(
    server: Running, browser: Browser
) -> None:
    context = server.watch(
        browser.new_context(
            viewport={"width": 390, "height": 844},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            geolocation={"latitude": 36.1481, "longitude": 36.9478},
            permissions=["geolocation"],
        )
    )
    page = context.new_page()
    sign_in(page, server.url, "monitor1")
    page.goto(f"{server.url}/field")
    # One column that fits the phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "field")

    page.select_option("#event_type", "Explosions/Remote violence")
    # Only that type's sub-event types are offered.
    assert page.eval_on_selector(
        "#sub_event_type optgroup[label='Battles']", "g => g.hidden && g.disabled"
    )
    page.select_option("#sub_event_type", "Shelling/artillery/missile attack")
    page.fill("#date", "2016-09-21")
    page.fill("#place", "Urum al-Kubra")
    page.click("button[data-lat=latitude]")  # "use my location": the phone's position
    # A locator assertion waits without evaluating a string in the page: the
    # dashboard's Content-Security-Policy (script-src 'self') forbids eval,
    # which wait_for_function uses whenever it has to poll.
    expect(page.locator("#latitude")).to_have_value("36.14810")
    page.fill("#perpetrator", "Unknown")
    page.fill("#fatalities_best", "1")
    page.fill(
        "#description",
        "SYNTHETIC TEST REPORT: one shell hit the road near the warehouse at dusk.",
    )
    page.fill("#witness", "Synthetic witness (test data), driver")
    photo = _photo()
    page.set_input_files(
        "#files", files=[{"name": "road.jpg", "mimeType": "image/jpeg", "buffer": photo}]
    )
    page.click("button.big[type=submit]")
    page.wait_for_url(re.compile(r".*/incidents/field:.*msg=submitted"))
    assert "Your report is stored as a new incident" in page.locator(".notice").inner_text()
    main = page.locator("main").inner_text()
    assert "SYNTHETIC TEST REPORT" in main
    assert "Synthetic witness (test data), driver" in main  # the monitor sees their own witness
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "field_submitted")
    incident_id = re.sub(r"^.*/incidents/|\?.*$", "", page.url)
    context.close()

    with server.db.engine.connect() as conn:
        row = conn.execute(select(incidents).where(incidents.c.id == incident_id)).mappings().one()
        stored = conn.execute(select(evidence).where(evidence.c.incident_id == incident_id)).one()
        report = conn.execute(
            select(field_reports).where(field_reports.c.incident_id == incident_id)
        ).one()
    assert (row["status"], row["submitted_by"], row["published"]) == ("reported", "monitor1", False)
    assert (round(row["latitude"], 4), round(row["longitude"], 4)) == (36.1481, 36.9478)
    assert stored.sha256 == hashlib.sha256(photo).hexdigest()
    assert stored.media_type == "image/png" and stored.filename == "road.png"
    assert report.witness == "Synthetic witness (test data), driver"


def test_the_public_sees_no_unpublished_incident(server: Running, browser: Browser) -> None:
    with server.db.engine.connect() as conn:
        published = set(
            conn.execute(select(incidents.c.id).where(incidents.c.published.is_(True))).scalars()
        )
        hidden = sorted(
            conn.execute(select(incidents.c.id).where(incidents.c.published.is_(False))).scalars()
        )
    assert published == {CONVOY}  # verified and published by the analyst above
    assert any(i.startswith("field:") for i in hidden)  # the monitor's report is not
    context = server.watch(browser.new_context(viewport={"width": 1280, "height": 900}))
    page = context.new_page()
    page.goto(f"{server.url}/?agreement={AGREEMENT}")
    assert "Public view" in page.locator(".who").inner_text()
    assert set(incident_rows(page)) == published
    response = page.goto(f"{server.url}/incidents/{CONVOY}")
    assert response is not None and response.status == 200
    assert "contested between" in page.locator("main").inner_text()
    assert "Provenance" not in page.locator("main").inner_text()
    for incident_id in (hidden[0], hidden[-1]):
        response = page.goto(f"{server.url}/incidents/{incident_id}")
        assert response is not None and response.status == 404
        assert "Not found" in page.locator("h1").inner_text()
    page.goto(f"{server.url}/compliance?agreement={AGREEMENT}")
    total = page.locator(".stat b").first.inner_text()
    assert page.locator("#verified-total").inner_text() == total  # only the verified convoy
    page.goto(f"{server.url}/review")
    assert "/login" in page.url  # the queue asks who you are
    page.goto(f"{server.url}/field")
    assert "/login" in page.url
    page.goto(f"{server.url}/health?agreement={AGREEMENT}")
    assert "published incidents only" in page.locator("main").inner_text()
    context.close()
    hosts = {urlsplit(u).hostname for u in server.requests}
    assert server.requests and hosts == {"127.0.0.1"}, hosts
