"""Translation memory: the closest decided pairs by fuzzy match on the Indonesian, following the review log
(decided again, undone), numbers carried over by value; and the consistency views built on it."""

from __future__ import annotations

from pathlib import Path

import pytest
from rapidfuzz import fuzz

from bitext import review
from bitext.lang.glossary import Term
from bitext.review import consistency, glossary, tm
from bitext.store import Store
from tests.factories import CorpusBuilder

S1 = "Harga beras di pasar Cianjur naik 10 persen pada 2024."
E1 = "Rice prices at the Cianjur market rose 10 percent in 2024."
S2 = "Harga beras di pasar Cianjur naik 12 persen pada 2024."  # differs only in a number
S3 = "Jembatan baru itu dibuka oleh bupati pada hari Senin."
E3 = "The new bridge was opened by the regent on Monday."
REPEAT = "Demikian disampaikan juru bicara."


@pytest.fixture
def store(tmp_path: Path) -> Store:
    b = CorpusBuilder(tmp_path / "corpus")
    for aid in ("a1", "a2", "a3"):
        b.article(aid)
    b.pair("a1:0", S1, "MT one.", mt="MT one.")
    b.pair("a1:1", S3, "MT bridge.", mt="MT bridge.")
    b.pair("a1:2", REPEAT, "Thus said the spokesman.", mt="Thus said the spokesman.")
    b.pair("a2:0", S2, "MT two.", mt="MT two.")
    b.pair("a2:1", REPEAT, "Thus said the spokesman.", mt="Thus said the spokesman.")
    b.pair("a2:2", "Jembatan baru itu ditutup oleh polisi.", "Police closed the new bridge.")
    b.pair("a3:0", REPEAT, "The spokesperson said so.", mt="The spokesperson said so.")
    b.pair("a3:1", "Kalimat yang sama sekali lain tentang cuaca.", "Something else.")
    s = b.store
    review.decide(s, "a1:0", "edited", reviewer="ana", after=E1)
    review.decide(s, "a1:1", "edited", reviewer="ana", after=E3)
    review.decide(s, "a1:2", "accepted", reviewer="ana")
    review.decide(s, "a2:1", "accepted", reviewer="budi")
    review.decide(s, "a3:0", "accepted", reviewer="budi")
    return s


def test_the_closest_decided_pair_with_its_number_carried_over(store: Store) -> None:
    [m] = tm.matches(store, "a2:0", S2)
    assert (m.pair_id, m.score, m.source, m.english) == ("a1:0", round(fuzz.ratio(S2, S1), 1), S1, E1)
    assert m.score == 98.1  # 54 characters, one substituted: 1 - 2/108
    assert (m.insert, m.carried, m.uncarried) == ("Rice prices at the Cianjur market rose 12 percent in 2024.",
                                                  (("10", "12"),), ())
    # A near sentence: the match %, the text as decided; the pair itself is never its own match.
    near = tm.matches(store, "a2:2", "Jembatan baru itu ditutup oleh polisi.")
    assert [(x.pair_id, x.score, x.insert) for x in near] == [("a1:1", round(fuzz.ratio(
        "Jembatan baru itu ditutup oleh polisi.", S3), 1), E3)]
    assert tm.matches(store, "a1:0", S1) == []  # only itself is that close
    assert tm.matches(store, "a3:1", "Kalimat yang sama sekali lain tentang cuaca.") == []


def test_repeats_are_shown_once_and_rejected_or_pending_pairs_never(store: Store) -> None:
    got = tm.matches(store, None, REPEAT)
    assert [(x.pair_id, x.score, x.english, x.repeats) for x in got] == [
        ("a1:2", 100.0, "Thus said the spokesman.", 2), ("a3:0", 100.0, "The spokesperson said so.", 1)]
    review.decide(store, "a3:0", "rejected", reviewer="ana")
    assert [x.pair_id for x in tm.matches(store, None, REPEAT)] == ["a1:2"]


def test_the_memory_follows_the_review_log(store: Store) -> None:
    assert tm.matches(store, "a2:0", S2)[0].english == E1
    review.decide(store, "a1:0", "edited", reviewer="ana", after="Rice at the Cianjur market cost 10% more in 2024.")
    [m] = tm.matches(store, "a2:0", S2)
    assert (m.english, m.insert) == ("Rice at the Cianjur market cost 10% more in 2024.",
                                     "Rice at the Cianjur market cost 12% more in 2024.")
    review.undo(store, "a1:0", reviewer="ana")  # back to the first edit
    assert tm.matches(store, "a2:0", S2)[0].english == E1
    assert tm.matches(store, "a2:2", "Jembatan baru itu ditutup oleh polisi.")[0].pair_id == "a1:1"
    review.undo(store, "a1:1", reviewer="ana")  # its only decision undone: pending, out of the memory
    assert tm.matches(store, "a2:2", "Jembatan baru itu ditutup oleh polisi.") == []


