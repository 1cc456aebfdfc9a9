"""Review state follows content when re-alignment gives pairs new ids."""

from __future__ import annotations

from bitext import review
from bitext.review import decide, undo
from bitext.store import Store
from tests.factories import CorpusBuilder
from tests.review.corpus import PAIRS, realign, rows

# -- review state follows content (re-alignment) ------------------------------------------


def test_reviews_follow_their_sentence_to_a_new_pair_id(store: Store) -> None:
    s0, s1, s2 = (p[3] for p in PAIRS[:3])
    t0, t1, t2 = (p[4] for p in PAIRS[:3])
    decide(store, "a1:mt:0", "edited", reviewer="ana", after="A new bridge is built.")
    decide(store, "a1:mt:1", "rejected", reviewer="budi")
    before = rows(store)
    # A sentence is inserted at the start: every old sentence moves one id down.
    added = realign(store, "a1", [("a1:mt:0", "Kalimat baru.", "A new sentence."), ("a1:mt:1", s0, t0),
                                  ("a1:mt:2", s1, t1), ("a1:mt:3", s2, t2)])
    assert added == 2
    new = review.get_item(store, "a1:mt:0")
    assert (new.status, new.stale, new.target) == ("pending", True, "A new sentence.")
    moved = review.get_item(store, "a1:mt:1")
    assert (moved.status, moved.target, moved.reviewer, moved.comment) == (
        "edited", "A new bridge is built.", "ana", "carried over from a1:mt:0 after re-alignment")
    assert review.get_item(store, "a1:mt:2").status == "rejected"
    assert review.get_item(store, "a1:mt:3").status == "pending"
    assert rows(store)[: len(before)] == before  # append-only: old rows untouched
    # Nothing changed: nothing more is carried (the carried decisions apply, the old ones were used).
    assert realign(store, "a1", [("a1:mt:0", "Kalimat baru.", "A new sentence."), ("a1:mt:1", s0, t0),
                                 ("a1:mt:2", s1, t1), ("a1:mt:3", s2, t2)]) == 0
    # The sentence goes away again: the carried decision moves back, exactly once.
    assert realign(store, "a1", [("a1:mt:0", s0, t0), ("a1:mt:1", s1, t1), ("a1:mt:2", s2, t2)]) == 2
    assert [review.get_item(store, f"a1:mt:{i}").status for i in range(3)] == ["edited", "rejected", "pending"]
    assert review.get_item(store, "a1:mt:0").target == "A new bridge is built."


def test_carry_keeps_kinds_and_articles_apart_and_ignores_undone(store: Store) -> None:
    s0, t0 = PAIRS[0][3], PAIRS[0][4]
    decide(store, "a1:mt:0", "accepted", reviewer="ana")
    rid = decide(store, "a1:mt:2", "accepted", reviewer="ana")
    undo(store, "a1:mt:2", reviewer="ana", parent_id=rid)  # undone: not a decision to carry
    b = CorpusBuilder(store)
    with store.tx():  # a reference pair with the same source, and another article's pair
        ref = "The government is building a new bridge."
        b.pair("a1:ref-0", s0, ref, kind="reference", bead_idx=0, mt=ref)
        b.pair("a10:mt:0", s0, t0, article_id="a2", bead_idx=9, mt=t0)
        assert review.carry_reviews(store, "a1").rows == 0
        assert review.carry_reviews(store, "a10").rows == 0  # 'a1:' pair ids are not 'a10:' ones (prefix, not LIKE)
    assert realign(store, "a1", [("a1:mt:9", PAIRS[2][3], PAIRS[2][4])]) == 0
    assert review.get_item(store, "a1:mt:9").status == "pending"


def test_zero_one_bead_review_applies_only_to_its_english(store: Store) -> None:
    text = "An English sentence with no Indonesian."
    CorpusBuilder(store).pair("a1:t7", "", text, bead_idx=7, mt=text, bead_type="0-1")
    decide(store, "a1:t7", "rejected", reviewer="ana")
    decide(store, "a1:t7", "edited", reviewer="ana", after="Edited once.")
    decide(store, "a1:t7", "edited", reviewer="ana", after="Edited twice.")  # a chain on a 0-1 bead applies
    item = review.get_item(store, "a1:t7")
    assert (item.status, item.target, item.stale) == ("edited", "Edited twice.", False)
    # Re-alignment gives the id to another English sentence: the review does not apply to it ...
    realign(store, "a1", [("a1:t7", "", "Another English sentence."), ("a1:t8", "", "An English sentence with no Indonesian.")])
    item = review.get_item(store, "a1:t7")
    assert (item.status, item.stale, item.target) == ("pending", True, "Another English sentence.")
    # ... and follows its English to the new id.
    item = review.get_item(store, "a1:t8")
    assert (item.status, item.target) == ("edited", "Edited twice.")

