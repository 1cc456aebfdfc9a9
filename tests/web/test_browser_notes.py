"""The post-editing notes by keyboard in headless Chromium: the reason asked before a flagged pair is
confirmed unedited, an MQM annotation, a discussion a lead resolves, the guidelines panel and the kind
filter (tests/web/test_browser.py starts Chromium and the server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bitext.review import discussion, people, typology
from bitext.store import Store
from tests.factories import CorpusBuilder
from tests.web.test_browser import (  # noqa: F401  (browser: a fixture)
    Server,
    browser,
    free_port,
    press_and_wait,
    shown_pair,
    state,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GUIDE = "# Numbers\n\nKeep **every number** as written; <script>alert(1)</script> is text.\n"


def build(folder: Path) -> Store:
    b = CorpusBuilder(folder)
    b.article("n1")
    sig = "model:opus-mt-id-en@r1|beams:4"
    b.pair("n1:0", "Presiden tiba di Jakarta pada hari Senin pagi.", "The president arrived.",
           mt="The president arrived.", signature=sig)
    b.pair("n1:1", "Harga beras naik 10 persen.", "Rice prices rose 10 percent.", mt="Rice prices rose 10 percent.",
           signature=sig)
    b.pair("n1:2", "Hujan turun sepanjang hari.", "It rained all day.", mt="It rained all day.", signature=sig)
    b.pair("n1:ref-0", "Harga beras naik 10 persen.", "The price of rice went up by 10 percent.", article_id="n1",
           kind="reference", bead_idx=0)
    b.flag("n1:0", "length_ratio", severity="error", reason="English is 0.4x the expected length")
    return b.store


@pytest.fixture
def notes_server(tmp_path: Path):
    build(tmp_path / "corpus").close()
    guide = tmp_path / "guide.md"
    guide.write_text(GUIDE, encoding="utf-8")
    srv = Server(tmp_path / "corpus", free_port(), guide)
    srv.start()
    yield srv
    srv.kill()


@pytest.fixture
def pg(browser):  # noqa: F811
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    yield page
    ctx.close()


def notes_of(corpus: Path, pair_id: str) -> typology.Notes | None:
    with Store.open(corpus, create=False) as s:
        rid = s.review_states()[pair_id]["id"]
        return typology.notes_for(s.conn, [rid]).get(rid)


def test_kind_filter_and_labels_by_keyboard(notes_server: Server, pg) -> None:
    pg.goto(notes_server.url + "/")
    assert shown_pair(pg) == "n1:ref-0" and pg.inner_text("#kind") == "REFERENCE"  # references first
    press_and_wait(pg, "k")  # the kind filter, one step on: MT
    assert shown_pair(pg) == "n1:0" and pg.inner_text("#kind") == "MT"
    assert pg.input_value("#kind-filter") == "mt" and "kind=mt" in pg.url
    press_and_wait(pg, "k")  # every kind
    assert pg.input_value("#kind-filter") == "all"


def test_a_flagged_pair_confirmed_unedited_asks_why_by_keyboard(notes_server: Server, pg) -> None:
    pg.goto(notes_server.url + "/pair?id=n1:0&kind=mt")
    pg.keyboard.press("a")
    assert pg.is_visible("#reason-prompt") and state(notes_server.corpus, "n1:0") is None  # nothing sent yet
    pg.keyboard.press("Escape")  # back to the pair
    assert not pg.is_visible("#reason-prompt")
    pg.keyboard.press("a")
    pg.keyboard.press("5")  # "Other": type the reason
    assert pg.evaluate("document.activeElement.id") == "reason-text"
    pg.keyboard.type("short on purpose: a headline")
    press_and_wait(pg, "Enter")
    assert state(notes_server.corpus, "n1:0") == ("accepted", "The president arrived.")
    assert notes_of(notes_server.corpus, "n1:0") == typology.Notes((), "short on purpose: a headline")
    assert shown_pair(pg) == "n1:1"  # and on to the next pair
    pg.goto(notes_server.url + "/history?id=n1:0")
    assert "accepted unedited: short on purpose: a headline" in pg.inner_text("table.hist")


def test_an_mqm_annotation_by_keyboard_is_saved_with_the_decision(notes_server: Server, pg) -> None:
    pg.goto(notes_server.url + "/pair?id=n1:1&kind=mt")
    pg.keyboard.press("m")  # the error picker
    assert pg.evaluate("document.getElementById('mqm').open")
    for key in ("2", "2", "7", "1"):  # accuracy/omission: major; locale: minor
        pg.keyboard.press(key)
    assert pg.input_value("#err-2") == "major" and pg.input_value("#err-7") == "minor"
    assert pg.inner_text("#mqm-summary") == "accuracy/omission: major · locale: minor"
    pg.keyboard.press("7")
    pg.keyboard.press("0")  # locale: none again
    pg.keyboard.press("Escape")
    press_and_wait(pg, "a")
    assert state(notes_server.corpus, "n1:1")[0] == "accepted"
    assert notes_of(notes_server.corpus, "n1:1") == typology.Notes((("accuracy/omission", "major"),), None)
    pg.goto(notes_server.url + "/stats")
    assert "accuracy/omission" in pg.inner_text("#typology") and "MT: opus-mt-id-en@r1\t1\t1\t1\t0\t1\t0\t100.0\t5" in pg.inner_text("#typology-models")


def test_the_guidelines_panel_is_one_key_away(notes_server: Server, pg) -> None:
    pg.goto(notes_server.url + "/pair?id=n1:2&kind=mt")
    assert not pg.is_visible("#guidelines")
    pg.keyboard.press("g")
    assert pg.is_visible("#guidelines")
    text = pg.inner_text("#guidelines")
    assert "Keep every number as written; <script>alert(1)</script> is text." in text
    assert pg.dialogs == []
    pg.keyboard.press("Escape")
    assert not pg.is_visible("#guidelines")


def test_a_discussion_by_keyboard_and_a_leads_resolve(browser, tmp_path: Path) -> None:  # noqa: F811
    store = build(tmp_path / "team")
    tokens = {n: people.add_person(store, n, r) for n, r in (("rita", "reviewer"), ("lea", "lead"))}
    store.close()
    (tmp_path / "guide.md").write_text(GUIDE, encoding="utf-8")
    srv = Server(tmp_path / "team", free_port(), tmp_path / "guide.md")
    srv.start()
    ctxs = []
    try:
        def sign_in(name: str):
            ctx = browser.new_context(viewport={"width": 1280, "height": 900})
            ctxs.append(ctx)
            page = ctx.new_page()
            page.goto(f"{srv.url}/review?token={tokens[name]}")
            return page

        rita = sign_in("rita")
        rita.goto(srv.url + "/pair?id=n1:2&status=all")
        rita.keyboard.press("d")
        assert rita.evaluate("document.activeElement.id") == "discuss-body"
        rita.keyboard.type("Is 'sepanjang hari' all day or the whole day?")
        with rita.expect_navigation():
            rita.keyboard.press("Control+Shift+Enter")  # post and ask for a discussion
        assert rita.inner_text("#discussion-state") == "NEEDS DISCUSSION"
        assert "btn-resolve" not in rita.content()  # a reviewer cannot resolve it
        rita.keyboard.press("d")
        rita.keyboard.type("Either reads fine to me.")
        with rita.expect_navigation():
            rita.keyboard.press("Control+Enter")  # a plain comment
        lea = sign_in("lea")
        lea.goto(srv.url + "/review?discuss=1")
        assert shown_pair(lea) == "n1:2"
        assert "Either reads fine to me." in lea.inner_text("#thread")
        lea.keyboard.press("d")
        lea.keyboard.type("Keep 'all day'.")
        with lea.expect_navigation():
            lea.keyboard.press("Control+Shift+Enter")  # resolve
        with Store.open(tmp_path / "team", create=False) as s:
            assert [(c.author, c.event) for c in discussion.thread(s.conn, "n1:2")] == [
                ("rita", "open"), ("rita", "comment"), ("lea", "resolve")]
            assert not discussion.is_open(s.conn, "n1:2")
        lea.goto(srv.url + "/review?discuss=1")
        assert "Nothing left in this queue" in lea.inner_text("main")
    finally:
        for ctx in ctxs:
            ctx.close()
        srv.kill()
