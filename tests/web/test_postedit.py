"""Post-editing aids through the app: QA on save with a second confirm, the diff against the MT,
propagation of an edit to repeated Indonesian (each its own row, undoable), labels, invisible
characters, and same-site-only redirects."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from bitext import review
from bitext.review import qa
from bitext.store import Store
from bitext.web.views import safe_back
from tests.factories import CorpusBuilder
from tests.web.test_review_flow import post
from tests.web.test_webapp import csrf_of, open_pair

REPEAT = "Demikian disampaikan oleh juru bicara."


@pytest.fixture
def store(tmp_path: Path) -> Store:
    b = CorpusBuilder(tmp_path / "corpus")
    for aid in ("a1", "a2", "a3"):
        b.article(aid)
    b.pair("a1:0.0", "Harga naik 10 persen pada 2024.", "Prices rose 10 percent in 2024.", mt="Prices rose 10 percent in 2024.")
    for aid in ("a1", "a2", "a3"):
        b.pair(f"{aid}:0.1", REPEAT, "Thus conveyed by the spokesman.", article_id=aid, bead_idx=1,
               mt="Thus conveyed by the spokesman.")
    b.pair("a2:ref-0.0", "Harga naik.", "Prices went up.", article_id="a2", kind="reference", bead_idx=0)
    b.pair("a3:0.2", "Ada teks aneh.", "Some \u202etext\u202c here.", article_id="a3", bead_idx=2)
    return b.store


def test_qa_on_save_needs_a_second_confirm_and_keeps_the_text(client: FlaskClient, store: Store) -> None:
    page = open_pair(client, "a1:0.0")
    wrong = "Prices rose 15 percent in 2023."
    resp = post(client, page, "a1:0.0", "edit", after=wrong, comment="numbers checked")
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert 'id="qa"' in body and "numbers" in body
    assert f">{wrong}</textarea>" in body and 'value="numbers checked"' in body  # nothing typed is lost
    assert review.history(store, "a1:0.0") == []  # not saved
    confirm = re.search(r'name="confirm_qa" value="([^"]+)"', body).group(1)
    resp = post(client, body, "a1:0.0", "edit", after=wrong, confirm_qa=confirm)  # the second confirm
    assert resp.status_code == 303
    assert review.get_item(store, "a1:0.0").target == wrong
    # A clean edit saves at once.
    page = open_pair(client, "a1:0.1")
    assert post(client, page, "a1:0.1", "edit", after="The spokesman said so.").status_code == 303


def test_qa_never_runs_model_checks_on_human_text(store: Store) -> None:
    names = {q.name for q in qa.qa_findings(store, "a1:0.0", "x")}
    assert not names & qa.MODEL_CHECKS
    assert qa.qa_findings(store, "a1:0.0", "Prices rose 10 percent in 2024.") == []
    [found] = qa.qa_findings(store, "a1:0.0", "Prices rose 10 percent in \u202e2024.")
    # The flags' own control_chars check (one rule for QA on save and the stored flags).
    assert (found.name, found.blocking) == ("control_chars", True) and "RIGHT-TO-LEFT OVERRIDE" in found.reason
    assert qa.visible_controls("in \u202e2024.") == "in ⟨U+202E⟩2024."


def test_the_page_shows_the_edit_against_the_mt_and_the_history_diff(client: FlaskClient, store: Store) -> None:
    review.decide(store, "a1:0.1", "edited", reviewer="ana", after="Thus said the spokesman.")
    page = open_pair(client, "a1:0.1", status="all")
    diff = re.search(r'id="mt-diff">(.*?)</p>', page, re.S).group(1)
    assert diff == "vs MT: <bdi lang=\"en\">Thus <del>conveyed by</del><ins>said</ins> the spokesman.</bdi>"
    hist = client.get("/history", query_string={"id": "a1:0.1"}).get_data(as_text=True)
    assert "<del>" in hist and "<ins>" in hist
    assert qa.word_diff("a b c", "a x c") == [("=", "a "), ("-", "b"), ("+", "x"), ("=", " c")]


def test_an_edit_propagates_to_pending_repeats_each_its_own_row_and_undoable(client: FlaskClient, store: Store) -> None:
    page = open_pair(client, "a1:0.1")
    resp = post(client, page, "a1:0.1", "edit", after="The spokesman said so.")
    nxt = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "2 other pending pairs have the same Indonesian" in nxt
    form = re.search(r'<form method="post" action="/propagate".*?</form>', nxt, re.S).group(0)
    data = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    data["back"] = html.unescape(data["back"])
    resp = client.post("/propagate", data=data)
    assert resp.status_code == 303
    for pid in ("a2:0.1", "a3:0.1"):
        h = review.history(store, pid)
        assert [(r["status"], r["after"]) for r in h] == [("edited", "The spokesman said so.")]
        assert "propagated" in h[0]["comment"]
    shown = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Edit applied to 2 pairs" in shown
    form = re.search(r'<form method="post" action="/undo-propagation".*?</form>', shown, re.S).group(0)
    data = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    data["back"] = html.unescape(data["back"])
    review.decide(store, "a3:0.1", "rejected", reviewer="budi")  # decided again meanwhile: left alone
    assert client.post("/undo-propagation", data=data).status_code == 303
    assert review.get_item(store, "a2:0.1").status == "pending"
    assert review.get_item(store, "a3:0.1").status == "rejected"
    assert review.get_item(store, "a1:0.1").status == "edited"  # the edit itself stays


def test_labels_and_invisible_characters(client: FlaskClient) -> None:
    assert ">machine translation</span>" in open_pair(client, "a1:0.0")
    assert ">human reference</span>" in open_pair(client, "a2:ref-0.0")
    page = open_pair(client, "a3:0.2")
    assert "⟨U+202E⟩text⟨U+202C⟩" in page


@pytest.mark.parametrize("back, ok", [
    ("/pair?id=a1:0.0", True), ("/review", True), ("//evil.example", False), ("/\t/evil.example", False),
    ("/\\evil.example", False), ("https://evil.example/", False), ("", False), ("/\n/x", False),
])
def test_back_is_same_site_only(back: str, ok: bool, client: FlaskClient) -> None:
    assert (safe_back(back) == back) is ok
    page = open_pair(client, "a1:0.0")
    resp = client.post("/reviewer", data={"csrf": csrf_of(page), "reviewer": "budi", "back": back})
    assert resp.headers["Location"] == (back if ok else "/review")


def test_stats_page_and_sign_off(client: FlaskClient, store: Store) -> None:
    review.decide(store, "a1:0.0", "accepted", reviewer="budi")
    page = open_pair(client, "a1:0.0", status="all")  # the session's reviewer is ana: she may sign off
    assert 'id="xliff-state" title="XLIFF 2 state">reviewed<' in page
    form = re.search(r'<form method="post" action="/sign-off".*?</form>', page, re.S).group(0)
    data = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    assert client.post("/sign-off", data=data).status_code == 303
    page = open_pair(client, "a1:0.0", status="all")
    assert ">final<" in page and "signed off by <bdi>ana</bdi>" in page and "/sign-off" not in page
    stats = client.get("/stats").get_data(as_text=True)
    assert "<bdi>budi</bdi>" in stats and 'id="agreement"' in stats
