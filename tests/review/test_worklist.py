"""The review queue: order, filters, neighbours, progress, stale reviews, agreement with the read model."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bitext import review
from bitext.errors import BitextError
from bitext.formats.xliff import export_xliff
from bitext.review import decide, history, queue, review_progress, undo
from bitext.store import Store
from tests.factories import CorpusBuilder
from tests.review.corpus import PAIRS, X, rewrite_pair

# -- queue and progress ---------------------------------------------------------------------


def ids(items: list[review.QueueItem]) -> list[str]:
    return [i.id for i in items]


def test_queue_order_by_severity_then_article(store: Store) -> None:
    q = queue(store)
    assert ids(q) == ["a2:mt:0", "a1:mt:1", "a1:mt:2", "a1:mt:0", "a2:mt:1", "a2:mt:2"]
    assert (q[0].severity, q[0].flags) == ("error", ("untranslated", "length_ratio"))
    assert (q[3].severity, q[3].flags, q[3].status, q[3].review_id, q[3].parent_id) == (None, (), "pending", None, 0)
    assert ids(queue(store, limit=2, offset=1)) == ["a1:mt:1", "a1:mt:2"]
    assert ids(queue(store, after="a1:mt:2", limit=2)) == ["a1:mt:0", "a2:mt:1"]
    assert ids(queue(store, after="a2:mt:2")) == []


def test_queue_filters(store: Store) -> None:
    assert ids(queue(store, flag="length_ratio")) == ["a2:mt:0", "a1:mt:1"]  # fired only
    assert ids(queue(store, flag="any")) == ["a2:mt:0", "a1:mt:1", "a1:mt:2"]
    assert ids(queue(store, flag="none")) == ["a1:mt:0", "a2:mt:1", "a2:mt:2"]
    assert ids(queue(store, article="a2")) == ["a2:mt:0", "a2:mt:1", "a2:mt:2"]
    assert ids(queue(store, search="JEMBATAN")) == ["a1:mt:1", "a1:mt:0"]
    assert ids(queue(store, search="50%_")) == ["a2:mt:1"]
    assert ids(queue(store, search="%")) == ["a2:mt:1"]  # a literal percent sign, not a wildcard
    assert ids(queue(store, search="a1:mt:2")) == ["a1:mt:2"]
    decide(store, "a1:mt:1", "accepted", reviewer="ana")
    decide(store, "a2:mt:2", "edited", reviewer="ana", after="The market is crowded.")
    assert ids(queue(store, status="pending")) == ["a2:mt:0", "a1:mt:2", "a1:mt:0", "a2:mt:1"]
    assert ids(queue(store, status="accepted")) == ["a1:mt:1"]
    assert ids(queue(store, search="crowded")) == ["a2:mt:2"]  # searches the current English
    assert ids(queue(store, flag="any", status="pending", article="a1")) == ["a1:mt:2"]
    assert review.queue_count(store, status="pending") == 4
    with pytest.raises(BitextError, match="unknown review status"):
        queue(store, status="done")
    with pytest.raises(BitextError, match="no such pair"):
        queue(store, after="zzz")


def test_neighbours_and_flags(store: Store) -> None:
    item = review.get_item(store, "a1:mt:1")
    before, after = review.neighbours(store, item)
    assert ids(before) == ["a1:mt:0"] and ids(after) == ["a1:mt:2"]
    assert [(f["check_name"], f["fired"]) for f in review.pair_flags(store, "a2:mt:0")] == [
        ("untranslated", 1), ("length_ratio", 1)]
    assert review.flag_counts(store) == [
        ("untranslated", "error", 1), ("length_ratio", "warning", 2), ("number_mismatch", "info", 1)]
    assert review.get_item(store, "missing") is None


def test_review_progress(store: Store) -> None:
    assert review_progress(store) == {
        "pairs": 6, "reviewed": 0, "accepted": 0, "edited": 0, "rejected": 0, "pending": 6, "needs_review": 2}
    decide(store, "a2:mt:0", "rejected", reviewer="ana")
    decide(store, "a1:mt:0", "accepted", reviewer="ana")
    decide(store, "a1:mt:2", "edited", reviewer="ana", after="They welcomed it.")
    r = decide(store, "a2:mt:1", "accepted", reviewer="ana")
    undo(store, "a2:mt:1", reviewer="ana", parent_id=r)
    # a review of a pair that no longer exists is not counted
    CorpusBuilder(store).review("gone", "accepted", reviewer="x", at="now")
    assert review_progress(store) == {
        "pairs": 6, "reviewed": 3, "accepted": 1, "edited": 1, "rejected": 1, "pending": 3, "needs_review": 1}


def test_selection_matches_publish_filters(store: Store) -> None:
    """only_clean / min_score / exclude_flags select the same pairs as bitext.records.PairFilter."""
    from bitext.records import PairFilter, iter_pairs, select_pairs

    decide(store, "a2:mt:0", "accepted", reviewer="ana")  # flagged but approved: clean
    decide(store, "a1:mt:0", "rejected", reviewer="ana")
    for kw in ({"only_clean": True}, {"min_score": 0.8}, {"exclude_flags": ("length_ratio",)}, {}):
        mine = [i.id for i in select_pairs(store, **kw)]
        theirs = [r.id for r in iter_pairs(store, PairFilter(**kw))]
        assert mine == theirs, kw
    assert [i.id for i in select_pairs(store, only_clean=True)] == ["a1:mt:2", "a2:mt:0", "a2:mt:1", "a2:mt:2"]


def test_review_of_a_changed_source_is_stale(store: Store) -> None:
    decide(store, "a1:mt:0", "edited", reviewer="ana", after="Edited.")
    rewrite_pair(store, "a1:mt:0", source="Pemerintah membangun dua jembatan.")  # re-alignment changed it
    item = review.get_item(store, "a1:mt:0")
    assert (item.status, item.stale, item.target) == ("pending", True, PAIRS[0][4])
    assert review_progress(store)["pending"] == 6
    rid = decide(store, "a1:mt:0", "accepted", reviewer="ana", parent_id=item.parent_id)
    row = history(store, "a1:mt:0")[-1]
    assert (row["id"], row["before"], row["after"], row["source"]) == (
        rid, PAIRS[0][4], PAIRS[0][4], "Pemerintah membangun dua jembatan.")
    assert review.get_item(store, "a1:mt:0").stale is False


def test_rejected_after_edit_exports_the_same_english_everywhere(store: Store, tmp_path: Path) -> None:
    from bitext.records import iter_pairs

    decide(store, "a1:mt:0", "edited", reviewer="ana", after="Human text.")
    decide(store, "a1:mt:0", "rejected", reviewer="ana")
    item = review.get_item(store, "a1:mt:0")
    rec = next(r for r in iter_pairs(store) if r.id == "a1:mt:0")
    assert (item.status, item.target) == (rec.review_status, rec.target) == ("rejected", PAIRS[0][4])
    export_xliff(store, tmp_path / "r.xlf")
    unit = next(ET.parse(tmp_path / "r.xlf").getroot().iter(f"{X}unit"))
    assert unit.find(f"{X}segment/{X}target").text == PAIRS[0][4]



# -- the queue reads the read model -----------------------------------------------------------


def test_queue_items_are_views_of_the_read_model(store: Store) -> None:
    """Item and record come from one builder: same English, status, staleness, findings, for every pair."""
    from bitext.records import iter_pairs

    decide(store, "a1:mt:0", "edited", reviewer="ana", after="Edited.", comment="why")
    rid = decide(store, "a1:mt:2", "accepted", reviewer="ana")
    undo(store, "a1:mt:2", reviewer="budi", parent_id=rid)
    decide(store, "a2:mt:1", "rejected", reviewer="ana")
    rewrite_pair(store, "a2:mt:1", source="Sumber lain.")  # its review is stale now
    records = list(iter_pairs(store, checks=[], reasons=True))
    assert [r.id for r in records] == [p[0] for p in PAIRS]
    for rec in records:
        item = review.get_item(store, rec.id)
        assert item.record == rec
        assert (item.target, item.status, item.stale, item.review_id) == (
            rec.target, rec.review_status, rec.review_stale, rec.review_id)
    by_id = {r.id: r for r in records}
    assert (by_id["a1:mt:0"].target, by_id["a1:mt:0"].aligned_target) == ("Edited.", PAIRS[0][4])
    item = review.get_item(store, "a1:mt:0")
    assert (item.original_target, item.article_id, item.comment, item.reviewer) == (PAIRS[0][4], "a1", "why", "ana")
    # pending (after an undo, or stale): no reviewer of an applying decision, but the row to build on
    for pid in ("a1:mt:2", "a2:mt:1"):
        item = review.get_item(store, pid)
        assert (item.status, item.reviewer, item.at, item.comment) == ("pending", None, None, None)
        assert item.parent_id == history(store, pid)[-1]["id"]
    assert review.get_item(store, "a2:mt:1").stale and not review.get_item(store, "a1:mt:2").stale
    # the queue's items are the same views (without the reasons, which only the pair page shows)
    assert {i.id: i.record for i in queue(store, limit=None)} == {r.id: r for r in iter_pairs(store, checks=[])}


def test_findings_order_and_worst_severity(store: Store) -> None:
    item = review.get_item(store, "a2:mt:0")
    assert [(f.name, f.severity, f.fired, f.reason) for f in item.findings] == [
        ("untranslated", "error", True, "target equals source"), ("length_ratio", "warning", True, "ok-ish")]
    assert [(f.name, f.fired) for f in review.get_item(store, "a2:mt:2").findings] == [("length_ratio", False)]
    assert (review.get_item(store, "a2:mt:2").severity, review.get_item(store, "a2:mt:2").flags) == (None, ())
    assert review.get_item(store, "a1:mt:2").severity == "info"
    # the page's order is pair_flags' order
    for pid in (p[0] for p in PAIRS):
        assert [f.name for f in review.get_item(store, pid).findings] == [
            r["check_name"] for r in review.pair_flags(store, pid)]
    # neighbours and queue pages read no reasons (they do not show them)
    assert all(f.reason is None for i in queue(store) for f in i.findings)


def test_pair_records_by_id(store: Store) -> None:
    from bitext.records import pair_records

    recs = pair_records(store.conn, ["a2:mt:1", "nope", "a1:mt:0"])
    assert [r.id for r in recs] == ["a2:mt:1", "a1:mt:0"]
    assert recs[0].scores == {} and recs[0].findings[0].name == "length_ratio"
    assert pair_records(store.conn, []) == []
    many = [p[0] for p in PAIRS] * 200  # more ids than one SQL statement takes
    assert len(pair_records(store.conn, many)) == 1200


def test_progress_counts_the_needs_review_rule(store: Store) -> None:
    """needs_review in the progress counts = pending records on which the one rule says so."""
    from bitext.records import iter_pairs

    CorpusBuilder(store).flag("a2:mt:2", "odd_severity", severity="notice")  # outside the vocabulary: not blocking
    decide(store, "a1:mt:1", "accepted", reviewer="ana")
    expected = sum(1 for r in iter_pairs(store) if r.needs_review and r.review_status == "pending")
    assert review_progress(store)["needs_review"] == expected == 1
    assert review.get_item(store, "a2:mt:2").severity == "notice"
    assert ids(queue(store, flag="any"))[-1] == "a2:mt:2"  # an unknown severity sorts like 'info'
