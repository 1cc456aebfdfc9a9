"""The JSON endpoints of in-place navigation (bitext.web.api) keep the guard's rules; the QA checks are
built once under concurrent first saves; the pooled server answers a burst of requests."""

from __future__ import annotations

import re
import threading
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from bitext.review import qa
from bitext.store import Store
from bitext.web.app import create_app
from tests.review.corpus import make_store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with make_store(tmp_path / "corpus") as s:
        yield s


def fields(body: str) -> dict[str, str]:
    def value(name: str) -> str:
        m = re.search(rf'id="decide-form".*?name="{name}" value="([^"]*)"', body, re.S)
        assert m, name
        return m.group(1)

    return {k: value(k) for k in ("csrf", "id", "parent_id", "seen", "status", "flag", "article", "q")}


def test_page_and_submit_answer_the_pages_parts(client: FlaskClient, store: Store) -> None:
    got = client.get("/api/page", query_string={"path": "/review?flag=length_ratio"}).get_json()
    assert (got["status"], got["url"]) == (200, "/pair?id=a2:mt:0&flag=length_ratio&status=pending&article=&q=")
    assert got["title"].startswith("a2:mt:0") and 'data-pair-id="a2:mt:0"' in got["body"]
    assert "<html" not in got["body"] and "</body>" not in got["body"] and got["body"].lstrip().startswith("<header")
    form = fields(got["body"])
    resp = client.post("/api/submit?path=/decide", data={**form, "action": "accept", "reason": "1"})  # flagged
    got = resp.get_json()
    assert resp.headers["Cache-Control"] == "no-store"
    assert got["status"] == 200 and 'data-pair-id="a1:mt:1"' in got["body"]  # the next pair of that filter
    assert got["url"].startswith("/pair?id=a1:mt:1&flag=length_ratio") and "prev=a2:mt:0" in got["url"]
    assert store.review_states()["a2:mt:0"]["status"] == "accepted"


def test_a_save_held_by_qa_is_no_page_to_go_to(client: FlaskClient, store: Store) -> None:
    form = fields(client.get("/api/page", query_string={"path": "/pair?id=a1:mt:0"}).get_json()["body"])
    got = client.post("/api/submit?path=/decide", data={**form, "action": "edit", "after": "x"}).get_json()
    assert got["status"] == 422 and got["url"] is None and 'id="qa"' in got["body"]
    assert "a1:mt:0" not in store.review_states()


def test_the_endpoints_keep_the_guards_rules(client: FlaskClient, store: Store, tmp_path: Path) -> None:
    form = fields(client.get("/api/page", query_string={"path": "/pair?id=a1:mt:0"}).get_json()["body"])
    no_csrf = {**form, "csrf": "", "action": "accept"}
    assert client.post("/api/submit?path=/decide", data=no_csrf).status_code == 403
    other = client.post("/api/submit?path=/decide", data={**form, "action": "accept"},
                        headers={"Origin": "http://evil.example"})
    assert other.status_code == 403
    cross = client.post("/api/submit?path=/decide", data={**form, "action": "accept"},
                        headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    assert "a1:mt:0" not in store.review_states()
    for path in ("//evil.example/pair", "/api/page?path=/review", "/decide", "/static/review.js", "http://x/review"):
        assert client.get("/api/page", query_string={"path": path}).status_code == 404, path
    assert client.post("/api/submit?path=/reviewer", data={"csrf": form["csrf"]}).status_code == 404
    assert client.get("/api/page", query_string={"path": "/pair"}, headers={"Host": "evil.example"}).status_code == 400
    app = create_app(store, reviewer="ana", token="a-long-enough-token-123", allowed_hosts=None)
    app.testing = True
    assert app.test_client().get("/api/page", query_string={"path": "/review"}).status_code == 401


def test_qa_checks_are_built_once_by_concurrent_first_saves(store: Store, monkeypatch) -> None:
    import bitext.flags as flags

    built = []
    real = flags.build_checks

    def slow_build(config):  # noqa: ANN001, ANN202
        built.append(1)
        time.sleep(0.2)  # long enough for every thread to arrive while the first one builds
        return real(config)

    monkeypatch.setattr(flags, "build_checks", slow_build)
    monkeypatch.setattr(qa, "_CHECKS", {})
    with ThreadPoolExecutor(8) as pool:
        found = list(pool.map(lambda _: qa.qa_findings(store, "a1:mt:0", "x"), range(8)))
    assert len(built) == 1
    assert all(f == found[0] for f in found) and found[0]


def test_the_pooled_server_answers_a_burst(store: Store) -> None:
    from bitext.web.server import make_server

    server = make_server("127.0.0.1", 0, create_app(store, reviewer="ana"))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.port}/api/progress"
        start = threading.Barrier(200)

        def get(_: int) -> int:
            start.wait()
            with urllib.request.urlopen(url, timeout=30) as resp:
                return resp.status

        with ThreadPoolExecutor(200) as pool:
            assert list(pool.map(get, range(200))) == [200] * 200
        with urllib.request.urlopen(url, timeout=30) as resp:
            assert resp.headers["Connection"] == "close"  # no idle keep-alive holds a worker
    finally:
        server.shutdown()
        server.server_close()
