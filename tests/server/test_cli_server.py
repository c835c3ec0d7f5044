"""``trucewatch users`` and ``trucewatch serve`` as an admin meets them."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from trucewatch.cli import app

runner = CliRunner()


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"}, input=stdin)
    return result.exit_code, result.stdout, result.stderr


def _db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'tw.db'}"
    assert run("init", "--db", url)[0] == 0
    return url


def test_users_add_prints_the_token_once_and_list_shows_roles(tmp_path: Path) -> None:
    url = _db(tmp_path)
    code, out, _ = run("users", "add", "alice", "--role", "analyst", "--db", url)
    assert code == 0
    assert "added alice (analyst)" in out and "shown once" in out
    token = out.strip().splitlines()[-1]
    assert token.startswith("tw_")
    code, out, _ = run(
        "users", "add", "gov", "--role", "party_liaison", "--party", "syria-government",
        "--db", url, "--json",
    )  # fmt: skip
    assert code == 0 and json.loads(out)["party"] == "syria-government"
    code, out, _ = run("users", "list", "--db", url, "--json")
    assert json.loads(out) == [
        {"name": "alice", "role": "analyst", "party": None, "active": True},
        {"name": "gov", "role": "party_liaison", "party": "syria-government", "active": True},
    ]
    code, out, _ = run("users", "revoke", "alice", "--db", url)
    assert code == 0 and "revoked 1 token(s) and session(s) of alice" in out


def test_users_add_with_a_password_asks_twice(tmp_path: Path) -> None:
    url = _db(tmp_path)
    pw = "correct horse battery staple"
    code, out, _ = run(
        "users", "add", "a1", "--role", "analyst", "--password", "--db", url,
        stdin=f"{pw}\n{pw}\n",
    )  # fmt: skip
    assert code == 0 and "added a1" in out


def test_bad_role_and_unknown_user_are_clear_messages(tmp_path: Path) -> None:
    url = _db(tmp_path)
    code, _, err = run("users", "add", "x", "--role", "boss", "--db", url)
    assert code == 1
    assert "--role: 'boss' is not a role — use one of: admin, analyst, monitor" in err
    code, _, err = run("users", "token", "ghost", "--db", url)
    assert code == 1 and "NAME: no user 'ghost' — see `trucewatch users list`" in err


def test_serve_refuses_an_uninitialised_database(tmp_path: Path) -> None:
    code, _, err = run("serve", "--db", f"sqlite:///{tmp_path / 'none.db'}")
    assert code == 1
    assert "is not initialised — run `trucewatch init` first" in err


def test_serve_store_option_is_the_evidence_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--store reaches the app as a folder (it was passed on as text, and every field
    report with a file then failed with 500)."""
    import uvicorn

    served: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.update(app=app))
    code, _, err = run("serve", "--db", _db(tmp_path), "--store", str(tmp_path / "evidence"))
    assert code == 0, err
    settings = served["app"].state.tw.settings  # type: ignore[attr-defined]
    assert settings.evidence_store == tmp_path / "evidence"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_on_loopback_with_the_api_and_its_docs(tmp_path: Path) -> None:
    url = _db(tmp_path)
    port = _free_port()
    env = {**os.environ, "TRUCEWATCH_ENV": "development"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "trucewatch.cli", "serve", "--port", str(port), "--db", url],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                r = httpx.get(f"{base}/api/incidents", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("the server did not answer within 20 s")
        assert r.status_code == 200 and r.json() == {"items": [], "next_cursor": None}
        spec = httpx.get(f"{base}/openapi.json", timeout=5).json()
        assert spec["info"]["title"] == "trucewatch" and "/api/incidents" in spec["paths"]
        docs = httpx.get(f"{base}/docs", timeout=5)
        assert docs.status_code == 200
        # Offline: the page's scripts and styles come from this server, not a CDN.
        assets = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
        assert assets and all(a.startswith("/docs-assets/") for a in assets), assets
        for asset in assets:
            assert httpx.get(base + asset, timeout=5).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=20)
