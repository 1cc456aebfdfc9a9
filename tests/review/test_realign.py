"""Decisions survive real re-alignment (bitext.align): CSV edits on 1-0 pairs, then another MT. Each
sentence keeps its own translation (MT pairs are by provenance, bitext.align.mt), so every decision stays
on its pair; a decision is bound to both sides, so one made on English that another MT replaced is stale
there (old decision visible), and none is unplaced."""

from __future__ import annotations

import csv
from pathlib import Path

from bitext import review
from bitext.align.stage import align_corpus
from bitext.model import MetaKey
from bitext.review import carry_report, decide, import_review
from bitext.review.carry import stale_decisions
from bitext.store import Store
from tests.factories import SIGNATURE, CorpusBuilder, flags_count

# Per article: four Indonesian sentences. The first MT drops sentence 1 (a 1-0 bead).
S = {
    "art00": ["Presiden meresmikan jembatan baru di Jakarta pada hari Senin.",
              "Jembatan itu sepanjang 200 meter dan lebar 30 meter.",
              "Warga menyambut baik pembangunan tersebut.",
              "Pasar di sekitar jembatan menjadi ramai."],
    "art01": ["Harga beras naik 10 persen pada bulan Maret.",
              "Kenaikan itu terjadi di 34 provinsi dan 500 kabupaten.",
              "Pemerintah akan menambah pasokan.",
              "Pedagang berharap harga segera turun."],
    "art02": ["Tim nasional menang 3-1 atas Thailand.",
              "Gol dicetak pada menit 12, 45 dan 88 oleh tiga pemain.",
              "Pelatih memuji kerja keras pemain.",
              "Pertandingan berikutnya digelar pekan depan."],
}
MT1 = {
    "art00": ["The President inaugurated a new bridge in Jakarta on Monday.", "",
              "Residents welcomed the construction.", "The market near the bridge became busy."],
    "art01": ["Rice prices rose 10 percent in March.", "",
              "The government will add supplies.", "Traders hope prices fall soon."],
    "art02": ["The national team beat Thailand 3-1.", "",
              "The coach praised the players' hard work.", "The next match is next week."],
}
TYPED = {"art00": "The bridge is 200 metres long and 30 metres wide.",
         "art01": "The rise happened in 34 provinces and 500 districts.",
         "art02": "The goals came in the 12th, 45th and 88th minutes from three players."}
SIG2 = SIGNATURE + "|max_new_tokens:20"
# The second MT (shorter, as with --max-new-tokens 20): art00 and art02 fold sentence 1's content into sentence
# 0's English (sentence 1 stays untranslated), art01 translates sentence 1 (the 1-0 becomes 1-1).
MT2 = {
    "art00": ["The President inaugurated a new bridge in Jakarta on Monday, 200 metres long and 30 metres wide.", "",
              "Residents welcomed it.", "The market became busy."],
    "art01": ["Rice prices rose 10 percent in March.", "It rose in 34 provinces and 500 districts.",
              "The government will add supplies.", "Traders hope prices fall soon."],
    "art02": ["The national team beat Thailand 3-1 with goals in minutes 12, 45 and 88 by three players.", "",
              "The coach praised the players.", "The next match is next week."],
}


def _translate(b: CorpusBuilder, mt: dict[str, list[str]], signature: str) -> None:
    for aid, texts in mt.items():
        for src, text in zip(S[aid], texts, strict=True):
            b.translation(src, text, signature=signature)
    b.store.set_meta(MetaKey.TRANSLATE_SIGNATURE, signature)


def _corpus(folder: Path) -> Store:
    b = CorpusBuilder(folder)
    for aid, sents in S.items():
        b.article(aid, [sents])
    _translate(b, MT1, SIGNATURE)
    align_corpus(b.store, quiet=True)
    return b.store


def _csv_edits(store: Store, path: Path) -> None:
    """Export the review spreadsheet and type the missing English of every 1-0 pair, as a reviewer would."""
    review.export_review_csv(store, path)
    with path.open(newline="", encoding="utf-8-sig") as fh:
        table = list(csv.DictReader(fh))
    for row in table:
        aid = row["id"].split(":")[0]
        if row["id"] == f"{aid}:0.1":
            row["edited"] = TYPED[aid]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(table[0]))
        w.writeheader()
        w.writerows(table)


