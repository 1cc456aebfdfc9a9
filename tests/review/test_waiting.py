"""Decisions never vanish while an article is re-processed: after re-segmentation deletes its pairs and
before ``align`` runs, its decisions are "waiting for alignment" -- counted as before, listed on the pages
of its pairs (no 404), never "could not be placed" -- and placed again by the alignment."""

from __future__ import annotations

from pathlib import Path

from bitext import review
from bitext.align.stage import align_corpus
from bitext.pipeline import corpus_status, format_status
from bitext.review import decide
from bitext.review.carry import carry_report, waiting_decisions
from bitext.web.app import create_app
from tests.factories import SIGNATURE, CorpusBuilder
from tests.review.test_realign import MT1, S, _translate


def test_a_resegmented_article_waits_for_alignment_with_its_decisions(tmp_path: Path) -> None:
    b = CorpusBuilder(tmp_path / "c")
    for aid, sents in S.items():
        b.article(aid, [sents])
    _translate(b, MT1, SIGNATURE)
    store = b.store
    align_corpus(store, quiet=True)
    decide(store, "art00:0.0", "accepted", reviewer="ana")
    decide(store, "art00:0.2", "edited", reviewer="ana", after="Residents welcomed the new bridge.")
    decide(store, "art01:0.0", "rejected", reviewer="budi")
    before = review.review_progress(store)
    assert before["reviewed"] == 3

    # The article changed at its source (a sentence added at the end) and is segmented again.
    b.article("art00", [[*S["art00"], "Proyek itu selesai tahun ini."]])
    assert store.conn.execute("SELECT COUNT(*) FROM pairs WHERE article_id = 'art00'").fetchone()[0] == 0
    now = review.review_progress(store)
    decided = ("reviewed", "accepted", "edited", "rejected")
    assert [now[k] for k in decided] == [before[k] for k in decided]  # nothing a reviewer did looks lost
    rep = carry_report(store)
    assert (rep.unplaced, rep.waiting) == (0, 2)
    text = format_status(corpus_status(store))
    assert "0 could not be placed, 2 waiting for alignment" in text
    assert [(w["pair_id"], w["status"]) for w in waiting_decisions(store, "art00")] == [
        ("art00:0.0", "accepted"), ("art00:0.2", "edited")]

    app = create_app(store, reviewer="ana")
    app.testing = True
    client = app.test_client()
    resp = client.get("/pair", query_string={"id": "art00:0.2"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "waiting for alignment" in page
    assert "Residents welcomed the new bridge." in page and "pending re-attachment" in page
    page = client.get("/review", query_string={"article": "art00", "status": "all"}).get_data(as_text=True)
    assert 'id="waiting"' in page  # the article's queue says so too

    # translate and align run: the decisions are on their pairs again, nothing waits, nothing is unplaced.
    b.translation("Proyek itu selesai tahun ini.", "The project finishes this year.")
    align_corpus(store, quiet=True)
    assert review.get_item(store, "art00:0.0").status == "accepted"
    assert review.get_item(store, "art00:0.2").target == "Residents welcomed the new bridge."
    rep = carry_report(store)
    assert (rep.unplaced, rep.waiting) == (0, 0)
    assert review.review_progress(store)["reviewed"] == 3
    assert waiting_decisions(store, "art00") == []
    assert store.conn.execute("SELECT COUNT(*) FROM review_waiting").fetchone()[0] == 0
