"""The pair page's translation memory and glossary, adding a term from the page, and the consistency and
concordance pages, through the app (Flask's test client); the browser tests are test_browser_postedit.py."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from bitext import review
from bitext.lang.glossary import Term
from bitext.review import glossary
from bitext.store import Store
from tests.factories import CorpusBuilder
from tests.web.test_webapp import csrf_of, open_pair

S1 = "Harga beras di pasar Cianjur naik 10 persen pada 2024."
E1 = "Rice prices at the Cianjur market rose 10 percent in 2024."
S2 = "Harga beras di pasar Cianjur naik 12 persen pada 2024."


@pytest.fixture
def store(tmp_path: Path) -> Store:
    b = CorpusBuilder(tmp_path / "corpus")
    for aid in ("a1", "a2"):
        b.article(aid)
    b.pair("a1:0", S1, "MT one.", mt="MT one.")
    b.pair("a1:1", "Jembatan itu <b>baru</b>.", "The bridge is new.", mt="The bridge is new.")
    b.pair("a2:0", S2, "Rice prices in the Cianjur market rose 12 percent in 2024.")
    b.pair("a2:1", "Jembatan itu <b>baru</b>.", "The overpass is new.", mt="The overpass is new.")
    review.decide(b.store, "a1:0", "edited", reviewer="ana", after=E1)
    review.decide(b.store, "a1:1", "accepted", reviewer="ana")
    review.decide(b.store, "a2:1", "accepted", reviewer="ana")
    return b.store


def test_the_tm_panel_offers_the_match_with_its_number_carried_over(client: FlaskClient) -> None:
    page = open_pair(client, "a2:0")
    li = re.search(r'<li class="tm-match" id="tm-1" data-insert="([^"]*)">(.*?)</li>', page, re.S)
    assert html.unescape(li.group(1)) == "Rice prices at the Cianjur market rose 12 percent in 2024."
    assert '<span class="tm-score">98.1%</span> <kbd>Alt+1</kbd>' in li.group(2)
    assert "<del>10</del><ins>12</ins>" in li.group(2)  # what differs in the Indonesian
    assert "numbers carried over: 10 → 12" in li.group(2)
    assert 'id="tm-2"' not in page


def test_terms_are_marked_with_their_english_and_added_from_the_page(client: FlaskClient, store: Store) -> None:
    page = open_pair(client, "a2:1", status="all")
    assert "<mark" not in page.split('id="source"')[1].split("</p>")[0]
    resp = client.post("/glossary/add", data={"csrf": csrf_of(page), "term_source": "jembatan",
                                              "term_target": "bridge", "back": "/pair?id=a2:1&status=all"})
    assert resp.status_code == 303 and resp.headers["Location"] == "/pair?id=a2%3A1&status=all&term_added=1"
    assert glossary.terms(store) == [Term("jembatan", ("bridge",))]
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    source = page.split('id="source" lang="id" dir="auto">')[1].split("</p>")[0]
    assert source == ('<mark class="term term-missing" title="bridge" data-en="bridge">Jembatan</mark> itu '
                      "&lt;b&gt;baru&lt;/b&gt;.")  # escaped around the mark
    assert 'id="term-added"' in page
    resp = client.post("/glossary/add", data={"csrf": csrf_of(page), "term_source": " ", "term_target": "x",
                                              "back": "/pair?id=a2:1"})
    assert resp.status_code == 400 and "Glossary term not added: the Indonesian term is empty" in resp.text


def test_consistency_and_concordance_pages(client: FlaskClient, store: Store) -> None:
    page = client.get("/consistency").get_data(as_text=True)
    assert "Indonesian with more than one English (1)" in page
    group = re.search(r'<ol class="groups" id="groups">(.*?)</ol>', page, re.S).group(1)
    assert "The bridge is new." in group and "The overpass is new." in group
    assert 'href="/pair?id=a1%3A1&amp;status=all"' in group and 'href="/pair?id=a2%3A1&amp;status=all"' in group
    glossary.add_term(store, "jembatan", "bridge")
    page = client.get("/consistency").get_data(as_text=True)
    assert "Glossary terms decided without their English (1)" in page and "a2:1" in page.split("term-groups")[1]
    page = client.get("/concordance", query_string={"cq": "cianjur"}).get_data(as_text=True)
    assert "1 decided pair with" in page
    assert "<mark>Cianjur</mark> market rose 10 percent" in page and "pasar <mark>Cianjur</mark> naik" in page
    resp = client.get("/concordance", query_string={"cq": "x" * 501})
    assert resp.status_code == 400 and "search for at most 500" in resp.text
