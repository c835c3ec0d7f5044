"""Fixtures for the alert tests: the mission, a real SMTP server, a real webhook receiver.

Both servers listen on 127.0.0.1 only, on a free port, for one test.  The
SMTP server is aiosmtpd's; the receiver is the standard library's
``ThreadingHTTPServer``.  Nothing of trucewatch is mocked.
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.api.conftest import AGREEMENT, CONVOY, Mission, mission
from trucewatch.alerts import AlertDispatcher, dispatcher_of

__all__ = ["AGREEMENT", "CONVOY", "Inbox", "Mission", "Receiver", "mission"]


def free_port() -> int:
    """A port nobody listens on right now (127.0.0.1)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Inbox:
    """The messages a local SMTP server received."""

    port: int
    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages sent to ``address``."""
        return [m for rcpt, m in self.messages if address in rcpt]


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 collecting every message."""
    box = Inbox(free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@dataclass
class Received:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """A webhook receiver on 127.0.0.1 answering ``status`` and keeping every request."""

    def __init__(self) -> None:
        self.status = 200
        self.requests: list[Received] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP webhook receiver on 127.0.0.1."""
    r = Receiver()
    try:
        yield r
    finally:
        r.close()


def dispatcher(m: Mission) -> AlertDispatcher:
    """The app's alert dispatcher (registered by create_app)."""
    found = dispatcher_of(m.client.app.state.tw)  # type: ignore[attr-defined]
    assert found is not None, "create_app registers the alert dispatcher"
    return found


def use_smtp(m: Mission, box: Inbox) -> None:
    """Point the running app's e-mail at ``box``."""
    st = m.client.app.state.tw  # type: ignore[attr-defined]
    st.settings = dataclasses.replace(st.settings, smtp_host="127.0.0.1", smtp_port=box.port)


def set_status(m: Mission, incident: str, *steps: str, user: str = "analyst1") -> None:
    """Move an incident through ``steps`` via the API, then wait for the alerts it queued."""
    for to in steps:
        r = m.client.post(
            f"/api/incidents/{incident}/status",
            json={"to": to, "reason": f"alert test: {to}"},
            headers=m.auth(user),
        )
        assert r.status_code == 200, r.text
    assert dispatcher(m).wait(60), "alert workers did not finish"


def verify(m: Mission, incident: str) -> None:
    """reported → under_review → verified."""
    set_status(m, incident, "under_review", "verified")


def subscribe(m: Mission, user: str = "analyst1", **body: Any) -> dict[str, Any]:
    """Create a subscription through the API; 201 expected."""
    r = m.client.post("/api/alerts/subscriptions", json=body, headers=m.auth(user))
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data
