"""The review web app through Flask's test client: escaping, CSRF, token, conflicts, undo, filters."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from bitext import review
from bitext.review import qa
from bitext.store import Store
from bitext.web.app import create_app
from bitext.web.guard import is_loopback
from tests.factories import CorpusBuilder
from tests.review.corpus import rewrite_pair

PAIRS = [
    # (id, article, bead, source, target)
    ("a1:0", "a1", 0, "Pemerintah membangun jembatan baru.", "The government builds a new bridge."),
    ("a1:1", "a1", 1, "Jembatan itu sepanjang 200 meter.", "The bridge is 200 meters long."),
    ("a1:2", "a1", 2, "Warga menyambut baik.", "Residents welcomed it."),
    ("a2:0", "a2", 0, "Ia menulis <script>alert('x')</script> & \"kutipan\".",
     "He wrote <script>alert('x')</script> & \"a quote\"."),
]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    b = CorpusBuilder(tmp_path / "corpus")
    for aid, title in (("a1", "Jembatan <b>baru</b>"), ("a2", "Kode")):
        b.article(aid, title=title, source_path="x.txt")
    for pid, aid, idx, src, tgt in PAIRS:
        b.pair(pid, src, tgt, article_id=aid, bead_idx=idx, align_score=0.9)
    b.flag("a1:1", "length_ratio", severity="warning", score=2.5, reason="target <i>2.5x</i> longer")
    b.flag("a2:0", "markup", severity="error", score=1.0, reason="contains <script> tag")
    yield b.store
    b.store.close()


def csrf_of(page: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', page)
    assert m, "no CSRF token on the page"
    return m.group(1)


def parent_of(page: str) -> int:
    """The parent_id of the decision form (the undo form has its own)."""
    m = re.search(r'action="/decide">.*?name="parent_id" value="(\d+)"', page, re.S)
    assert m
    return int(m.group(1))


def open_pair(client: FlaskClient, pair_id: str, **args: str) -> str:
    resp = client.get("/pair", query_string={"id": pair_id, **args})
    assert resp.status_code == 200, resp.text
    return resp.get_data(as_text=True)


def post_decision(client: FlaskClient, page: str, pair_id: str, action: str, **fields: str):
    # reason: a flagged pair accepted unedited needs one (tests/web/test_mqm.py tests that; reason="" leaves it out)
    data = {"csrf": csrf_of(page), "id": pair_id, "parent_id": str(parent_of(page)), "action": action,
            "status": "pending", "reason": "1"}
    data.update(fields)
    return client.post("/decide", data=data)


def test_queue_starts_with_the_most_severe_flag(client: FlaskClient) -> None:
    resp = client.get("/")
    assert resp.status_code == 302
    resp = client.get("/review")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/pair?id=a2:0&flag=&status=pending&article=&q="


def test_page_escapes_everything(client: FlaskClient) -> None:
    resp = client.get("/pair?id=a2:0")
    page = resp.get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &#34;kutipan&#34;" in page
    assert "contains &lt;script&gt; tag" in page  # flag reason
    assert "<script" not in page.replace('<script src="/static/review.js" defer></script>', "").replace(
        '<script src="/static/postedit.js" defer></script>', "").replace('<script src="/static/notes.js" defer></script>', "")
    page = open_pair(client, "a1:1")
    assert "target &lt;i&gt;2.5x&lt;/i&gt; longer" in page and "<i>" not in page
    assert "Jembatan &lt;b&gt;baru&lt;/b&gt;" in page  # article title
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert resp.headers["X-Frame-Options"] == "DENY" and resp.headers["Cache-Control"] == "no-store"


def test_page_shows_flags_neighbours_shortcuts_progress(client: FlaskClient) -> None:
    page = open_pair(client, "a1:1")
    assert "length_ratio" in page and "warning" in page
    assert html.escape(PAIRS[0][3]) in page and html.escape(PAIRS[2][3]) in page  # neighbours
    for key in ("<kbd>A</kbd>", "<kbd>R</kbd>", "<kbd>E</kbd>", "<kbd>S</kbd>", "<kbd>U</kbd>", "<kbd>Ctrl+Enter</kbd>"):
        assert key in page
    assert "<b>0</b>/4 reviewed" in page


def test_decisions_are_written_and_move_on(client: FlaskClient, store: Store) -> None:
    page = open_pair(client, "a2:0")
    resp = post_decision(client, page, "a2:0", "accept")
    assert resp.status_code == 303
    rid = review.history(store, "a2:0")[-1]["id"]
    assert resp.headers["Location"] == f"/pair?id=a1:1&flag=&status=pending&article=&q=&last={rid}&prev=a2:0"
    (row,) = review.history(store, "a2:0")
    assert (row["status"], row["reviewer"], row["after"]) == ("accepted", "ana", PAIRS[3][4])

    page = open_pair(client, "a1:1", last=str(rid))
    assert 'id="undo-form"' in page and f'name="parent_id" value="{rid}"' in page
    # accept with a changed English: stored as an edit, never dropped
    resp = post_decision(client, page, "a1:1", "accept", after="The bridge is 200 m long.", comment="units")
    assert resp.status_code == 303
    row = review.history(store, "a1:1")[-1]
    assert (row["status"], row["after"], row["comment"]) == ("edited", "The bridge is 200 m long.", "units")

    page = open_pair(client, "a1:0")
    assert post_decision(client, page, "a1:0", "reject").status_code == 303
    assert review.get_item(store, "a1:0").status == "rejected"
    page = open_pair(client, "a1:0")
    assert "<b>3</b>/4 reviewed" in page


def test_stale_review_is_shown(client: FlaskClient, store: Store) -> None:
    review.decide(store, "a1:0", "accepted", reviewer="budi")
    rewrite_pair(store, "a1:0", source="Sumber baru.")
    page = open_pair(client, "a1:0")
    assert "made on a different Indonesian text" in page and 'id="status">pending<' in page


def test_pair_ids_with_url_characters(client: FlaskClient, store: Store) -> None:
    """Aligner ids contain '+' (2-1 beads); article ids may contain '&', '#', spaces."""
    odd = "a1:0.1+0.2 &#x"
    rewrite_pair(store, "a1:0", id=odd)
    resp = client.get("/review", query_string={"flag": "none"})
    assert resp.status_code == 302
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert f'data-pair-id="{html.escape(odd)}"' in page
    assert post_decision(client, page, odd, "accept", status="pending").status_code == 303
    assert review.history(store, odd)[-1]["status"] == "accepted"


def test_skip_is_navigation_only(client: FlaskClient, store: Store) -> None:
    page = open_pair(client, "a2:0")
    href = html.unescape(re.search(r'id="skip" class="button" href="([^"]+)"', page).group(1))
    assert href == "/pair?id=a1:1&prev=a2:0&flag=&status=pending&article=&q="
    assert client.get(href).status_code == 200
    assert store.count("reviews") == 0


def test_empty_edit_is_refused_with_the_text_kept(client: FlaskClient, store: Store) -> None:
    page = open_pair(client, "a1:0")
    resp = post_decision(client, page, "a1:0", "edit", after="   ")
    assert resp.status_code == 400
    assert "English is empty; type the English and save the edit, or reject the pair" in resp.get_data(as_text=True)
    assert review.history(store, "a1:0") == []


def test_csrf_and_cross_site_requests_are_refused(client: FlaskClient, store: Store) -> None:
    page = open_pair(client, "a1:0")
    data = {"id": "a1:0", "parent_id": "0", "action": "accept", "after": "Kept text <b>"}
    resp = client.post("/decide", data=data)
    assert resp.status_code == 403
    body = resp.get_data(as_text=True)
    assert "security token" in body and "Kept text &lt;b&gt;" in body
    assert client.post("/decide", data={**data, "csrf": "forged"}).status_code == 403
    assert client.post("/decide", data={**data, "csrf": "ümlaut"}).status_code == 403
    # (QA on save finds the edit odd: confirmed, for this very text)
    good = {**data, "csrf": csrf_of(page), "confirm_qa": qa.confirm_marker("Kept text <b>")}
    assert client.post("/decide", data=good, headers={"Origin": "http://evil.example"}).status_code == 403
    assert client.post("/decide", data=good, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert client.post("/undo", data={"id": "a1:0", "parent_id": "0"}).status_code == 403
    assert client.post("/reviewer", data={"reviewer": "mallory"}).status_code == 403
    assert review.history(store, "a1:0") == []
    # another browser (no session) cannot reuse this session's token
    other = client.application.test_client()
    assert other.post("/decide", data=good).status_code == 403
    # the same request from this page's own origin goes through
    resp = client.post("/decide", data=good, headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"})
    assert resp.status_code == 303
    assert len(review.history(store, "a1:0")) == 1


def test_host_header_must_be_loopback(client: FlaskClient) -> None:
    assert client.get("/review", headers={"Host": "attacker.example:8765"}).status_code == 400
    assert client.get("/review", headers={"Host": "127.0.0.1:8765"}).status_code == 302


def test_token_required_when_not_on_loopback(store: Store) -> None:
    app = create_app(store, reviewer="ana", token="s3cret-token", allowed_hosts=None)
    c = app.test_client()
    resp = c.get("/pair?id=a1:0")
    assert resp.status_code == 401 and "access token is required" in resp.get_data(as_text=True)
    assert c.get("/static/review.css").status_code == 401
    assert c.get("/pair?id=a1:0&token=wrong").status_code == 401
    resp = c.get("/pair?id=a1:0&token=s3cret-token")
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/pair?id=a1:0"  # the token leaves the address bar
    assert "HttpOnly" in resp.headers["Set-Cookie"] and "SameSite=Lax" in resp.headers["Set-Cookie"]
    assert c.get("/pair?id=a1:0").status_code == 200  # the cookie is enough now
    # a cookie from a server with another token is not accepted
    app2 = create_app(store, reviewer="ana", token="other-token", allowed_hosts=None)
    c2 = app2.test_client()
    c2.set_cookie(app.config["SESSION_COOKIE_NAME"], c.get_cookie(app.config["SESSION_COOKIE_NAME"]).value)
    assert c2.get("/pair?id=a1:0").status_code == 401


def test_is_loopback() -> None:
    assert all(map(is_loopback, ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"]))
    assert not any(map(is_loopback, ["0.0.0.0", "192.168.1.5", "::", "example.org"]))


def test_stale_save_gets_a_conflict_page(store: Store, client: FlaskClient) -> None:
    other = client.application.test_client()
    mine = open_pair(client, "a1:2")
    theirs = open_pair(other, "a1:2")
    assert post_decision(other, theirs, "a1:2", "edit", after="Residents were pleased.").status_code == 303
    resp = post_decision(client, mine, "a1:2", "edit", after="The residents welcomed it warmly.")
    assert resp.status_code == 409
    page = resp.get_data(as_text=True)
    assert "changed while you had it open" in page
    assert "Residents were pleased." in page and "The residents welcomed it warmly." in page
    assert [r["after"] for r in review.history(store, "a1:2")] == ["Residents were pleased."]
    # "save mine" from the conflict page carries the new parent and goes through
    assert parent_of(page) == review.history(store, "a1:2")[-1]["id"]
    resp = client.post("/decide", data={"csrf": csrf_of(page), "id": "a1:2", "parent_id": str(parent_of(page)),
                                        "action": "edit", "after": "The residents welcomed it warmly."})
    assert resp.status_code == 303
    assert [r["after"] for r in review.history(store, "a1:2")] == [
        "Residents were pleased.", "The residents welcomed it warmly."]


def test_double_submit_is_saved_once(client: FlaskClient, store: Store) -> None:
    page = open_pair(client, "a1:0")
    assert post_decision(client, page, "a1:0", "accept").status_code == 303
    assert post_decision(client, page, "a1:0", "accept").status_code == 303
    assert len(review.history(store, "a1:0")) == 1


def test_undo(client: FlaskClient, store: Store) -> None:
    page = open_pair(client, "a1:0")
    post_decision(client, page, "a1:0", "reject")
    rid = review.history(store, "a1:0")[-1]["id"]
    page = open_pair(client, "a1:1", last=str(rid))
    before = [tuple(r) for r in store.conn.execute("SELECT * FROM reviews ORDER BY id")]
    resp = client.post("/undo", data={"csrf": csrf_of(page), "id": "a1:0", "parent_id": str(rid)})
    assert resp.status_code == 303 and resp.headers["Location"].startswith("/pair?id=a1:0&")
    h = review.history(store, "a1:0")
    assert [r["status"] for r in h] == ["rejected", "pending"]
    # history is append-only: the undo added a row and changed none
    after = [tuple(r) for r in store.conn.execute("SELECT * FROM reviews ORDER BY id")]
    assert after[: len(before)] == before and len(after) == len(before) + 1
    # undoing the same decision again is stale now: conflict, nothing written
    resp = client.post("/undo", data={"csrf": csrf_of(page), "id": "a1:0", "parent_id": str(rid)})
    assert resp.status_code == 409
    assert len(review.history(store, "a1:0")) == 2
    page = open_pair(client, "a1:0")
    assert "History (2)" in page


def test_filters(client: FlaskClient, store: Store) -> None:
    def first(**args: str) -> str:
        resp = client.get("/review", query_string=args)
        if resp.status_code == 200:
            return "EMPTY" if "Nothing left in this queue" in resp.get_data(as_text=True) else "?"
        return re.search(r"id=([^&]+)", resp.headers["Location"]).group(1)

    assert first(flag="length_ratio") == "a1:1"
    assert first(flag="none") == "a1:0"
    assert first(article="a1") == "a1:1"
    assert first(q="warga") == "a1:2"
    assert first(q="nothing like this") == "EMPTY"
    page = open_pair(client, "a1:1")
    post_decision(client, page, "a1:1", "accept")
    assert first(flag="length_ratio") == "EMPTY"
    assert first(flag="length_ratio", status="accepted") == "a1:1"
    assert first(flag="length_ratio", status="all") == "a1:1"
    # the filters ride along with a decision: next pair within the same filter
    page = open_pair(client, "a1:0", article="a1")
    resp = post_decision(client, page, "a1:0", "accept", article="a1")
    assert "id=a1:2&" in resp.headers["Location"] and "article=a1" in resp.headers["Location"]
    assert client.get("/review?status=bogus").status_code == 400
    assert client.get("/pair?id=nope").status_code == 404


def test_history_page_and_reviewer_name(client: FlaskClient, store: Store) -> None:
    page = open_pair(client, "a1:0")
    resp = client.post("/reviewer", data={"csrf": csrf_of(page), "reviewer": "  Budi  S. ", "back": "//evil.example"})
    assert resp.status_code == 303 and resp.headers["Location"] == "/review"
    page = open_pair(client, "a1:0")
    post_decision(client, page, "a1:0", "accept")
    assert review.history(store, "a1:0")[-1]["reviewer"] == "Budi S."
    page = client.get("/history?id=a1:0").get_data(as_text=True)
    assert "Budi S." in page and "accepted" in page
    assert client.get("/api/progress").get_json()["accepted"] == 1


def test_server_off_loopback_prints_token_once_and_requires_it(store: Store, tmp_path: Path) -> None:
    """The real server (subprocess) on 0.0.0.0 with $BITEXT_REVIEW_TOKEN: no token, no page."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = Path(__file__).resolve().parents[2]
    code = f"from bitext.web.app import serve; serve({str(store.path.parent)!r}, host='0.0.0.0', port={port})"
    env = {**os.environ, "BITEXT_REVIEW_TOKEN": "tok-1234567890abcdef", "PYTHONPATH": str(root)}
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=root, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        first = proc.stdout.readline()
        from bitext.web.app import reachable_host

        # The address printed is one a browser can open (never 0.0.0.0).
        assert first.endswith(f"on 0.0.0.0:{port}; open http://{reachable_host('0.0.0.0')}:{port}/?token="
                              "tok-1234567890abcdef\n")
        url = f"http://127.0.0.1:{port}/review"
        for _ in range(50):
            try:
                urllib.request.urlopen(url, timeout=2)
            except urllib.error.HTTPError as e:
                assert e.code == 401
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("server did not answer")

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a: object, **k: object) -> None:
                return None

        with pytest.raises(urllib.error.HTTPError) as exc:
            urllib.request.build_opener(NoRedirect).open(url + "?token=tok-1234567890abcdef", timeout=5)
        assert exc.value.code == 303 and "Set-Cookie" in exc.value.headers
    finally:
        proc.kill()
        proc.wait()
