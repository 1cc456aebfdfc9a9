"""Post-editing by keyboard in headless Chromium: a translation-memory match inserted with its number carried
over, a glossary term added from the page and marked, QA's glossary warning on save, a consistency fix, and
the concordance."""

from __future__ import annotations

from pathlib import Path

from bitext import review
from bitext.review import glossary
from bitext.store import Store
from tests.factories import CorpusBuilder
from tests.web import test_browser as tb
from tests.web.test_browser import press_and_wait, serving, shown_pair, state

pytestmark = tb.pytestmark
browser = tb.browser  # the module's Chromium fixture

S1 = "Harga beras di pasar Cianjur naik 10 persen pada 2024."
E1 = "Rice prices at the Cianjur market rose 10 percent in 2024."
S2 = "Harga beras di pasar Cianjur naik 12 persen pada 2024."
E2 = "Rice prices at the Cianjur market rose 12 percent in 2024."
REPEAT = "Demikian disampaikan juru bicara."


def build(folder: Path) -> Store:
    b = CorpusBuilder(folder)
    for aid in ("a1", "a2", "a3"):
        b.article(aid)
    b.pair("a1:0", S1, "MT one.", mt="MT one.")
    b.pair("a1:1", REPEAT, "Thus said the spokesman.", mt="Thus said the spokesman.")
    b.pair("a2:0", S2, "Rice price in Cianjur market up 12 percent 2024.", mt="Rice price in Cianjur market up 12 percent 2024.")
    b.pair("a2:1", "Jembatan itu baru.", "The overpass is new.", mt="The overpass is new.")
    b.pair("a3:0", REPEAT, "The spokesperson said so.", mt="The spokesperson said so.")
    b.pair("a3:1", REPEAT, "Thus said the spokesman.", mt="Thus said the spokesman.")
    review.decide(b.store, "a1:0", "edited", reviewer="ana", after=E1)
    for pid in ("a1:1", "a3:0", "a3:1"):
        review.decide(b.store, pid, "accepted", reviewer="budi")
    return b.store


def select_in(page: object, selector: str, text: str) -> None:
    """Select ``text`` inside the element (as a reviewer would with the mouse or Shift+arrows)."""
    page.evaluate("""([sel, text]) => {
      const el = document.querySelector(sel); const node = el.firstChild;
      const at = node.textContent.indexOf(text); const r = document.createRange();
      r.setStart(node, at); r.setEnd(node, at + text.length);
      const s = window.getSelection(); s.removeAllRanges(); s.addRange(r); }""", [selector, text])


def test_a_tm_match_goes_in_with_alt_1_and_its_number_carried_over(browser: object, tmp_path: Path) -> None:
    build(tmp_path / "corpus").close()
    with serving(browser, tmp_path / "corpus") as (srv, pg):
        pg.goto(f"{srv.url}/pair?id=a2:0")
        assert "98.1%" in pg.inner_text("#tm-1") and "10 → 12" in pg.inner_text("#tm-1")
        pg.keyboard.press("Alt+1")
        assert pg.input_value("#after") == E2
        assert pg.evaluate("document.activeElement.id") == "after"  # ready to go on editing
        press_and_wait(pg, "Control+Enter")
        assert shown_pair(pg) != "a2:0"
    assert state(tmp_path / "corpus", "a2:0") == ("edited", E2)


def test_a_term_added_from_the_page_is_marked_and_qa_warns_on_save(browser: object, tmp_path: Path) -> None:
    build(tmp_path / "corpus").close()
    with serving(browser, tmp_path / "corpus") as (srv, pg):
        pg.goto(f"{srv.url}/pair?id=a2:1")
        assert pg.query_selector("#source mark.term") is None
        select_in(pg, "#source", "Jembatan")
        pg.keyboard.press("Alt+G")
        assert pg.input_value("#term-source") == "Jembatan"
        assert pg.evaluate("document.activeElement.id") == "term-target"
        pg.keyboard.type("bridge")
        press_and_wait(pg, "Enter")
        assert "Term added" in pg.inner_text("#term-added")
        mark = pg.query_selector("#source mark.term")
        assert mark.inner_text() == "Jembatan" and mark.get_attribute("title") == "bridge"
        assert "Jembatan → bridge" in pg.inner_text("#glossary")
        pg.keyboard.press("e")
        pg.keyboard.press("Control+a")
        pg.keyboard.type("The overpass was new.")
        press_and_wait(pg, "Control+Enter")
        assert shown_pair(pg) == "a2:1"  # held: not saved yet
        assert "Jembatan → bridge" in pg.inner_text("#qa") and "glossary" in pg.inner_text("#qa")
        assert pg.input_value("#after") == "The overpass was new."
        pg.keyboard.press("e")
        pg.keyboard.press("Control+a")
        pg.keyboard.type("The bridge was new.")
        press_and_wait(pg, "Control+Enter")
        assert shown_pair(pg) != "a2:1"
    assert state(tmp_path / "corpus", "a2:1") == ("edited", "The bridge was new.")
    with Store.open(tmp_path / "corpus", create=False) as s:
        assert [t.source for t in glossary.terms(s)] == ["Jembatan"]


def test_a_consistency_fix_is_one_click_away(browser: object, tmp_path: Path) -> None:
    build(tmp_path / "corpus").close()
    with serving(browser, tmp_path / "corpus") as (srv, pg):
        pg.goto(f"{srv.url}/pair?id=a2:0")
        press_and_wait(pg, "Alt+Y")
        assert pg.url.endswith("/consistency")
        assert "Indonesian with more than one English (1)" in pg.inner_text("#consistency")
        pg.focus("#groups a.fix[href*='a3%3A0'], #groups a.fix[href*='a3:0']")
        press_and_wait(pg, "Enter")
        assert shown_pair(pg) == "a3:0"
        pg.keyboard.press("e")
        pg.keyboard.press("Control+a")
        pg.keyboard.type("Thus said the spokesman.")
        press_and_wait(pg, "Control+Enter")
        press_and_wait(pg, "Alt+Y")
        assert "Every Indonesian sentence decided more than once has one English." in pg.inner_text("#consistency")
    assert state(tmp_path / "corpus", "a3:0") == ("edited", "Thus said the spokesman.")


def test_concordance_by_keyboard(browser: object, tmp_path: Path) -> None:
    build(tmp_path / "corpus").close()
    with serving(browser, tmp_path / "corpus") as (srv, pg):
        pg.goto(f"{srv.url}/pair?id=a2:0")
        select_in(pg, "#source", "Cianjur")
        press_and_wait(pg, "Alt+K")
        assert pg.input_value("#cq") == "Cianjur"
        rows = pg.query_selector_all("tr.cq-line")
        assert [r.inner_text().split()[0] for r in rows] == ["a1:0"]  # decided pairs only (a2:0 is pending)
        assert [m.inner_text() for m in pg.query_selector_all("tr.cq-line mark")] == ["Cianjur", "Cianjur"]
        pg.keyboard.press("Alt+K")  # on the page: its search box
        pg.keyboard.press("Control+a")
        pg.keyboard.type("spokes")
        press_and_wait(pg, "Enter")
        assert sorted(r.inner_text().split()[0] for r in pg.query_selector_all("tr.cq-line")) == ["a1:1", "a3:0",
                                                                                                   "a3:1"]
