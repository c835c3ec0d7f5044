"""Reports: the Markdown of the demo case against a golden file; the HTML in a real browser.

The golden file is the shipped Sept 2016 case rendered as Markdown.  When a
change to the report is intended, regenerate it with
``TRUCEWATCH_UPDATE_GOLDEN=1 python -m pytest tests/report`` and review the diff.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from trucewatch.service import write_report

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "report_syria-2016-09.md"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("TRUCEWATCH_REQUIRE_BROWSER") == "1"


def _demo(fmt: str, **kwargs: object) -> str:
    return write_report(
        "syria-2016-09-us-russia",
        fmt=fmt,
        period="all",
        on=None,
        case="syria-2016-09",
        **kwargs,  # type: ignore[arg-type]
    )


def test_markdown_report_of_the_demo_case_matches_the_golden_file() -> None:
    text = _demo("md")
    if os.environ.get("TRUCEWATCH_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_markdown_report_has_every_section_a_mission_publishes() -> None:
    text = _demo("md")
    for heading in (
        "## Summary",
        "## Change since the last report",
        "## Violations by party and obligation",
        "## Contested incidents: every claim, and the replies",
        "## Humanitarian access",
        "## Truce health and warnings",
        "## Method and sources",
    ):
        assert heading in text
    assert "0 of 250,000 people reached" in text
    assert "Russia denied any responsibility for the attack on the convoy" in text


def test_a_weekly_report_compares_with_the_week_before() -> None:
    text = write_report(
        "syria-2016-09-us-russia",
        fmt="md",
        period="weekly",
        on=__import__("datetime").date(2016, 9, 19),
        case="syria-2016-09",
    )
    assert "period 2016-09-13 to 2016-09-19 (weekly)" in text
    assert "| party | 2016-09-06 to 2016-09-12 | 2016-09-13 to 2016-09-19 | change |" in text


def test_html_report_is_self_contained_and_makes_no_network_request(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        if REQUIRE_BROWSER:
            pytest.fail("Chromium is required here but /usr/bin/chromium is missing")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    html = _demo("html")
    for remote in ('src="http', "src='http", 'href="http', "url(http", "@import"):
        assert remote not in html, remote  # URLs quoted as text in citations are fine
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.on("request", lambda r: requests.append(r.url))
        page.goto(path.as_uri())
        page.wait_for_load_state("networkidle")
        assert page.locator("svg").count() >= 4  # series, map, heatmap, access funnel
        assert page.locator("h2", has_text="Humanitarian access").count() == 1
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "report_syria-2016-09.png"
        page.screenshot(path=str(shot), full_page=True)
        pdf = page.pdf(path=str(ARTIFACTS / "report_syria-2016-09.pdf"))
        browser.close()
    assert requests == [path.as_uri()], f"requests beyond the file itself: {requests}"
    assert shot.stat().st_size > 10_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert pdf[:4] == b"%PDF"
    shutil.copy(path, ARTIFACTS / "report_syria-2016-09.html")
