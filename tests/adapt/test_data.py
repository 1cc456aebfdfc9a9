"""Which pairs are trusted (trained on / measured on), through the read model's review state."""

from __future__ import annotations

from pathlib import Path

from bitext.adapt.data import adapt_data, select, trusted_pairs
from bitext.publish.selection import SplitSizes, assign_splits
from bitext.records import iter_pairs
from tests.factories import CorpusBuilder


def test_trusted_pairs_follow_the_review_state(tmp_path: Path) -> None:
    b = CorpusBuilder(tmp_path)
    b.article("a1", ["Satu.", "Dua.", "Tiga.", "Empat.", "Lima.", "Enam.", "Tujuh."])
    b.pair("a1:mt:0", "Satu.", "One?")
    b.review("a1:mt:0", "edited", before="One?", after="One.", source="Satu.", pair_target="One?")  # trusted: edited
    b.pair("a1:mt:1", "Dua.", "Two.")
    b.review("a1:mt:1", "accepted", before="Two.", after="Two.", source="Dua.", pair_target="Two.")  # trusted
    b.pair("a1:mt:2", "Tiga.", "Tree.")
    b.review("a1:mt:2", "rejected", source="Tiga.", pair_target="Tree.")  # rejected: no
    b.pair("a1:mt:3", "Empat.", "For.")
    b.review("a1:mt:3", "edited", after="Four.", source="Empat.", pair_target="Fore.")  # stale (other MT): trusted
    b.pair("a1:ref:0", "Lima.", "Five.", kind="reference")
    b.flag("a1:ref:0", "length_ratio", fired=False)  # checked, nothing fired: a clean reference
    b.pair("a1:ref:1", "Enam.", "Six.", kind="reference")  # never checked: not clean
    b.pair("a1:ref:2", "Tujuh.", "Seven.", kind="reference")
    b.flag("a1:ref:2", "length_ratio", fired=True)  # a warning fired: not clean
    b.pair("a1:mt:4", "Delapan.", "")
    b.review("a1:mt:4", "accepted", before="", after="", source="Delapan.", pair_target="")  # empty side: no use
    got = [(p.pair_id, p.target, p.origin) for p in trusted_pairs(b.store)]
    assert got == [("a1:mt:0", "One.", "edited"), ("a1:mt:1", "Two.", "accepted"), ("a1:mt:3", "Four.", "edited"),
                   ("a1:ref:0", "Five.", "reference")]
    assert [p.pair_id for p in select(b.store, "reviewed")] == ["a1:mt:0", "a1:mt:1", "a1:mt:3"]
    assert [p.pair_id for p in select(b.store, "references")] == ["a1:ref:0"]


def test_held_out_pairs_are_those_of_the_published_validation_and_test_articles(tmp_path: Path) -> None:
    b = CorpusBuilder(tmp_path)
    for a in range(20):
        aid = f"a{a:02d}"
        b.article(aid, [f"Kalimat {a}."])
        b.pair(f"{aid}:mt:0", f"Kalimat {a}.", f"Sentence {a}.")
        b.review(f"{aid}:mt:0", "accepted", before=f"Sentence {a}.", after=f"Sentence {a}.", source=f"Kalimat {a}.",
                 pair_target=f"Sentence {a}.")
    data = adapt_data(b.store)
    split_of = assign_splits(b.store, SplitSizes()).split_of
    assert {p.article_id for p in data.train} == {a for a, sp in split_of.items() if sp == "train"}
    assert {p.article_id for p in data.heldout} == {a for a, sp in split_of.items() if sp != "train"}
    assert data.heldout and data.counts["heldout"] == {"accepted": len(data.heldout)}
    sig = data.signature
    b.review("a00:mt:0", "edited", before="Sentence 0.", after="The sentence 0.", source="Kalimat 0.",
             pair_target="Sentence 0.")
    assert adapt_data(b.store).signature != sig  # the data changed: so does their signature


def test_stale_decisions_keep_the_reviewers_english_while_the_indonesian_is_the_same(tmp_path: Path) -> None:
    b = CorpusBuilder(tmp_path)
    b.article("a1", ["Satu.", "Dua.", "Tiga.", "Empat.", "Lima.", "Enam."])
    # Each pair was re-translated after its decision: the MT English now differs from what the reviewer saw.
    b.pair("a1:mt:0", "Satu.", "One (new MT).")
    b.review("a1:mt:0", "edited", before="Uno.", after="One.", source="Satu.", pair_target="Uno.")
    b.pair("a1:mt:1", "Dua.", "Two (new MT).")
    b.review("a1:mt:1", "accepted", before="Two.", after="Two.", source="Dua.", pair_target="Two.")
    b.pair("a1:mt:2", "Tiga.", "Three (new MT).")
    b.review("a1:mt:2", "rejected", before="Tree.", source="Tiga.", pair_target="Tree.")  # rejected: never
    b.pair("a1:mt:3", "Empat itu.", "Four (new MT).")  # the Indonesian changed too: not what was decided
    b.review("a1:mt:3", "edited", before="For.", after="Four.", source="Empat.", pair_target="For.")
    b.pair("a1:mt:4", "Lima.", "Five (new MT).")
    first = b.review("a1:mt:4", "edited", before="Fiv.", after="Five.", source="Lima.", pair_target="Fiv.")
    b.review("a1:mt:4", "pending", before="Five.", source="Lima.", pair_target="Fiv.", parent_id=first)  # undone
    b.pair("a1:mt:5", "Enam.", "Six (new MT).")
    b.review("a1:mt:5", "accepted", before="Sicks.", source="Enam.", pair_target="Sicks.")  # an older row: no after
    states = {rec.id: (rec.review_status, rec.review_stale) for rec in iter_pairs(b.store)}
    assert states["a1:mt:0"] == states["a1:mt:1"] == ("pending", True)  # stale in review, as the rules say
    got = [(p.pair_id, p.target, p.origin) for p in trusted_pairs(b.store)]
    assert got == [("a1:mt:0", "One.", "edited"), ("a1:mt:1", "Two.", "accepted"), ("a1:mt:5", "Sicks.", "accepted")]
