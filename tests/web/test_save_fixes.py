"""Saves that used to go wrong: a lost update through the QA page (two reviewers), a confirm that let any
later text through unchecked, damage in the Indonesian blocking every edit, and 'a' on a 1-0 pair."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from bitext import review
from bitext.store import Store
from bitext.web.app import create_app
from tests.factories import CorpusBuilder
from tests.web.test_review_flow import post
from tests.web.test_webapp import open_pair, parent_of

SOURCE = "Harga naik 10 persen pada 2024."
MT = "Prices rose 10 percent in 2024."


@pytest.fixture
def store(tmp_path: Path) -> Store:
    b = CorpusBuilder(tmp_path / "corpus")
    b.article("a1")
    b.pair("a1:0.0", SOURCE, MT, mt=MT)
    # Mojibake in the Indonesian: the flag stage shows it; no edit of the English can fix it.
    b.pair("a1:0.1", "Menteri berkata kami siap pada 2024 â€” katanya.", "The minister said we are ready in 2024.",
           bead_idx=1, mt="The minister said we are ready in 2024.")
    b.pair("a1:0.2", "Jembatan itu sepanjang 200 meter.", "", bead_idx=2, bead_type="1-0")
    return b.store


def _client(store: Store, name: str) -> FlaskClient:
    app = create_app(store, reviewer=name)
    app.testing = True
    return app.test_client()


def test_a_qa_stop_never_hands_out_a_newer_review_id(store: Store) -> None:
    ana, budi = _client(store, "ana"), _client(store, "budi")
    page_b = open_pair(budi, "a1:0.0")  # budi opens the pair first
    page_a = open_pair(ana, "a1:0.0")
    fixed = "Prices rose by 10 percent in 2024."
    assert post(ana, page_a, "a1:0.0", "edit", after=fixed).status_code == 303
    # budi's page is older; his edit would trip QA (numbers) -- the conflict must come first.
    resp = post(budi, page_b, "a1:0.0", "edit", after="Prices rose 15 percent in 2023.")
    assert resp.status_code == 409, "the QA page was shown over a save made meanwhile"
    assert review.get_item(store, "a1:0.0").target == fixed


def test_the_qa_page_keeps_the_review_id_the_reviewer_opened(store: Store) -> None:
    ana, budi = _client(store, "ana"), _client(store, "budi")
    page_b = open_pair(budi, "a1:0.0")
    opened = parent_of(page_b)
    wrong = "Prices rose 15 percent in 2023."
    qa_page = post(budi, page_b, "a1:0.0", "edit", after=wrong)
    assert qa_page.status_code == 422
    qa_page = qa_page.get_data(as_text=True)
    # ana saves while budi looks at his QA findings ...
    page_a = open_pair(ana, "a1:0.0")
    fixed = "Prices rose by 10 percent in 2024."
    assert post(ana, page_a, "a1:0.0", "edit", after=fixed).status_code == 303
    assert parent_of(qa_page) == opened  # not ana's newer review id
    # ... so budi's confirm is a conflict, not a silent overwrite of ana's fix.
    confirm = re.search(r'name="confirm_qa" value="([^"]+)"', qa_page).group(1)
    resp = post(budi, qa_page, "a1:0.0", "edit", after=wrong, confirm_qa=confirm)
    assert resp.status_code == 409
    assert review.get_item(store, "a1:0.0").target == fixed
    assert [h["reviewer"] for h in review.history(store, "a1:0.0")] == ["ana"]


def test_text_changed_after_confirming_is_checked_again(client: FlaskClient, store: Store) -> None:
    page = open_pair(client, "a1:0.0")
    resp = post(client, page, "a1:0.0", "edit", after="Prices rose 15 percent in 2023.")
    assert resp.status_code == 422
    qa_page = resp.get_data(as_text=True)
    confirm = re.search(r'name="confirm_qa" value="([^"]+)"', qa_page).group(1)
    # The reviewer changes the text on the QA page and saves: a new number problem is caught again.
    resp = post(client, qa_page, "a1:0.0", "edit", after="Prices rose 99 percent in 1999.", confirm_qa=confirm)
    assert resp.status_code == 422 and 'id="qa"' in resp.get_data(as_text=True)
    assert review.history(store, "a1:0.0") == []
    # The very text confirmed saves.
    assert post(client, qa_page, "a1:0.0", "edit", after="Prices rose 15 percent in 2023.",
                confirm_qa=confirm).status_code == 303


def test_damage_in_the_indonesian_does_not_block_an_edit(client: FlaskClient, store: Store) -> None:
    page = open_pair(client, "a1:0.1")
    resp = post(client, page, "a1:0.1", "edit", after="The minister said they are ready in 2024.")
    assert resp.status_code == 303, "mojibake in the source blocked the edit"
    assert review.get_item(store, "a1:0.1").status == "edited"
    # Damage in the English still blocks.
    page = open_pair(client, "a1:0.0")
    resp = post(client, page, "a1:0.0", "edit", after="Prices rose 10 percent in 2024 â€” officials.")
    assert resp.status_code == 422 and "mojibake" in resp.get_data(as_text=True)


def test_accept_on_a_pair_without_english_stays_on_the_pair(client: FlaskClient, store: Store) -> None:
    page = open_pair(client, "a1:0.2")
    resp = post(client, page, "a1:0.2", "accept")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'id="notice"' in body and 'data-pair-id="a1:0.2"' in body
    assert "nothing to accept" in body
    assert review.history(store, "a1:0.2") == []


def test_a_decision_on_other_english_is_shown_beside_the_pair(client: FlaskClient, store: Store) -> None:
    from tests.review.corpus import rewrite_pair

    review.decide(store, "a1:0.0", "accepted", reviewer="budi")
    rewrite_pair(store, "a1:0.0", target="Prices went up by ten percent in 2024.")
    page = open_pair(client, "a1:0.0")
    assert 'id="status">pending<' in page and "made on other English" in page
    assert f'<bdi lang="en" class="old-en">{MT}</bdi>' in page and "<bdi>budi</bdi>" in page
