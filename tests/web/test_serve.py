"""The real server (a subprocess): any loopback address works, the printed URL is reachable, the token
is long enough and never lands in the access log."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bitext.errors import BitextError
from bitext.web.app import reachable_host, serve
from tests.factories import CorpusBuilder

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "a-long-enough-token-0123456789"


def _corpus(tmp_path: Path) -> Path:
    b = CorpusBuilder(tmp_path / "c")
    b.article("a1")
    b.pair("a1:0.0", "Satu.", "One.")
    b.store.close()
    return tmp_path / "c"


def _free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _start(corpus: Path, host: str, port: int, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    code = f"from bitext.web.app import serve; serve({str(corpus)!r}, host={host!r}, port={port})"
    env = {**os.environ, **(env or {}), "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _get(url: str) -> int:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a: object, **k: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    deadline = time.monotonic() + 20
    while True:
        try:
            return opener.open(url, timeout=2).status
        except urllib.error.HTTPError as e:
            return e.code
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _stop(proc: subprocess.Popen[str]) -> tuple[str, str]:
    proc.terminate()
    return proc.communicate(timeout=10)


def test_any_loopback_address_works(tmp_path: Path) -> None:
    port = _free_port("127.0.0.2")
    proc = _start(_corpus(tmp_path), "127.0.0.2", port)
    try:
        assert _get(f"http://127.0.0.2:{port}/review") == 302
    finally:
        out, _ = _stop(proc)
    assert f"http://127.0.0.2:{port}/" in out


def test_token_is_not_logged_and_the_url_is_reachable(tmp_path: Path) -> None:
    port = _free_port()
    proc = _start(_corpus(tmp_path), "0.0.0.0", port, {"BITEXT_REVIEW_TOKEN": TOKEN})
    try:
        assert _get(f"http://127.0.0.1:{port}/review?token={TOKEN}") == 303
        assert _get(f"http://127.0.0.1:{port}/review") == 401  # (no cookie jar here)
    finally:
        out, err = _stop(proc)
    assert "0.0.0.0:" not in out.split("open ", 1)[1]
    assert f"?token={TOKEN}" in out  # printed once, on purpose
    assert "GET /review?… HTTP" in err and TOKEN not in err


def test_short_token_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BITEXT_REVIEW_TOKEN", "x")
    with pytest.raises(BitextError, match="the access token is 1 characters; use at least 16"):
        serve(_corpus(tmp_path), host="0.0.0.0", port=0)


def test_reachable_host() -> None:
    assert reachable_host("127.0.0.2") == "127.0.0.2"
    assert reachable_host("0.0.0.0") not in ("0.0.0.0", "")
