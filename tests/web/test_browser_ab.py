"""The blind A/B page by keyboard in headless Chromium: 1 / 2 pick, e then 2 edits (Ctrl+Enter saves a
preference and a decision), t a tie, s skips; the stats page sums it up (tests/web/test_browser.py starts
Chromium and the server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bitext.review import ab
from bitext.store import Store
from tests.web.test_ab import SIG_A, SIG_B, add, build
from tests.web.test_browser import Server, browser, free_port  # noqa: F401  (browser: a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def shown_item(pg) -> str:  # noqa: ANN001
    return pg.get_attribute("#ab-form", "data-pair")


def go(pg, key: str) -> None:  # noqa: ANN001
    with pg.expect_navigation():
        pg.keyboard.press(key)


def test_blind_ab_by_keyboard(browser, tmp_path: Path) -> None:  # noqa: F811
    s = build(tmp_path / "c", n=4)
    add(s, n=4)
    s.close()
    srv = Server(tmp_path / "c", free_port())
    srv.start()
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    try:
        pg.goto(srv.url + "/ab")
        assert shown_item(pg) == "a1:0"
        left = pg.get_attribute("#ab-1", "data-text")
        go(pg, "1")  # the left one
        assert shown_item(pg) == "a1:1"
        go(pg, "s")  # skipped
        assert shown_item(pg) == "a1:2"
        pg.keyboard.press("e")
        pg.keyboard.press("2")  # edit the right one
        assert pg.is_visible("#ab-text") and pg.input_value("#ab-text") == pg.get_attribute("#ab-2", "data-text")
        right = pg.get_attribute("#ab-2", "data-text")
        pg.keyboard.press("End")
        pg.keyboard.type(" Really.")
        go(pg, "Control+Enter")
        assert shown_item(pg) == "a1:3"
        go(pg, "t")
        assert shown_item(pg) == "a1:1"  # wrapped round to the skipped one
        pg.goto(srv.url + "/stats")
        assert pg.inner_text("#ab-stats .ab-edited") == "1" and pg.inner_text("#ab-stats .ab-ties") == "1"
    finally:
        ctx.close()
        srv.kill()
    with Store.open(tmp_path / "c", create=False) as st:
        prefs = {r["pair_id"]: r for r in st.conn.execute("SELECT * FROM review_preferences")}
        texts = {r["pair_id"]: r for r in st.conn.execute("SELECT * FROM review_ab")}
        assert set(prefs) == {"a1:0", "a1:2", "a1:3"}
        first = texts["a1:0"]
        assert prefs["a1:0"]["chosen"] == (SIG_A if first["text_a"] == left else SIG_B)
        assert prefs["a1:0"]["edited"] is None
        third = texts["a1:2"]
        assert prefs["a1:2"]["chosen"] == (SIG_A if third["text_a"] == right else SIG_B)
        assert prefs["a1:2"]["edited"] == f"{right} Really."
        assert st.review_states()["a1:2"]["after"] == f"{right} Really."
        assert prefs["a1:3"]["chosen"] is None
        [summary] = ab.summary(st)
        assert summary.ties == 1 and summary.edited == 1 and summary.wins_a + summary.wins_b == 2
