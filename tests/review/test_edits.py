"""Merge and split in the app: join two neighbouring pairs, split a bead, move a sentence; each a recorded
edit whose decisions follow their sentences, and which survives re-alignment while its text is unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from bitext import review
from bitext.align.stage import align_corpus
from bitext.errors import BitextError
from bitext.review import decide, edits
from bitext.review.carry import carry_report
from bitext.review.structure import stale_edits
from bitext.store import Store
from tests.factories import CorpusBuilder
from tests.review.test_realign import MT1, SIG2, S, _corpus, _translate


def _ids(store: Store, aid: str) -> list[str]:
    return [r[0] for r in store.conn.execute("SELECT id FROM pairs WHERE article_id = ? ORDER BY bead_idx", (aid,))]


def _realign(store: Store, aid: str) -> None:
    """Force a re-alignment of the article (the aligner writes its own beads again)."""
    store.conn.execute("DELETE FROM align_state WHERE article_id = ?", (aid,))
    align_corpus(store, quiet=True)


def test_join_keeps_the_decisions_and_survives_realignment(tmp_path: Path) -> None:
    store = _corpus(tmp_path / "c")
    assert _ids(store, "art00") == ["art00:0.0", "art00:0.1", "art00:0.2", "art00:0.3"]
    decide(store, "art00:0.2", "accepted", reviewer="ana")
    decide(store, "art00:0.3", "accepted", reviewer="ana")
    new = edits.join(store, "art00:0.2", reviewer="budi")
    assert new == "art00:0.2+0.3" and _ids(store, "art00") == ["art00:0.0", "art00:0.1", "art00:0.2+0.3"]
    item = review.get_item(store, new)
    assert (item.bead_type, item.source) == ("2-2", f"{S['art00'][2]} {S['art00'][3]}")
    assert item.target == f"{MT1['art00'][2]} {MT1['art00'][3]}"
    assert item.status == "accepted"  # both halves were accepted on this English: one combined decision
    _realign(store, "art00")
    assert _ids(store, "art00") == ["art00:0.0", "art00:0.1", "art00:0.2+0.3"]  # the reviewer's bead again
    assert review.get_item(store, new).status == "accepted"
    assert stale_edits(store) == [] and carry_report(store).unplaced == 0


def test_split_and_move(tmp_path: Path) -> None:
    store = _corpus(tmp_path / "c")
    joined = edits.join(store, "art01:0.2", reviewer="budi")
    assert edits.split_points(store, joined) == ([S["art01"][2], S["art01"][3]], [MT1["art01"][2], MT1["art01"][3]])
    decide(store, joined, "edited", reviewer="ana", after="The government will add supplies. Traders hope so.")
    a, b = edits.split(store, joined, 1, 1, reviewer="budi")
    assert (a, b) == ("art01:0.2", "art01:0.3")
    assert review.get_item(store, a).target == MT1["art01"][2]
    # The edit of the joined bead cannot be cut in two: it is stale on both halves, shown, not lost.
    assert review.get_item(store, a).stale and review.get_item(store, b).stale
    moved = edits.move(store, "art01:0.2", forward=True, reviewer="budi")
    assert moved == ["art01:t1", "art01:0.2+0.3"]  # the sentence went to the next pair, the English stayed
    assert review.get_item(store, "art01:t1").source == "" and review.get_item(store, "art01:t1").target == MT1["art01"][2]
    _realign(store, "art01")
    assert _ids(store, "art01")[-2:] == ["art01:t1", "art01:0.2+0.3"]
    with pytest.raises(BitextError, match="last of its article"):
        edits.join(store, "art01:0.2+0.3", reviewer="budi")


def test_an_edit_whose_english_changed_is_stale_not_applied(tmp_path: Path) -> None:
    store = _corpus(tmp_path / "c")
    edits.join(store, "art02:0.2", reviewer="budi")
    mt2 = {aid: list(v) for aid, v in MT1.items()}
    mt2["art02"][3] = "Next week the next match is played."
    _translate(CorpusBuilder(store), mt2, SIG2)
    align_corpus(store, quiet=True)
    assert "art02:0.2+0.3" not in _ids(store, "art02")  # not forced onto English nobody regrouped
    assert [e["op"] for e in stale_edits(store)] == ["join"]
    assert carry_report(store).stale_edits == 1
    assert "1 merge/split edit(s) no longer apply" in "\n".join(carry_report(store).lines())
