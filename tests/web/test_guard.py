"""The app's shape and its security module on their own: route table, package files, session key,
refusals carrying the security headers."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

import bitext.web
from bitext.model import MetaKey
from bitext.store import Store
from bitext.web.app import ROUTES, create_app
from bitext.web.guard import CSP, Guard, Refused, session_secret
from tests.factories import CorpusBuilder

PACKAGE = Path(bitext.web.__file__).parent


@pytest.fixture
def store(tmp_path: Path) -> Store:
    b = CorpusBuilder(tmp_path / "corpus")
    b.article("a1", ["Satu."])
    b.pair("a1:0", "Satu.", "One.")
    yield b.store
    b.store.close()


def test_routes_come_from_one_table(store: Store) -> None:
    app = create_app(store, reviewer="ana")
    rules = {r.endpoint: (r.rule, r.methods - {"HEAD", "OPTIONS"}) for r in app.url_map.iter_rules()}
    assert rules.pop("static")[0] == "/static/<path:filename>"
    assert rules == {r.endpoint: (r.rule, set(r.methods)) for r in ROUTES}
    assert len({r.rule for r in ROUTES}) == len(ROUTES)


def test_templates_and_static_files_live_in_the_package(store: Store) -> None:
    app = create_app(store, reviewer="ana")
    assert app.jinja_loader.searchpath == [str(PACKAGE / "templates")]
    assert Path(app.static_folder) == PACKAGE / "static"
    resp = app.test_client().get("/static/review.css")
    assert resp.status_code == 200 and resp.data == (PACKAGE / "static" / "review.css").read_bytes()
    assert not (PACKAGE.parent / "templates").exists() and not (PACKAGE.parent / "static").exists()


def test_session_key_is_kept_in_the_store(store: Store) -> None:
    assert store.get_meta(MetaKey.REVIEW_SECRET) is None
    first = create_app(store).config["SECRET_KEY"]
    assert store.get_meta(MetaKey.REVIEW_SECRET) == first and len(first) == 64
    assert create_app(store).config["SECRET_KEY"] == first == session_secret(store)  # survives a restart


def test_refusals_get_the_security_headers(store: Store) -> None:
    c = create_app(store).test_client()
    for resp in (c.get("/review", headers={"Host": "evil.example"}), c.post("/decide", data={})):
        assert resp.status_code in (400, 403)
        assert resp.headers["Content-Security-Policy"] == CSP and resp.headers["X-Frame-Options"] == "DENY"
        assert resp.headers["Cache-Control"] == "no-store"


def test_guard_without_views() -> None:
    """The guard works on any Flask app: nothing in it knows the review pages."""
    app = Flask(__name__)
    app.secret_key = "k"
    Guard(allowed_hosts=("localhost",), token="t0k").install(app)
    app.add_url_rule("/x", "x", lambda: "ok", methods=["GET", "POST"])
    seen: list[Refused] = []

    @app.errorhandler(Refused)
    def refused(e: Refused) -> tuple[str, int]:
        seen.append(e)
        return e.message, e.code

    c = app.test_client()
    assert c.get("/x", headers={"Host": "127.0.0.1"}).status_code == 400
    assert c.get("/x", headers={"Host": "localhost"}).status_code == 401
    resp = c.get("/x?token=t0k&a=1", headers={"Host": "localhost"})
    assert (resp.status_code, resp.headers["Location"]) == (303, "/x?a=1")
    assert c.get("/x", headers={"Host": "localhost"}).get_data(as_text=True) == "ok"
    assert c.post("/x", headers={"Host": "localhost"}).status_code == 403
    assert [(e.code, e.keep_text) for e in seen] == [(400, False), (401, False), (403, True)]