@pytest.mark.parametrize(("src", "en", "new", "want"), [
    ("Dana Rp 1.500 juta untuk 3 desa.", "Funds of Rp 1,500 million for 3 villages.", "Dana Rp 2.750 juta untuk 4 desa.",
     ("Funds of Rp 2,750 million for 4 villages.", (("1,500", "2,750"), ("3", "4")), ())),
    ("Rapat pukul 14.30 WIB.", "The meeting is at 14:30 WIB.", "Rapat pukul 09.15 WIB.",
     ("The meeting is at 09:15 WIB.", (("14:30", "09:15"),), ())),
    ("Ada 5 orang.", "There were five people.", "Ada 6 orang.", ("There were five people.", (), ("6",))),
    ("Ada 5 orang.", "Five.", "Ada 6 atau 7 orang.", ("Five.", (), ("6", "7"))),
    ("Tanpa angka.", "No numbers.", "Tanpa angka lagi.", ("No numbers.", (), ())),
])
def test_numbers_are_carried_over_by_value(src: str, en: str, new: str, want: tuple) -> None:
    assert tm.carry_numbers(src, en, new) == want


def test_sentences_decided_with_more_than_one_english(store: Store) -> None:
    groups, n = consistency.sentences(store)
    assert n == 1
    assert groups == [consistency.SentenceGroup(REPEAT, (
        consistency.Variant("Thus said the spokesman.", ("a1:2", "a2:1")),
        consistency.Variant("The spokesperson said so.", ("a3:0",))))]
    review.decide(store, "a3:0", "edited", reviewer="ana", after="Thus said the spokesman.")  # the fix
    assert consistency.sentences(store) == ([], 0)


def test_terms_decided_without_their_english_and_the_concordance(store: Store) -> None:
    assert consistency.terms(store) == ([], 0)
    glossary.add_term(store, "jembatan", "bridge")
    glossary.add_term(store, "juru bicara", "spokesperson")
    got, n = consistency.terms(store)
    assert n == 1 and got == [consistency.TermGroup(Term("juru bicara", ("spokesperson",)), 1,
                                                    ("a1:2", "a2:1"))]
    review.decide(store, "a1:2", "edited", reviewer="ana", after="Thus said the spokesperson.")  # one fixed
    assert consistency.terms(store)[0] == [consistency.TermGroup(Term("juru bicara", ("spokesperson",)), 2,
                                                                 ("a2:1",))]
    review.undo(store, "a1:2", reviewer="ana")  # and back: the tally follows the log both ways
    assert consistency.terms(store)[0][0].missing == ("a1:2", "a2:1")
    lines = consistency.concordance(store, "spokes")
    assert [(x.pair_id, x.status, x.english) for x in lines] == [
        ("a1:2", "accepted", "Thus said the spokesman."), ("a2:1", "accepted", "Thus said the spokesman."),
        ("a3:0", "accepted", "The spokesperson said so.")]
    assert [x.pair_id for x in consistency.concordance(store, "jembatan baru")] == ["a1:1"]  # not a2:2: pending
    assert [x.pair_id for x in consistency.concordance(store, "  Jembatan   BARU ")] == ["a1:1"]
    assert [x.pair_id for x in consistency.concordance(store, "MT bridge")] == []  # the decided English only
    two = consistency.concordance(store, "spokes", limit=2)
    assert len(two) == 2 and set(two) < set(lines)
    review.decide(store, "a1:2", "rejected", reviewer="ana")  # no longer decided as accepted or edited
    assert [x.pair_id for x in consistency.concordance(store, "spokes")] == ["a2:1", "a3:0"]
    assert consistency.marked("Ada Jembatan, jembatan.", "jembatan") == [
        ("Ada ", False), ("Jembatan", True), (", ", False), ("jembatan", True), (".", False)]


def test_a_large_memory_is_built_in_the_background_and_the_page_does_not_wait(store: Store, monkeypatch) -> None:
    import time

    monkeypatch.setattr(tm, "INLINE", 2)  # 5 decided pairs: "large"
    monkeypatch.setattr(tm, "_MEMORIES", {})
    monkeypatch.setattr(consistency, "_TALLIES", {})
    glossary.add_term(store, "juru bicara", "spokesperson")
    started = []
    real = tm._build
    monkeypatch.setattr(tm, "_build", lambda s, m: (started.append(1), time.sleep(0.2), real(s, m)))
    assert tm.matches(store, "a2:0", S2, wait=False) is None  # loading
    assert tm.matches(store, "a2:0", S2, wait=False) is None and started == [1]  # one builder
    deadline = time.monotonic() + 10
    while tm.matches(store, "a2:0", S2, wait=False) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [m.pair_id for m in tm.matches(store, "a2:0", S2, wait=False)] == ["a1:0"]
    assert consistency._TALLIES[str(store.path)].seen == 5  # the glossary tally was warmed by the builder