def test_csv_edits_on_1_0_pairs_survive_realignment_with_other_mt(tmp_path: Path) -> None:
    """Another model's English is English nobody decided on: every decision on changed English is stale
    (visible beside the pair, counted), decisions whose two sides are unchanged still apply."""
    store = _corpus(tmp_path / "c")
    assert [r[0] for r in store.conn.execute("SELECT bead_type FROM pairs WHERE article_id='art00' ORDER BY bead_idx")] \
        == ["1-1", "1-0", "1-1", "1-1"]
    _csv_edits(store, tmp_path / "edits.csv")
    result = import_review(store, tmp_path / "edits.csv", reviewer="ana")
    assert (len(result.applied), result.problems) == (3, [])
    decide(store, "art00:0.0", "accepted", reviewer="ana")
    decide(store, "art01:0.3", "rejected", reviewer="budi")
    decide(store, "art02:0.3", "accepted", reviewer="budi")
    assert review.review_progress(store)["reviewed"] == 6

    _translate(CorpusBuilder(store), MT2, SIG2)
    align_corpus(store, quiet=True)

    # Each sentence keeps its own translation (bitext.align.mt): another MT never merges sentences, so
    # every decision stays on its pair. art00/art02 fold sentence 1's content into sentence 0's English,
    # but sentence 1 is still untranslated: its typed English stays on its 1-0 pair.
    ids = {r[0]: r[1] for r in store.conn.execute("SELECT id, bead_type FROM pairs")}
    assert ids["art00:0.0"] == "1-1" and ids["art00:0.1"] == "1-0" and ids["art02:0.1"] == "1-0"
    assert ids["art01:0.1"] == "1-1"
    kept = review.get_item(store, "art01:0.1")
    assert (kept.status, kept.stale, kept.original_target) == ("pending", True, "It rose in 34 provinces and 500 districts.")
    [(old, why)] = stale_decisions(store, "art01:0.1")
    assert (old["after"], old["reviewer"]) == (TYPED["art01"], "ana") and "English changed" in why
    # Both sides unchanged: the decisions still apply.
    assert review.get_item(store, "art01:0.3").status == "rejected"
    assert review.get_item(store, "art02:0.3").status == "accepted"
    # art00: sentence 0 was accepted on MT1's English; MT2 replaced it: stale there, the old decision shown.
    moved = review.get_item(store, "art00:0.0")
    assert (moved.status, moved.stale) == ("pending", True)
    [(old, why)] = stale_decisions(store, "art00:0.0")
    assert (old["pair_id"], old["reviewer"]) == ("art00:0.0", "ana") and "English changed" in why
    # The typed English of sentences still untranslated: both sides unchanged, the edits apply.
    for aid in ("art00", "art02"):
        typed = review.get_item(store, f"{aid}:0.1")
        assert (typed.status, typed.stale, typed.target) == ("edited", False, TYPED[aid])
    rep = carry_report(store)
    assert (rep.carried, rep.stale, rep.superseded, rep.unplaced, rep.stale_pairs) == (0, 2, 0, 0, 2)
    assert review.review_progress(store)["reviewed"] == 4  # 00:0.1, 02:0.1, 01:0.3, 02:0.3
    # Re-running with nothing changed places everything the same way, once.
    align_corpus(store, quiet=True)
    assert (carry_report(store).carried, carry_report(store).stale, review.review_progress(store)["reviewed"]) == (0, 2, 4)


def test_a_decision_whose_sentences_are_gone_is_listed_as_unplaced(tmp_path: Path) -> None:
    store = _corpus(tmp_path / "c")
    rid = decide(store, "art00:0.2", "accepted", reviewer="ana")
    b = CorpusBuilder(store)
    # The article is re-ingested without that sentence (and its pairs are rewritten).
    b.article("art00", [[S["art00"][0], S["art00"][1], S["art00"][3]]])
    align_corpus(store, quiet=True)
    rep = carry_report(store)
    assert (rep.unplaced, rep.unplaced_ids, rep.unplaced_pairs) == (1, [rid], ["art00:0.2"])
    assert rep.lines() == [
        "decisions   0 carried through re-alignment, 0 stale (0 pair(s) to look at again), 0 superseded,"
        " 1 could not be placed", f"  unplaced: review #{rid} of art00:0.2"]
    assert rep.as_dict()["unplaced_reviews"] == [{"review_id": rid, "pair_id": "art00:0.2"}]


def test_an_edited_indonesian_sentence_shows_the_old_decision_as_stale(tmp_path: Path) -> None:
    store = _corpus(tmp_path / "c")
    decide(store, "art00:0.2", "accepted", reviewer="ana")
    fixed = S["art00"][2].replace("baik", "baik sekali")
    CorpusBuilder(store).article("art00", [[S["art00"][0], S["art00"][1], fixed, S["art00"][3]]])
    CorpusBuilder(store).translation(fixed, "Residents warmly welcomed the construction.")
    align_corpus(store, quiet=True)
    item = review.get_item(store, "art00:0.2")
    assert (item.status, item.stale) == ("pending", True)
    [(old, why)] = stale_decisions(store, "art00:0.2")
    assert old["source"] == S["art00"][2] and "Indonesian changed" in why
    assert carry_report(store).unplaced == 0


