"""In-place navigation in headless Chromium: the next pair comes without a page load (review.js and the
JSON endpoints of bitext.web.api), the address and the back button follow, and without JavaScript the
same forms still work with page loads."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.web.test_browser import (  # noqa: F401  (browser, page, server: fixtures)
    ARTICLE,
    PAIRS,
    browser,
    page,
    press_and_wait,
    server,
    shown_pair,
    state,
    updated,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def loads(pg: object) -> int:
    """How many documents this tab has loaded (performance entries survive only within one document)."""
    return pg.evaluate("() => window.__loads")


def mark_document(pg: object) -> None:
    pg.evaluate("() => { window.__loads = 1; }")  # gone if the page is loaded again


def test_decisions_and_skip_update_the_page_in_place(server, page) -> None:  # noqa: F811
    page.goto(server.url + "/")
    mark_document(page)
    first = shown_pair(page)
    assert first == f"{ARTICLE}:2"
    page.keyboard.press("a")  # flagged: the reason prompt first (no round trip), then its key saves
    press_and_wait(page, "1")
    second = shown_pair(page)
    assert second != first and state(server.corpus, first) == ("accepted", PAIRS[2][1])
    assert loads(page) == 1  # the same document: no page load
    assert f"id={second}&" in unquote(page.evaluate("() => location.search"))  # the address follows
    assert "accepted" in page.inner_text("#last").lower()
    assert "reviewed" in page.inner_text("#progress") and "1/" in page.inner_text("#progress")
    assert page.title().startswith(second)
    press_and_wait(page, "s")  # skip
    third = shown_pair(page)
    assert third != second and loads(page) == 1
    press_and_wait(page, "p")  # previous: back to the skipped pair
    assert shown_pair(page) == second
    assert page.evaluate("() => performance.getEntriesByName('bitext:painted').length") == 3
    assert page.dialogs == []


def test_back_and_forward_buttons_show_the_pairs_in_order(server, page) -> None:  # noqa: F811
    page.goto(server.url + "/")
    mark_document(page)
    first = shown_pair(page)
    press_and_wait(page, "s")
    second = shown_pair(page)
    press_and_wait(page, "r")  # reject the second: on to the third
    third = shown_pair(page)
    assert len({first, second, third}) == 3
    with updated(page):
        page.go_back()
    assert shown_pair(page) == second
    with updated(page):
        page.go_back()
    assert shown_pair(page) == first
    with updated(page):
        page.go_forward()
    assert shown_pair(page) == second
    assert page.inner_text("#status").lower() == "rejected"  # the page of that address as it is now
    assert loads(page) == 1
    page.reload()  # the address is the real page: a reload shows the same pair
    assert shown_pair(page) == second


def test_search_and_filters_load_in_place(server, page) -> None:  # noqa: F811
    page.goto(server.url + "/")
    mark_document(page)
    page.keyboard.press("/")
    page.keyboard.type("Herdin Ismail menyampaikan")
    with updated(page):
        page.keyboard.press("Enter")
    assert shown_pair(page) == f"{ARTICLE}:2" and loads(page) == 1
    assert page.inner_text(".inq") == "1 in this queue"
    assert "q=Herdin" in page.evaluate("() => location.search")
    page.select_option("select[name=status]", "all")
    with updated(page):
        page.click(".filters button[type=submit]")
    assert page.input_value("#q") == "Herdin Ismail menyampaikan" and loads(page) == 1


def test_an_unsaved_edit_is_not_lost_by_the_back_button(server, page) -> None:  # noqa: F811
    page.goto(server.url + "/")
    first = shown_pair(page)
    press_and_wait(page, "s")
    page.keyboard.press("e")
    page.keyboard.type(" (typed)")
    page.keyboard.press("Escape")
    page.go_back()  # the page asks; the test's handler dismisses: stay on the pair, edit kept
    page.wait_for_timeout(300)
    assert page.dialogs == ["Leave this pair without saving your edit?"]
    assert shown_pair(page) != first and page.input_value("#after").endswith(" (typed)")


def test_without_javascript_the_form_still_decides(server, browser, tmp_path: Path) -> None:  # noqa: F811
    ctx = browser.new_context(java_script_enabled=False)
    try:
        pg = ctx.new_page()
        pg.goto(server.url + "/")
        first = shown_pair(pg)
        with pg.expect_navigation(wait_until="load"):
            pg.click("#btn-accept")
        # flagged and unedited: without the script the server asks for the reason (the same form)
        assert pg.is_visible("#reason-prompt") and state(server.corpus, first) is None
        pg.check("#reason-1")
        with pg.expect_navigation(wait_until="load"):
            pg.click("#btn-accept")
        assert state(server.corpus, first) == ("accepted", PAIRS[2][1])
        second = shown_pair(pg)
        assert second != first and "/pair?" in pg.url
        edited = PAIRS[0][1].replace("is encouraging", "urges")
        pg.fill("#after", edited)
        with pg.expect_navigation(wait_until="load"):
            pg.click("#btn-edit")
        assert state(server.corpus, second) == ("edited", edited)
    finally:
        ctx.close()
