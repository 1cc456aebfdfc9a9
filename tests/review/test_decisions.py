"""Review decisions: append-only history, conflicts, resubmits, undo, durability."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bitext import review
from bitext.errors import BitextError, Conflict
from bitext.review import decide, history, undo
from bitext.store import Store
from tests.factories import CorpusBuilder
from tests.review.corpus import PAIRS, make_store, rewrite_pair, rows

# -- decisions ------------------------------------------------------------------------------


def test_decide_writes_one_row_per_decision(store: Store) -> None:
    rid = decide(store, "a1:mt:0", "accepted", reviewer="ana", comment="  fine \n")
    (r,) = history(store, "a1:mt:0")
    assert r["id"] == rid
    assert (r["reviewer"], r["status"], r["before"], r["after"], r["comment"], r["parent_id"]) == (
        "ana", "accepted", PAIRS[0][4], PAIRS[0][4], "fine", None)
    assert r["source"] == PAIRS[0][3]

    rid2 = decide(store, "a1:mt:0", "edited", reviewer="budi", after=" The government\nbuilds a bridge. ",
                  parent_id=rid)
    h = history(store, "a1:mt:0")
    assert [x["id"] for x in h] == [rid, rid2]
    assert (h[1]["status"], h[1]["before"], h[1]["after"], h[1]["parent_id"]) == (
        "edited", PAIRS[0][4], "The government builds a bridge.", rid)
    assert review.get_item(store, "a1:mt:0").target == "The government builds a bridge."
    assert review.get_item(store, "a1:mt:0").original_target == PAIRS[0][4]

    # reject keeps the current English as 'after'
    decide(store, "a1:mt:0", "rejected", reviewer="ana")
    assert history(store, "a1:mt:0")[-1]["after"] == "The government builds a bridge."
    assert review.get_item(store, "a1:mt:0").status == "rejected"


def test_accept_with_changed_text_is_an_edit_and_edit_without_change_is_accept(store: Store) -> None:
    decide(store, "a1:mt:2", "accepted", reviewer="ana", after="Residents welcomed the bridge.")
    assert history(store, "a1:mt:2")[-1]["status"] == "edited"
    decide(store, "a1:mt:0", "edited", reviewer="ana", after=PAIRS[0][4] + "  ")
    assert history(store, "a1:mt:0")[-1]["status"] == "accepted"


def test_decide_rejects_bad_input(store: Store) -> None:
    with pytest.raises(BitextError, match="no such pair"):
        decide(store, "nope", "accepted", reviewer="ana")
    with pytest.raises(BitextError, match="unknown decision"):
        decide(store, "a1:mt:0", "pending", reviewer="ana")
    with pytest.raises(BitextError, match="reviewer name"):
        decide(store, "a1:mt:0", "accepted", reviewer=" ")
    with pytest.raises(BitextError, match="English is empty; type the English"):
        decide(store, "a1:mt:0", "edited", reviewer="ana", after=" \n ")
    assert rows(store) == []


def test_stale_parent_raises_conflict_and_writes_nothing(store: Store) -> None:
    first = decide(store, "a1:mt:1", "accepted", reviewer="ana", parent_id=0)
    before = rows(store)
    # budi opened the pair before ana saved (saw no review: parent 0)
    with pytest.raises(Conflict) as exc:
        decide(store, "a1:mt:1", "edited", reviewer="budi", after="The bridge is 200 m long.", parent_id=0)
    assert exc.value.current["id"] == first
    assert exc.value.current["reviewer"] == "ana"
    assert exc.value.pair_id == "a1:mt:1"
    assert "changed since it was opened" in str(exc.value)
    assert rows(store) == before
    # with the right parent the save goes through
    second = decide(store, "a1:mt:1", "edited", reviewer="budi", after="The bridge is 200 m long.", parent_id=first)
    assert history(store, "a1:mt:1")[-1]["id"] == second
    # a parent that never existed conflicts too
    with pytest.raises(Conflict):
        decide(store, "a1:mt:1", "accepted", reviewer="ana", parent_id=first)


def test_resubmitted_form_is_not_a_conflict(store: Store) -> None:
    rid = decide(store, "a1:mt:0", "edited", reviewer="ana", after="New text.", parent_id=0)
    assert decide(store, "a1:mt:0", "edited", reviewer="ana", after="New text.", parent_id=0) == rid
    assert len(history(store, "a1:mt:0")) == 1
    with pytest.raises(Conflict):  # same parent but a different decision: a real conflict
        decide(store, "a1:mt:0", "edited", reviewer="ana", after="Other text.", parent_id=0)


def test_undo_restores_previous_state(store: Store) -> None:
    with pytest.raises(BitextError, match="nothing to undo"):
        undo(store, "a1:mt:0", reviewer="ana")
    r1 = decide(store, "a1:mt:0", "accepted", reviewer="ana")
    r2 = decide(store, "a1:mt:0", "edited", reviewer="ana", after="Edited.", comment="typo")
    r3 = decide(store, "a1:mt:0", "rejected", reviewer="ana", comment="bad")
    u1 = undo(store, "a1:mt:0", reviewer="budi", parent_id=r3)
    h = history(store, "a1:mt:0")
    assert [r["id"] for r in h] == [r1, r2, r3, u1]
    assert (h[-1]["status"], h[-1]["after"], h[-1]["comment"], h[-1]["reviewer"], h[-1]["parent_id"]) == (
        "edited", "Edited.", "typo", "budi", r3)
    # undo of an undo redoes
    undo(store, "a1:mt:0", reviewer="budi")
    assert history(store, "a1:mt:0")[-1]["status"] == "rejected"
    # undo of a first decision gives 'pending' with the aligned target
    r = decide(store, "a1:mt:2", "edited", reviewer="ana", after="Something else.")
    undo(store, "a1:mt:2", reviewer="ana", parent_id=r)
    last = history(store, "a1:mt:2")[-1]
    assert (last["status"], last["before"], last["after"]) == ("pending", "Something else.", None)
    item = review.get_item(store, "a1:mt:2")
    assert (item.status, item.target) == ("pending", PAIRS[2][4])
    with pytest.raises(Conflict):
        undo(store, "a1:mt:2", reviewer="ana", parent_id=r)


def test_history_is_append_only(store: Store) -> None:
    decide(store, "a1:mt:0", "accepted", reviewer="ana")
    snapshot = rows(store)
    decide(store, "a1:mt:0", "edited", reviewer="ana", after="X.")
    undo(store, "a1:mt:0", reviewer="ana")
    after = rows(store)
    assert after[: len(snapshot)] == snapshot
    assert len(after) == 3


def test_decision_survives_a_new_connection(tmp_path: Path) -> None:
    s = make_store(tmp_path / "c")
    rid = decide(s, "a1:mt:0", "accepted", reviewer="ana")
    # synchronous is restored after the durable write
    assert s.conn.execute("PRAGMA synchronous").fetchone()[0] == 1
    s.close()
    raw = sqlite3.connect(tmp_path / "c" / "bitext.sqlite")
    assert raw.execute("SELECT id, status FROM reviews").fetchall() == [(rid, "accepted")]
    raw.close()


def test_undo_of_a_review_on_other_content_restores_pending(store: Store) -> None:
    decide(store, "a1:mt:0", "edited", reviewer="ana", after="Old English.")
    rewrite_pair(store, "a1:mt:0", source="Kalimat lain.", target="Other sentence.")
    rid = decide(store, "a1:mt:0", "accepted", reviewer="ana", parent_id=review.get_item(store, "a1:mt:0").parent_id)
    undo(store, "a1:mt:0", reviewer="ana", parent_id=rid)
    item = review.get_item(store, "a1:mt:0")
    assert (item.status, item.target, item.stale) == ("pending", "Other sentence.", False)
    assert history(store, "a1:mt:0")[-1]["after"] is None



def test_every_bead_type_can_be_decided(store: Store) -> None:
    b = CorpusBuilder(store)
    b.pair("a1:0.7", "Kalimat tanpa terjemahan.", "", bead_idx=7, bead_type="1-0")
    b.pair("a1:t8", "", "An extra English sentence.", bead_idx=8, bead_type="0-1")
    b.pair("a1:0.9", "Kalimat lain tanpa terjemahan.", "", bead_idx=9, bead_type="1-0")
    # A 1-0 pair cannot be accepted empty, but can be rejected, or edited by typing the English.
    with pytest.raises(BitextError, match="English is empty"):
        decide(store, "a1:0.7", "accepted", reviewer="ana")
    rid = decide(store, "a1:0.7", "rejected", reviewer="ana")
    assert (review.get_item(store, "a1:0.7").status, history(store, "a1:0.7")[-1]["after"]) == ("rejected", "")
    decide(store, "a1:0.7", "edited", reviewer="ana", after="A sentence without a translation.", parent_id=rid)
    item = review.get_item(store, "a1:0.7")
    assert (item.status, item.target) == ("edited", "A sentence without a translation.")
    # "accept" with typed English is an edit, as for any pair.
    decide(store, "a1:0.9", "accepted", reviewer="ana", after="Another one.")
    assert review.get_item(store, "a1:0.9").status == "edited"
    # A 0-1 pair: accepted as an extra, or rejected.
    decide(store, "a1:t8", "accepted", reviewer="ana")
    assert review.get_item(store, "a1:t8").status == "accepted"
    decide(store, "a1:t8", "rejected", reviewer="ana")
    assert review.get_item(store, "a1:t8").status == "rejected"


def test_a_decision_on_content_that_changed_since_it_was_shown_is_a_conflict(store: Store) -> None:
    from bitext.review.decisions import seen_marker

    shown = seen_marker(PAIRS[1][3], PAIRS[1][4])
    rewrite_pair(store, "a1:mt:1", target="The bridge is 200 metres long.")  # re-aligned: new English, same id
    with pytest.raises(Conflict, match="re-aligned since it was opened"):
        decide(store, "a1:mt:1", "accepted", reviewer="ana", parent_id=0, seen=shown)
    assert rows(store) == []
    decide(store, "a1:mt:1", "accepted", reviewer="ana", parent_id=0,
           seen=seen_marker(PAIRS[1][3], "The bridge is 200 metres long."))


def test_long_text_is_refused_with_a_clear_line(store: Store) -> None:
    with pytest.raises(BitextError, match="the English is 5,001 characters; at most 5,000"):
        decide(store, "a1:mt:0", "edited", reviewer="ana", after="x" * 5001)
    with pytest.raises(BitextError, match="the comment is 6,000 characters"):
        decide(store, "a1:mt:0", "accepted", reviewer="ana", comment="y" * 6000)
    assert rows(store) == []
