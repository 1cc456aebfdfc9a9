"""Work split by article: each person's queue holds the articles they lease (claimed from the pool or
given by a lead); two reviewers never get the same pending pair unless the lead asks for a double review;
expired leases return articles to the pool; the stats page shows progress per article and per person."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from bitext import review
from bitext.review import people
from bitext.store import Store
from tests.web import test_team
from tests.web.test_team import ANA, BUDI, CITRA, signed_in
from tests.web.test_webapp import csrf_of, parent_of

store = test_team.store  # the team's corpus fixture


def next_pair(c: FlaskClient) -> str | None:
    resp = c.get("/review")
    if resp.status_code != 302:
        return None
    return re.search(r"id=([^&]+)", resp.headers["Location"]).group(1)


def decide_here(c: FlaskClient, pair_id: str, action: str = "accept") -> str | None:
    page = c.get("/pair", query_string={"id": pair_id}).get_data(as_text=True)
    resp = c.post("/decide", data={"csrf": csrf_of(page), "id": pair_id, "parent_id": str(parent_of(page)),
                                   "action": action, "after": re.search(r'<textarea name="after"[^>]*>([^<]*)<', page)
                                   .group(1), **dict(re.findall(r'name="(flag|status|article|q)" value="([^"]*)"',
                                                                page.split('action="/decide"')[1]))})
    assert resp.status_code == 303, resp.get_data(as_text=True)[:500]
    return resp.headers["Location"]


def test_two_reviewers_never_get_the_same_pending_pair(store: Store) -> None:
    budi, citra = signed_in(store, BUDI), signed_in(store, CITRA)
    b, c = next_pair(budi), next_pair(citra)
    assert b.split(":")[0] != c.split(":")[0]  # different articles
    seen_b, seen_c = set(), set()
    for _ in range(3):
        seen_b.add(next_pair(budi))
        decide_here(budi, next_pair(budi))
        seen_c.add(next_pair(citra))
        decide_here(citra, next_pair(citra))
    assert not seen_b & seen_c
    assert {p.split(":")[0] for p in seen_b} == {"a1"} and {p.split(":")[0] for p in seen_c} == {"a2"}
    # budi finished a1: his next pair comes from the next free article.
    assert next_pair(budi).startswith("a3:")
    assert next_pair(citra) is None or next_pair(citra).startswith("a2:")  # a2 done: nothing free is left
    page = citra.get("/review").get_data(as_text=True)
    assert 'id="pool-empty"' in page


def test_an_expired_lease_returns_the_article_to_the_pool(store: Store) -> None:
    budi, citra = signed_in(store, BUDI), signed_in(store, CITRA)
    assert next_pair(budi).startswith("a1:")
    page = citra.get("/pair", query_string={"id": "a1:0.1"}).get_data(as_text=True)
    assert 'id="assigned"' in page and "<bdi>budi</bdi>" in page  # someone else's article, said so
    store.conn.execute("UPDATE review_leases SET expires = '2000-01-01T00:00:00+00:00' WHERE reviewer = 'budi'")
    assert next_pair(citra).startswith("a1:")  # budi stalled: a1 is citra's now
    assert [lease.reviewer for lease in people.holders(store, "a1")] == ["citra"]


def test_a_lead_splits_the_work_and_asks_for_a_double_review(store: Store) -> None:
    ana, budi, citra = signed_in(store, ANA), signed_in(store, BUDI), signed_in(store, CITRA)
    stats = ana.get("/stats").get_data(as_text=True)
    assert 'id="assign-form"' in stats
    assert ana.post("/assign", data={"csrf": csrf_of(stats), "articles": "a3, a2", "person": "budi",
                                     "hours": "2"}).status_code == 303
    assert budi.get("/stats").status_code == 200 and "assign-form" not in budi.get("/stats").get_data(as_text=True)
    assert budi.post("/assign", data={"csrf": csrf_of(stats), "articles": "a1", "person": "budi"}).status_code == 403
    assert next_pair(budi).startswith("a2:")  # the lead's articles, in the order given (a2 sorts first)
    assert ana.post("/assign", data={"csrf": csrf_of(stats), "articles": "a3", "person": "citra", "double": "1"}
                    ).status_code == 303
    assert sorted(lease.reviewer for lease in people.holders(store, "a3")) == ["budi", "citra"]
    # Both review a3: citra first, then budi walks the same pairs (double review), and they disagree once.
    assert next_pair(citra).startswith("a3:")
    for i in range(3):
        decide_here(citra, f"a3:0.{i}", "reject" if i == 0 else "accept")
    review.decide(store, "a3:0.2", "edited", reviewer="citra", after="Citra's own English.")
    page = budi.get("/pair", query_string={"id": "a3:0.2"}).get_data(as_text=True)
    assert "Citra" not in page and "citra" not in page.split('id="who"')[0]  # blind: her decision is not shown
    assert ">Sentence a3 2.</textarea>" in page and 'id="status">double review<' in page
    review.decide(store, "a3:0.2", "accepted", reviewer="citra", after="Sentence a3 2.")
    for i in range(3):
        decide_here(budi, f"a3:0.{i}")
    assert {h["reviewer"] for h in review.history(store, "a3:0.0")} == {"budi", "citra"}
    stats = ana.get("/stats").get_data(as_text=True)
    assert "2 of 3 pairs decided by two or more reviewers" in stats
    people_table = stats.split('id="people"')[1].split("</table>")[0]
    assert re.search(r"<bdi>budi</bdi></td><td>reviewer</td>\s*<td>.*a2.*a3.*</td>\s*<td>3</td><td>3</td>", people_table)
    articles = stats.split('id="article-progress"')[1]
    assert re.search(r"<bdi>a3</bdi></a></td>\s*<td>3</td><td>3</td><td>0</td>", articles)
    # A lead takes an article back.
    assert ana.post("/release", data={"csrf": csrf_of(stats), "article": "a2", "person": "budi"}).status_code == 303
    assert people.holders(store, "a2") == []
