"""The batched aligner (bitext.align.batch) gives exactly the beads of the DP (bitext.align.dp), and the
corpus stage writes each sentence with its own translation (bitext.align.mt), whatever the chunking."""

from __future__ import annotations

import gc
import json
import random
from pathlib import Path

import pytest

from bitext.align import batch, dp
from bitext.align import stage as align_stage
from bitext.align.batch import align_many, batchable
from bitext.align.mt import align_translations
from bitext.lang.numbers import normalize_number
from bitext.segment.en import split_english
from bitext.store import Store
from tests.factories import CorpusBuilder

SIG = "opus-mt-id-en@test"
WORDS_ID = ["pemerintah", "membangun", "jembatan", "baru", "di", "desa", "warga", "mengatakan", "harga", "beras",
            "naik", "pada", "Senin", "polisi", "menangkap", "tiga", "orang", "Jakarta", "Presiden", "Joko",
            "teknologi", "Maret", "dan", "yang"]  # fmt: skip
WORDS_EN = ["government", "builds", "bridge", "new", "in", "village", "residents", "said", "price", "rice",
            "rose", "on", "Monday", "police", "arrested", "three", "people", "Jakarta", "President", "Joko",
            "technology", "March", "and", "the"]  # fmt: skip
EXTRAS = ["1.500,5", "1,500.5", "2024", "007", "10", "www.example.com/x", "info@antara.id", "?", "!", '"kata"',
          "“quote”", "٣٤"]  # fmt: skip


def sentence(rng: random.Random, words: list[str]) -> str:
    """A random sentence with, now and then, the anchors the aligner looks at (numbers, URLs, marks)."""
    out = [rng.choice(words) for _ in range(rng.randint(1, 14))]
    for _ in range(rng.choice([0, 0, 1, 2])):
        out.insert(rng.randrange(len(out) + 1), rng.choice(EXTRAS))
    text = " ".join(out)
    return (text[:1].upper() + text[1:] + rng.choice([".", ".", "?", "!", ""])) if rng.random() > 0.03 else ""


def random_docs(seed: int, count: int) -> list[tuple[list[str], list[str], list[str] | None]]:
    """Documents of 0-9 source and 0-18 target sentences: translations of the source re-split (as the
    stage makes them), shifted or unrelated targets, with and without a bridge."""
    rng = random.Random(seed)
    docs = []
    for _ in range(count):
        n = rng.randint(0, 9)
        src = [sentence(rng, WORDS_ID) for _ in range(n)]
        bridge = [sentence(rng, WORDS_EN) for _ in range(n)]
        if rng.random() < 0.5:
            joined = " ".join(bridge)
            tgt = [joined[a:b] for a, b in split_english(joined)]
        else:
            tgt = [sentence(rng, WORDS_EN) for _ in range(rng.randint(0, 18))]
            if rng.random() < 0.5:
                tgt = bridge[: rng.randint(0, n)] + tgt[: rng.randint(0, 4)]
        docs.append((src, tgt, bridge if rng.random() < 0.8 else None))
    return docs


@pytest.mark.parametrize("bridge_weight", [1.0, 0.5, 0.0, None])
@pytest.mark.parametrize("seed", [1, 2])
def test_align_many_gives_exactly_the_beads_of_the_dp(seed: int, bridge_weight: float | None):
    docs = random_docs(seed, 300)
    want = [dp.align(src, tgt, bridge, bridge_weight) for src, tgt, bridge in docs]
    batched = []
    group = batch._align_group

    def spy(group_docs, *args):
        batched.extend(group_docs)
        return group(group_docs, *args)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(batch, "_align_group", spy)
        assert align_many(docs, bridge_weight) == want  # sentence indices and scores, bit for bit
    assert len(batched) > len(docs) // (2 if bridge_weight is not None else 10)  # the batch path did the work


def test_batches_of_any_size_give_the_same_beads(monkeypatch: pytest.MonkeyPatch):
    docs = random_docs(3, 200)
    want = [dp.align(src, tgt, bridge, 1.0) for src, tgt, bridge in docs]
    monkeypatch.setattr(batch, "BATCH_LIMIT", 3)
    assert align_many(docs, 1.0) == want


def test_one_sentence_paragraphs_in_bulk():
    # The long-article case: thousands of 1 x 1 documents in one group, split over several batches.
    rng = random.Random(4)
    docs = []
    for _ in range(batch.BATCH_LIMIT + 500):
        text = sentence(rng, WORDS_EN)
        docs.append(([sentence(rng, WORDS_ID)], [text] if text else [], [text]))
    assert align_many(docs, 1.0) == [dp.align(s, t, b, 1.0) for s, t, b in docs]


