"""Evidence uploads are judged by their content and size, never by their name.

A field report's files are the evidence a party would like to forge, and an
upload is the one way a stranger's bytes reach the evidence store: a web
page dressed as a photo, a program renamed ``.jpg``, a file larger than the
server allows, or a body with no length are refused with a message, and a
refused report stores nothing.  A genuine plain-text statement is still
accepted.  The files here are synthetic, made in the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Mission
from tests.api.test_field_reports import REPORT, counts, noisy_png, png_bytes, problems, submit
from trucewatch.api import Settings, create_app

LIMIT = 4096
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(200)
HTML = b"<!DOCTYPE html><html><body><script>fetch('/api/users')</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
ALLOWED = "attach photos (JPEG, PNG, WebP, HEIC), PDF documents or plain text"

#: (name, file as sent, where the problem is reported, the message with its fix)
REFUSED: list[tuple[str, tuple[str, bytes, str], str, str]] = [
    (
        "HTML named .jpg",
        ("photo.jpg", HTML, "image/jpeg"),
        "files: photo.jpg",
        "the file is a web page or markup (HTML, SVG, XML), not a photo or document — "
        + ALLOWED
        + "; a web page or script is refused whatever its name",
    ),
    (
        "HTML sent as text/plain",
        ("notes.txt", b"  \n" + HTML, "text/plain"),
        "files: notes.txt",
        "the file is a web page or markup (HTML, SVG, XML), not a photo or document",
    ),
    (
        "SVG with a script named .png",
        ("map.png", SVG, "image/png"),
        "files: map.png",
        "the file is a web page or markup (HTML, SVG, XML), not a photo or document",
    ),
    (
        "text posing as a JPEG",
        ("photo.jpg", b"just some words, not a photo", "image/jpeg"),
        "files: photo.jpg",
        "the file says it is image/jpeg but its content is text",
    ),
    (
        "text posing as a PDF by its name",
        ("statement.pdf", b"just some words, not a PDF", "application/octet-stream"),
        "files: statement.pdf",
        "the file says it is .pdf but its content is text",
    ),
    (
        "a program renamed .jpg",
        ("holiday.jpg", EXE, "image/jpeg"),
        "files: holiday.jpg",
        "the file's content is not an accepted type (it says image/jpeg)",
    ),
    (
        "a PNG over the limit",
        ("big.png", noisy_png(64), "image/png"),
        "files: big.png",
        "the file is larger than the limit of 4,096 bytes",
    ),
]


@pytest.fixture
def small(mission: Mission) -> Iterator[TestClient]:
    """The mission's database and store, served with a 4 kB upload limit."""
    settings = Settings(db_url=mission.db.url, evidence_store=mission.store, max_upload_bytes=LIMIT)
    with TestClient(create_app(settings, db=mission.db)) as client:
        yield client


@pytest.mark.parametrize("case", REFUSED, ids=[c[0] for c in REFUSED])
def test_a_disguised_or_oversize_file_is_refused_and_nothing_is_stored(
    mission: Mission, small: TestClient, case: tuple[str, tuple[str, bytes, str], str, str]
) -> None:
    _, sent, where, message = case
    before = counts(mission)
    good = ("fine.png", png_bytes("green"), "image/png")
    r = submit(small, mission.auth("monitor1"), REPORT, [good, sent])
    assert r.status_code == 400, r.text
    found = problems(r)
    assert message in found[where], found
    assert counts(mission) == before


def test_a_plain_text_statement_is_still_accepted(mission: Mission, small: TestClient) -> None:
    statement = ("statement.txt", b"Synthetic witness statement (test data).", "text/plain")
    r = submit(small, mission.auth("monitor1"), REPORT, [statement])
    assert r.status_code == 201, r.text
    assert [e["media_type"] for e in r.json()["evidence"]] == ["text/plain"]


def test_the_dashboard_form_refuses_the_same_files(mission: Mission, small: TestClient) -> None:
    data = {k: [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in REPORT.items()}
    r = small.post(
        "/field",
        headers=mission.auth("monitor1"),
        data=data,
        files=[("files", ("photo.jpg", HTML, "image/jpeg"))],
    )
    assert r.status_code == 400
    assert "the file is a web page or markup" in r.text


def _chunks(body: bytes) -> Iterator[bytes]:
    yield body[: len(body) // 2]
    yield body[len(body) // 2 :]


def test_bodies_without_a_length_or_too_long_are_refused(
    mission: Mission, small: TestClient
) -> None:
    headers = mission.auth("monitor1")
    too_long = small.post(
        "/api/field-reports",
        headers={**headers, "Content-Type": "application/json"},
        content=b'{"description": "' + b"x" * (2 << 20) + b'"}',
    )
    assert too_long.status_code == 413
    assert too_long.json()["detail"] == "a JSON report may be at most 1,048,576 bytes"
    streamed: Any = small.post(
        "/api/field-reports",
        headers={**headers, "Content-Type": "multipart/form-data; boundary=x"},
        content=_chunks(b"--x\r\n" + b"y" * 1000),
    )
    assert streamed.status_code == 411
    assert streamed.json()["detail"] == "send the form with a Content-Length header"
    huge = small.post(
        "/api/field-reports",
        headers={
            **headers,
            "Content-Type": "multipart/form-data; boundary=x",
            "Content-Length": str(100 * LIMIT + (5 << 20)),
        },
        content=b"--x--\r\n",
    )
    assert huge.status_code == 413