def test_the_stages_bulk_writes_leave_the_state_the_triggers_would(tmp_path: Path) -> None:
    """align and flag stand the per-row triggers down (review schema v2) and bring the state table up to
    date once per pair: it must equal the Python rule, counts included, through decisions, flags, a
    flag recompute and a re-alignment with another MT."""
    from bitext.flags import flag_corpus
    from tests.review.corpus import python_state, recounted, state_counts, state_table

    store = _corpus(tmp_path / "c")
    flag_corpus(store, quiet=True)
    decide(store, "art00:0.0", "accepted", reviewer="ana")
    decide(store, "art01:0.3", "rejected", reviewer="budi")
    assert flags_count(store) > 0 and state_table(store) == python_state(store) and state_counts(store) == recounted(store)
    assert any(r[3] for r in state_table(store).values()), "some pair should need review"
    config = tmp_path / "flags.toml"
    config.write_text("[length_ratio]\nenabled = false\n", encoding="utf-8")
    flag_corpus(store, config_path=config, quiet=True)  # a recompute: every flag cleared, then written again
    assert state_table(store) == python_state(store) and state_counts(store) == recounted(store)
    _translate(CorpusBuilder(store), MT2, SIG2)
    align_corpus(store, quiet=True)
    flag_corpus(store, quiet=True)
    assert state_table(store) == python_state(store) and state_counts(store) == recounted(store)
    assert store.count("review_deferred") == 0


REF1 = {"art00": ["The President opened a new bridge in Jakarta on Monday.", "The bridge is 200 metres long and 30 metres wide.",
                  "Residents welcomed it.", "The market near the bridge got busy."],
        "art02": ["The national team beat Thailand 3-1.", "Goals came in minutes 12, 45 and 88 from three players.",
                  "The coach praised the players.", "The next match is next week."]}  # fmt: skip
# The second reference joins the English of sentences 0 and 1 (a 2-1 bead) in new words: art00's two decided
# sentences merge (stale: new English), art02's merge holds undecided sentence 0 (stale: the bead changed).
REF2 = {"art00": ["The President opened a new bridge in Jakarta on Monday; the bridge is 200 metres long and 30 metres"
                  " wide.", "Residents welcomed it.", "The market near the bridge got busy."],
        "art02": ["The national team beat Thailand 3-1 with goals in minutes 12, 45 and 88 from three players.",
                  "The coach praised the players.", "The next match is next week."]}  # fmt: skip


def test_decisions_follow_a_merge_when_a_new_reference_is_aligned(tmp_path: Path) -> None:
    """Merges come from the DP (kind 'reference'; MT pairs never merge). A new reference text whose English
    joins two sentences makes the merged bead's decisions stale (new English), the old ones shown."""
    store = _corpus(tmp_path / "c")
    refs = tmp_path / "refs"
    refs.mkdir()
    for aid, lines in REF1.items():
        (refs / f"{aid}.txt").write_text(" ".join(lines), encoding="utf-8")
    align_corpus(store, reference=refs, quiet=True)
    decide(store, "art00:ref-0.0", "accepted", reviewer="ana")
    decide(store, "art00:ref-0.1", "accepted", reviewer="ana")
    decide(store, "art02:ref-0.1", "edited", reviewer="ana", after="Goals at 12, 45 and 88.")
    for aid, lines in REF2.items():
        (refs / f"{aid}.txt").write_text(" ".join(lines), encoding="utf-8")
    align_corpus(store, reference=refs, quiet=True)

    ids = {r[0]: r[1] for r in store.conn.execute("SELECT id, bead_type FROM pairs WHERE kind='reference'")}
    assert ids["art00:ref-0.0+0.1"] == "2-1" and ids["art02:ref-0.0+0.1"] == "2-1"
    # Both of art00's sentences were accepted, but on two English sentences the new reference replaced by
    # one other sentence: a decision is bound to the English it was made on, so the merge is stale, both
    # old decisions shown beside it (never a combined decision on English nobody saw).
    merged = review.get_item(store, "art00:ref-0.0+0.1")
    assert (merged.status, merged.stale) == ("pending", True)
    assert sorted(r["pair_id"] for r, _ in stale_decisions(store, "art00:ref-0.0+0.1")) == ["art00:ref-0.0",
                                                                                              "art00:ref-0.1"]
    stale = review.get_item(store, "art02:ref-0.0+0.1")
    assert (stale.status, stale.stale) == ("pending", True)
    [(old, why)] = stale_decisions(store, "art02:ref-0.0+0.1")
    assert (old["pair_id"], old["after"], old["reviewer"]) == ("art02:ref-0.1", "Goals at 12, 45 and 88.", "ana")
    assert "bead changed" in why
    rep = carry_report(store)
    assert (rep.carried, rep.stale, rep.superseded, rep.unplaced, rep.stale_pairs) == (0, 3, 0, 0, 2)