def test_batchable_only_where_the_band_is_the_whole_table():
    # Where batchable, the DP's band (half width >= base) covers every target position: the boundary
    # cases below (equality with the DP everywhere is test_align_many_gives_exactly_the_beads_of_the_dp).
    assert not batchable(0, 3) and not batchable(3, 0)
    assert batchable(1, 200) and batchable(5, 16) and not batchable(5, 17)


def test_bridge_of_the_wrong_length_is_an_error():
    with pytest.raises(ValueError, match="bridge has 1 sentences, src has 2"):
        align_many([(["Satu.", "Dua."], ["One."], ["One."])], 1.0)


def test_digit_only_numbers_anchor_as_normalize_number_says():
    for token in ["0", "00", "007", "10", "2024", "٣٤", "1.500", "1,5", "1.500,50", "1.2.3"]:
        for lang in ("id", "en"):
            assert set(dp._number_anchors(token, lang)) == {"n:" + n for n in normalize_number(token, lang)}


# -- the stage: same pairs as the per-paragraph DP, whatever the chunking ------------------------------


def build_store(path: Path, articles: int, rng: random.Random) -> Store:
    store = Store.open(path)
    corpus = CorpusBuilder(store, SIG)
    for a in range(articles):
        paras = [[sentence(rng, WORDS_ID) or "Kosong." for _ in range(rng.randint(1, 6))]
                 for _ in range(rng.randint(1, 5))]  # fmt: skip
        corpus.article(f"a{a:03d}", paras)
        for p in paras:
            for s in p:
                corpus.translation(s, " ".join(sentence(rng, WORDS_EN) for _ in range(rng.choice([0, 1, 1, 1, 2]))))
    from bitext.model import MetaKey

    store.set_meta(MetaKey.TRANSLATE_SIGNATURE, SIG)
    return store


def expected_pairs(store: Store) -> list[tuple]:
    """(id, bead_type, src_ids, tgt_idx, target, score) of every pair, per paragraph with
    mt.align_translations (each sentence with its own translation)."""
    out = []
    for article_id in store.article_ids():
        sentences = store.sentences(article_id)
        mt = {t: r["text"] for t, r in store.translations(SIG, [s["text"] for s in sentences]).items()}
        paras: dict[int, list] = {}
        for s in sentences:
            paras.setdefault(s["para_idx"], []).append(s)
        base, k = 0, 0
        for members in paras.values():
            translated = [mt[s["text"]] for s in members]
            tgt, beads = align_translations([s["text"] for s in members], translated)
            for bead in beads:
                key = "+".join(f"{members[i]['para_idx']}.{members[i]['sent_idx']}" for i in bead.src)
                out.append((f"{article_id}:{key}", k, bead.type, [members[i]["id"] for i in bead.src],
                            [base + j for j in bead.tgt], " ".join(tgt[j] for j in bead.tgt), bead.score))  # fmt: skip
                k += 1
            base += len(tgt)
    return out


def stored_pairs(store: Store) -> list[tuple]:
    rows = store.conn.execute("SELECT * FROM pairs ORDER BY article_id, bead_idx").fetchall()
    return [(r["id"], r["bead_idx"], r["bead_type"], json.loads(r["src_ids"]), json.loads(r["tgt_idx"]), r["target"],
             r["align_score"]) for r in rows]  # fmt: skip


@pytest.mark.parametrize("chunk", [1, 7, 200])
def test_stage_writes_each_sentence_with_its_own_translation_whatever_the_chunking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int):
    store = build_store(tmp_path / "c", 23, random.Random(5))
    monkeypatch.setattr(align_stage, "CHUNK_ARTICLES", chunk)
    report = align_stage.align_corpus(store, quiet=True)
    assert report.articles == report.aligned == 23
    assert stored_pairs(store) == expected_pairs(store)
    again = align_stage.align_corpus(store, quiet=True)
    assert again.skipped == 23 and again.aligned == 0
    store.close()


def test_one_long_article_of_one_line_paragraphs(tmp_path: Path):
    rng = random.Random(6)
    store = Store.open(tmp_path / "c")
    corpus = CorpusBuilder(store, SIG)
    paras = [[sentence(rng, WORDS_ID) or "Kosong."] for _ in range(batch.BATCH_LIMIT + 300)]
    corpus.article("long", paras)
    for (s,) in paras:
        corpus.translation(s, sentence(rng, WORDS_EN))
    from bitext.model import MetaKey

    store.set_meta(MetaKey.TRANSLATE_SIGNATURE, SIG)
    report = align_stage.align_corpus(store, quiet=True)
    assert report.aligned == 1 and report.pairs == len(stored_pairs(store))
    assert stored_pairs(store) == expected_pairs(store)
    store.close()


