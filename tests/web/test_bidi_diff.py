"""The diff against the English the pair had (MT or human reference; chrF to the MT only for MT), and bidi
isolation of every text a page shows, checked in Chromium with right-to-left text in every field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bitext import review
from bitext.review.stats import review_stats
from bitext.store import Store
from tests.factories import CorpusBuilder
from tests.web import test_browser as tb
from tests.web.test_webapp import open_pair

REF = "Prices went up by ten percent."
MT = "Prices rose 10 percent."


@pytest.fixture
def store(tmp_path: Path) -> Store:
    b = CorpusBuilder(tmp_path / "corpus")
    b.article("a1")
    b.pair("a1:ref-0.0", "Harga naik 10 persen.", REF, kind="reference", mt=MT)
    b.pair("a1:0.0", "Harga naik 10 persen.", MT, mt=MT)
    return b.store


def test_the_diff_is_against_the_reference_for_a_reference_pair(client, store: Store) -> None:
    review.decide(store, "a1:ref-0.0", "edited", reviewer="ana", after="Prices went up by 10 percent.")
    page = open_pair(client, "a1:ref-0.0", status="all")
    diff = re.search(r'id="mt-diff">(.*?)</p>', page, re.S).group(1)
    assert diff.startswith("vs reference: ") and "<del>ten</del><ins>10</ins>" in diff
    assert "<del>rose" not in diff  # not against the MT
    # chrF to the MT only where the English was the MT.
    assert review_stats(store).reviewers[0].mean_chrf is None
    review.decide(store, "a1:0.0", "edited", reviewer="ana", after="Prices rose by 10 percent.")
    page = open_pair(client, "a1:0.0", status="all")
    assert re.search(r'id="mt-diff">vs MT: ', page)
    assert review_stats(store).reviewers[0].mean_chrf is not None


RTL = "שלום עולם"
ISOLATED = """(marker) => {
  const bad = [];
  const ok = (el) => el && (el.tagName === 'BDI' || el.hasAttribute('dir'));
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const n = walker.currentNode;
    if (!n.nodeValue.includes(marker)) continue;
    const p = n.parentElement;
    // the text's own element, or the one around it (e.g. <code><bdi>), isolates it
    if (!(ok(p) || (ok(p.parentElement) && p.childNodes.length === 1))) bad.push(p.outerHTML.slice(0, 160));
  }
  for (const el of document.querySelectorAll('input:not([type=hidden]), textarea')) {
    if (el.value.includes(marker) && !el.hasAttribute('dir')) bad.push(el.outerHTML.slice(0, 160));
  }
  return bad;
}"""


@pytest.mark.browser
@pytest.mark.slow
def test_every_page_isolates_right_to_left_text(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(tb.CHROMIUM).exists():
        pytest.skip("no chromium")
    b = CorpusBuilder(tmp_path / "corpus")
    aid = f"art-{RTL}"
    b.article(aid, title=f"Judul {RTL}")
    for i in range(4):
        b.pair(f"{aid}:0.{i}", f"Kalimat {i} {RTL}.", f"Sentence {i} {RTL}.", article_id=aid, bead_idx=i,
               mt=f"Sentence {i} {RTL}.")
    b.flag(f"{aid}:0.1", "length_ratio", severity="warning", reason=f"odd {RTL}")
    b.store.close()
    with Store.open(tmp_path / "corpus", create=False) as s:
        review.decide(s, f"{aid}:0.1", "edited", reviewer=f"{RTL} reviewer", after=f"Edited {RTL} text.",
                      comment=f"note {RTL}")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=tb.CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        srv = tb.Server(tmp_path / "corpus", tb.free_port())
        srv.start()
        try:
            pg = browser.new_page()
            pages = [f"/pair?id={aid}:0.1&status=all", f"/pair?id={aid}:0.2&status=all", f"/history?id={aid}:0.1",
                     "/stats", f"/review?q={RTL}-none"]
            for url in pages:
                pg.goto(srv.url + url)
                assert RTL in pg.content(), url
                assert pg.evaluate(ISOLATED, RTL) == [], url
            # the conflict page: someone else saves while this page is open
            pg.goto(f"{srv.url}/pair?id={aid}:0.3&status=all")
            with Store.open(tmp_path / "corpus", create=False) as s:
                review.decide(s, f"{aid}:0.3", "edited", reviewer=f"{RTL} other", after=f"Theirs {RTL}.")
            pg.fill("#after", f"Mine {RTL}.")
            with tb.updated(pg):  # review.js puts the answer in place
                pg.click("#btn-edit")
            assert "Not saved" in pg.inner_text("h1")
            assert pg.evaluate(ISOLATED, RTL) == []
        finally:
            srv.kill()
            browser.close()
