"""The web app on the cases that used to break trust: pairs without English, re-alignment while a page
is open, stale decisions, search over decided pairs, limits that keep typed text, previous pair."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from bitext import review
from bitext.store import Store
from tests.factories import CorpusBuilder
from tests.review.corpus import realign
from tests.web.test_webapp import csrf_of, open_pair, parent_of


@pytest.fixture
def store(tmp_path: Path) -> Store:
    b = CorpusBuilder(tmp_path / "corpus")
    b.article("a1", title="Satu")
    b.pair("a1:0.0", "Pemerintah membangun jembatan.", "The government builds a bridge.", bead_idx=0)
    b.pair("a1:0.1", "Jembatan itu sepanjang 200 meter.", "", bead_idx=1, bead_type="1-0")
    b.pair("a1:t2", "", "An English sentence with no Indonesian.", bead_idx=2, bead_type="0-1")
    b.pair("a1:0.2", "Warga menyambut baik.", "Residents welcomed it.", bead_idx=3)
    b.flag("a1:0.1", "empty_target", severity="error", reason="no English")
    b.flag("a1:t2", "empty_source", severity="error", reason="no Indonesian")
    return b.store


def post(client: FlaskClient, page: str, pair_id: str, action: str, **fields: str):
    seen = re.search(r'name="seen" value="([^"]*)"', page).group(1)
    data = {"csrf": csrf_of(page), "id": pair_id, "parent_id": str(parent_of(page)), "action": action,
            "seen": seen, "status": "pending", "reason": "1", "after": html.unescape(  # reason: see post_decision
                re.search(r'<textarea name="after"[^>]*>([^<]*)</textarea>', page).group(1))}
    data.update(fields)
    return client.post("/decide", data=data)


def test_a_1_0_pair_is_rejected_or_edited_and_a_0_1_pair_accepted_as_extra(client: FlaskClient, store: Store) -> None:
    page = open_pair(client, "a1:0.1")
    assert "No English (1-0): type the missing English" in page
    resp = post(client, page, "a1:0.1", "accept")  # accepting nothing is refused, clearly, on the pair itself
    assert resp.status_code == 422 and "nothing to accept" in resp.get_data(as_text=True)
    assert post(client, page, "a1:0.1", "reject").status_code == 303
    assert review.get_item(store, "a1:0.1").status == "rejected"
    page = open_pair(client, "a1:0.1")
    resp = post(client, page, "a1:0.1", "edit", after="The bridge is 200 metres long.")
    assert resp.status_code == 303
    assert (review.get_item(store, "a1:0.1").status, review.get_item(store, "a1:0.1").target) == (
        "edited", "The bridge is 200 metres long.")
    page = open_pair(client, "a1:t2")
    assert "Accept as extra" in page and "0-1" in page
    assert post(client, page, "a1:t2", "accept").status_code == 303
    assert review.get_item(store, "a1:t2").status == "accepted"
    # Nothing left in the flagged part of the queue that no action resolves.
    assert [i.id for i in review.queue(store, status="pending")] == ["a1:0.0", "a1:0.2"]


def test_a_page_opened_before_a_realignment_cannot_decide_the_new_content(client: FlaskClient, store: Store) -> None:
    page = open_pair(client, "a1:0.0")
    # The aligner rewrites the article meanwhile: same id and Indonesian, another English.
    realign(store, "a1", [("a1:0.0", "Pemerintah membangun jembatan.", "The government is building a bridge."),
                          ("a1:0.1", "Jembatan itu sepanjang 200 meter.", "")])
    resp = post(client, page, "a1:0.0", "edit", after="My careful edit.")
    assert resp.status_code == 409
    body = resp.get_data(as_text=True)
    assert "My careful edit." in body  # the typed text is kept
    assert review.history(store, "a1:0.0") == []


def test_a_stale_decision_is_shown_on_the_pair_that_holds_its_sentences(client: FlaskClient, store: Store) -> None:
    with store.tx():
        store.conn.execute("UPDATE pairs SET src_ids = '[\"a1:0:0\"]' WHERE id = 'a1:0.0'")
        store.conn.execute("UPDATE pairs SET src_ids = '[\"a1:0:1\"]' WHERE id = 'a1:0.1'")
    review.decide(store, "a1:0.1", "edited", reviewer="budi", after="It is 200 metres long.")
    b = CorpusBuilder(store)
    with store.tx():  # merged with an undecided sentence
        store.replace_pairs("a1", "mt", [])
        b.pair("a1:0.0+0.1", "Pemerintah membangun jembatan. Jembatan itu sepanjang 200 meter.",
               "The government builds a bridge of 200 metres.", bead_idx=0, bead_type="2-1",
               src_ids=["a1:0:0", "a1:0:1"])
        review.carry_reviews(store, "a1")
    page = open_pair(client, "a1:0.0+0.1")
    assert 'id="stale"' in page and "the bead changed" in page
    assert "It is 200 metres long." in page and "budi" in page


def test_search_finds_decided_pairs_and_ids_and_refuses_huge_text(client: FlaskClient, store: Store) -> None:
    review.decide(store, "a1:0.2", "edited", reviewer="ana", after="The residents welcomed it warmly.")
    resp = client.get("/review", query_string={"q": "warmly"})
    assert resp.headers["Location"].startswith("/pair?id=a1:0.2&")
    resp = client.get("/review", query_string={"q": "a1:t2"})
    assert resp.headers["Location"].startswith("/pair?id=a1:t2&")
    resp = client.get("/review", query_string={"q": "x" * 60000})
    assert resp.status_code == 400 and "search for at most 500" in resp.get_data(as_text=True)


def test_a_refused_long_edit_keeps_the_typed_text(client: FlaskClient, store: Store) -> None:
    page = open_pair(client, "a1:0.0")
    long_text = "word " * 1200
    resp = post(client, page, "a1:0.0", "edit", after=long_text)
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    assert "at most 5,000 are kept" in body and long_text.strip() in body


def test_previous_goes_back_to_a_skipped_pair(client: FlaskClient) -> None:
    page = open_pair(client, "a1:0.0")
    skip = html.unescape(re.search(r'id="skip" class="button" href="([^"]+)"', page).group(1))
    nxt = client.get(skip).get_data(as_text=True)
    prev = html.unescape(re.search(r'id="prev" class="button" href="([^"]+)"', nxt).group(1))
    assert prev.startswith("/pair?id=a1:0.0&")