@pytest.mark.parametrize("enabled", [True, False])
def test_stage_leaves_the_garbage_collector_as_it_found_it(tmp_path: Path, enabled: bool):
    store = build_store(tmp_path / "c", 3, random.Random(7))
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        align_stage.align_corpus(store, quiet=True)
        assert gc.isenabled() == enabled
    finally:
        (gc.enable if was else gc.disable)()
        store.close()


# -- long documents (one DP over a whole article, as with a reference) ---------------------------------


def numbered(rng: random.Random, k: int, words: list[str]) -> str:
    """A sentence with a number of its own (an anchor), as in a long list-like article."""
    return " ".join(rng.choice(words) for _ in range(rng.randint(4, 12))).capitalize() + f" {k}."


def translated(k: int) -> tuple[str, str]:
    """Sentence ``k`` and its 'translation' (the same words in WORDS_EN), with a number of its own."""
    idx = [(k * 7 + j * 13) % len(WORDS_ID) for j in range(4 + k % 9)]
    return (" ".join(WORDS_ID[x] for x in idx).capitalize() + f" {k}.",
            " ".join(WORDS_EN[x] for x in idx).capitalize() + f" {k}.")  # fmt: skip


def test_cost_blocks_do_not_change_the_beads(monkeypatch: pytest.MonkeyPatch):
    rng = random.Random(8)
    docs = [d for d in random_docs(9, 40) if d[0] and d[1]]
    src = [numbered(rng, k, WORDS_ID) for k in range(150)]
    tgt = [numbered(rng, k, WORDS_EN) for k in range(150) if k % 17]
    docs.append((src, tgt, None))
    want = [dp.align_document(s, t, b) for s, t, b in docs]
    monkeypatch.setattr(dp, "BAND_CELLS", 7)  # a block of one row: every row's costs computed apart
    assert [dp.align_document(s, t, b) for s, t, b in docs] == want


def test_first_band_stops_growing_with_the_document():
    assert dp.base_half_width(100, 100) == 9 and dp.base_half_width(1999, 10) == 27
    assert dp.base_half_width(dp.LONG_DOCUMENT, 5) == dp.base_half_width(50_000, 50_000) == 28
    assert dp.base_half_width(1, 500) == 502  # a row's band still overlaps the previous row's


def test_a_long_document_with_a_block_only_the_target_has_is_aligned():
    # 2,500 sentences (past LONG_DOCUMENT): the target has 120 extra sentences in the middle, far outside
    # the first band; the coarse pass's anchors widen it, and every sentence finds its translation.
    n = 2500
    src, tgt = (list(side) for side in zip(*(translated(k) for k in range(n)), strict=True))
    extra = [translated(10_000 + k)[1] for k in range(120)]
    tgt = tgt[:1200] + extra + tgt[1200:]
    result = dp.align_document(src, tgt)
    links = {(b.src[0], b.tgt[0]) for b in result.beads if b.type == "1-1"}
    expected = {(i, i if i < 1200 else i + 120) for i in range(n)}
    assert len(links & expected) >= n - 5
    assert sum(b.type == "0-1" for b in result.beads) >= 115


def test_bridge_reliability_samples_as_the_listing_did():
    def listed(path, bridge, tgt):  # the former implementation: every outside sentence listed
        m = len(tgt)
        place = [0] * len(bridge)
        for i0, i1, j0, _ in path:
            for i in range(i0, i1):
                place[i] = j0
        bags_t = [dp.content_words(t) for t in tgt]

        def dice(a, b):
            return 2.0 * len(a & b) / (len(a) + len(b)) if a or b else 0.0

        gains = []
        for i, text in enumerate(bridge):
            bag = dp.content_words(text)
            if not bag:
                gains.append(0.0)
                continue
            lo, hi = max(0, place[i] - 2), min(m, place[i] + 3)
            near = max((dice(bag, bags_t[j]) for j in range(lo, hi)), default=0.0)
            outside = [j for j in range(m) if j < lo or j >= hi]
            others = [dice(bag, bags_t[j]) for j in outside[:: max(1, len(outside) // 32)]]
            gains.append(near - (sum(others) / len(others) if others else dp.BRIDGE_FLOOR / 2))
        rel = sum(gains) / len(gains) if gains else 0.0
        return round(min(max((rel - dp.BRIDGE_FLOOR) / (dp.BRIDGE_FULL - dp.BRIDGE_FLOOR), 0.0), 1.0), 4)

    rng = random.Random(11)
    for n in (1, 3, 6, 40, 130):
        bridge = [sentence(rng, WORDS_EN) for _ in range(n)]
        tgt = bridge[: n // 2] + [sentence(rng, WORDS_EN) for _ in range(n // 3)] + bridge[n // 2 :]
        path = [(i, i + 1, min(i + rng.randint(0, 2), len(tgt)), min(i + 1, len(tgt))) for i in range(n)]
        assert dp.bridge_reliability(path, bridge, tgt) == listed(path, bridge, tgt)
