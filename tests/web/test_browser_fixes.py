"""Bugs that were in the page, checked in headless Chromium: 'a' on a pair without English, and '/' search
from a page whose links carry the 'pending' filter."""

from __future__ import annotations

from pathlib import Path

from bitext import review
from tests.factories import CorpusBuilder
from tests.web import test_browser as tb
from tests.web.test_browser import ARTICLE, PAIRS, build_store, press_and_wait, serving, shown_pair

pytestmark = tb.pytestmark
browser = tb.browser  # the module's Chromium fixture


def test_a_on_a_pair_without_english_keeps_the_pair_and_says_why(browser: object, tmp_path: Path) -> None:
    store = build_store(tmp_path / "corpus")
    CorpusBuilder(store).pair("z_web:9", "Kalimat tanpa terjemahan.", "", article_id="z_web", bead_idx=9,
                              bead_type="1-0")
    store.close()
    with serving(browser, tmp_path / "corpus") as (srv, pg):
        pg.goto(f"{srv.url}/pair?id=z_web:9")
        press_and_wait(pg, "a")
        assert shown_pair(pg) == "z_web:9"  # still the pair, not an error page
        assert "nothing to accept" in pg.inner_text("#notice")
        pg.keyboard.press("e")
        pg.keyboard.type("A sentence without a translation.")
        press_and_wait(pg, "Control+Enter")
        assert shown_pair(pg) != "z_web:9"


def test_slash_search_finds_decided_pairs(browser: object, tmp_path: Path) -> None:
    store = build_store(tmp_path / "corpus")
    review.decide(store, f"{ARTICLE}:6", "accepted", reviewer="budi")
    store.close()
    with serving(browser, tmp_path / "corpus") as (srv, pg):
        pg.goto(srv.url + "/")  # a pair page: its links and filter form carry status=pending
        assert "status=pending" in pg.url
        pg.keyboard.press("/")
        pg.keyboard.type("krusial")
        press_and_wait(pg, "Enter")
        assert shown_pair(pg) == f"{ARTICLE}:6", pg.inner_text("main")[:200]
        assert PAIRS[6][1] == pg.input_value("#after")


def test_join_and_split_in_the_page(browser: object, tmp_path: Path) -> None:
    from bitext.review.structure import stale_edits
    from bitext.store import Store
    from tests.review.test_edits import _corpus

    _corpus(tmp_path / "corpus").close()
    with serving(browser, tmp_path / "corpus") as (srv, pg):
        pg.goto(f"{srv.url}/pair?id=art00:0.2")
        pg.click("#reshape summary")
        with pg.expect_navigation():
            pg.click("#btn-join")
        assert shown_pair(pg) == "art00:0.2+0.3"
        assert "Warga menyambut baik" in pg.inner_text("#source") and "Pasar di sekitar" in pg.inner_text("#source")
        assert "1 new pair" in pg.inner_text("#reshaped")
        pg.click("#reshape summary")
        pg.select_option("#split-src", "1")
        pg.select_option("#split-tgt", "1")
        with pg.expect_navigation():
            pg.click("#btn-split")
        assert shown_pair(pg) == "art00:0.2"
        assert pg.input_value("#after") == "Residents welcomed the construction."
    with Store.open(tmp_path / "corpus", create=False) as s:
        assert [r[0] for r in s.conn.execute("SELECT op FROM review_structure ORDER BY id")] == ["join", "split"]
        assert stale_edits(s) == []
