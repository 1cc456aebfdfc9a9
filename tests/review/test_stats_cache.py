"""The stats page's cached numbers (bitext.review.stats_cache) equal a direct recount after every kind of
change: decisions, an undo, a carry-over by re-alignment, new MQM annotations, and a write by another
connection (another thread or process). Each step first reads the cache, so a stale cache fails."""

from __future__ import annotations

from pathlib import Path

from bitext import review
from bitext.review import stats_cache, typology
from bitext.review.stats_cache import compute, page_numbers
from bitext.store import Store
from tests.review.corpus import PAIRS, make_store, realign


def _fresh(store: Store, seen: list[stats_cache.PageNumbers]) -> None:
    """The cached numbers are the recounted ones, and they changed since the last step (so a cache that
    kept the old ones would fail here)."""
    now = compute(store)
    assert page_numbers(store) == now
    assert page_numbers(store) is page_numbers(store)  # unchanged store: served from the cache
    assert not seen or now != seen[-1]
    seen.append(now)


def test_the_cached_numbers_follow_every_change(tmp_path: Path) -> None:
    seen: list[stats_cache.PageNumbers] = []
    with make_store(tmp_path / "c") as store:
        _fresh(store, seen)
        rid = typology.decide_annotated(store, "a1:mt:0", "accepted", errors=(("terminology", "minor"),),
                                        reason="checked", reviewer="ana")
        _fresh(store, seen)
        review.decide(store, "a1:mt:1", "edited", reviewer="ana", after="The bridge is 200 meters long.")
        _fresh(store, seen)
        bo = review.decide(store, "a1:mt:2", "rejected", reviewer="bo")
        _fresh(store, seen)
        review.undo(store, "a1:mt:2", reviewer="bo", parent_id=bo)
        _fresh(store, seen)
        # A second reviewer on the same pair (agreement), with an annotation of their own.
        typology.decide_annotated(store, "a1:mt:0", "accepted", errors=(("fluency", "major"),), reason="x",
                                  reviewer="bo", parent_id=rid)
        _fresh(store, seen)
        # Re-alignment: a new bead first; the first decided pair moves and carries its decisions over, the
        # edited one's sentence is gone (its decision no longer applies).
        s0, t0 = PAIRS[0][3], PAIRS[0][4]
        assert realign(store, "a1", [("a1:mt:0", "Kalimat baru.", "A new sentence."), ("a1:mt:1", s0, t0)]) == 1
        assert ("a1", 2, 1) in page_numbers(store).articles
        _fresh(store, seen)
        # Another connection (as another server thread or the CLI would) commits a decision.
        with Store.open(tmp_path / "c", create=False) as other:
            typology.decide_annotated(other, "a2:mt:1", "rejected", errors=(("accuracy/omission", "critical"),),
                                      reviewer="cy")
        _fresh(store, seen)
        stats = page_numbers(store).stats
        assert {r.reviewer: r.decisions for r in stats.reviewers}["cy"] == 1


def test_the_numbers_are_kept_per_store(tmp_path: Path) -> None:
    with make_store(tmp_path / "a") as a, make_store(tmp_path / "b") as b:
        review.decide(a, "a1:mt:0", "accepted", reviewer="ana")
        assert page_numbers(a) == compute(a) and page_numbers(b) == compute(b) != compute(a)


def test_the_memoized_chrf_is_sacrebleu_s() -> None:
    from sacrebleu.metrics import CHRF

    from bitext.review.stats import edit_chrf

    after, base = "The bridge is 200 meters long.", "The bridge is 200 meters long and very wide."
    assert edit_chrf(after, base) == CHRF().sentence_score(after, [base]).score
    assert edit_chrf(after, after) == 100.0
