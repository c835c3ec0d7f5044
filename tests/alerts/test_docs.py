"""The receiver example in docs/alerts.md checks signatures exactly as trucewatch makes them."""

from __future__ import annotations

import re
import threading
import time
from http.server import ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.conftest import REPO
from trucewatch.alerts import DELIVERY_HEADER, SIGNATURE_HEADER, sign

DOC = REPO / "docs" / "alerts.md"


def _receiver_example(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    [code] = [b for b in blocks if "class Hook" in b]
    monkeypatch.setenv("TRUCEWATCH_WEBHOOK_SECRET", "whsec_doc")
    namespace: dict[str, Any] = {"__name__": "docs_alerts_example"}
    exec(compile(code, str(DOC), "exec"), namespace)
    return namespace


def test_the_documented_check_agrees_with_ours(monkeypatch: pytest.MonkeyPatch) -> None:
    check = _receiver_example(monkeypatch)["verify_signature"]
    body = b'{"verdict":"violation","incident":{"id":"x"}}'
    header = sign("whsec_doc", body)
    assert check("whsec_doc", header, body, 300)
    assert not check("whsec_doc", header, body + b" ", 300)
    assert not check("whsec_other", header, body, 300)
    old = sign("whsec_doc", body, timestamp=int(time.time()) - 3600)
    assert not check("whsec_doc", old, body, 300)
    assert not check("whsec_doc", None, body, 300)


def test_the_documented_receiver_accepts_signed_and_refuses_forged(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hook = _receiver_example(monkeypatch)["Hook"]
    hook.log_message = lambda *a: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    body = (
        b'{"attribution_status":"contested","incident":{"id":"case:TW-SYR-0023"},'
        b'"link":"http://127.0.0.1:8000/incidents/case:TW-SYR-0023",'
        b'"obligation":{"id":"humanitarian-access"}}'
    )
    try:
        ok = httpx.post(
            url,
            content=body,
            headers={SIGNATURE_HEADER: sign("whsec_doc", body), DELIVERY_HEADER: "7"},
        )
        forged = httpx.post(
            url, content=body, headers={SIGNATURE_HEADER: sign("whsec_guess", body)}
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    assert (ok.status_code, forged.status_code) == (204, 401)
    assert "7 case:TW-SYR-0023 humanitarian-access contested" in capsys.readouterr().out
