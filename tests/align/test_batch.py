"""The batched aligner (bitext.align.batch) gives exactly the beads of the DP (bitext.align.dp), and the
corpus stage built on it writes the pairs the per-paragraph DP gives, whatever the chunking."""

from __future__ import annotations

import gc
import json
import random
from pathlib import Path

import pytest

from bitext.align import batch, dp
from bitext.align import stage as align_stage
from bitext.align.batch import align_many, batchable
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
    assert align_many(docs, bridge_weight) == want  # sentence indices and scores, bit for bit


def test_batches_of_any_size_give_the_same_beads(monkeypatch: pytest.MonkeyPatch):
    docs = random_docs(3, 200)
    want = align_many(docs, 1.0)
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
    # Where batchable, the DP's band (half width >= base) covers every target position.
    for n in range(1, 40):
        for m in range(1, 60):
            base = max(8 + max(n, m) // 100, -(-m // n) + 2)
            assert batchable(n, m) == (m + 1 <= 2 * base + 1)
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
    """(id, bead_type, src_ids, tgt_idx, target, score) of every pair, per paragraph with dp.align."""
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
            joined = " ".join(translated)
            tgt = [joined[a:b] for a, b in split_english(joined)]
            for bead in dp.align([s["text"] for s in members], tgt, bridge=translated, bridge_weight=1.0):
                key = "+".join(f"{members[i]['para_idx']}.{members[i]['sent_idx']}" for i in bead.src)
                pair_id = f"{article_id}:{key}" if bead.src else f"{article_id}:t{base + bead.tgt[0]}"
                out.append((pair_id, k, bead.type, [members[i]["id"] for i in bead.src],
                            [base + j for j in bead.tgt], " ".join(tgt[j] for j in bead.tgt), bead.score))  # fmt: skip
                k += 1
            base += len(tgt)
    return out


def stored_pairs(store: Store) -> list[tuple]:
    rows = store.conn.execute("SELECT * FROM pairs ORDER BY article_id, bead_idx").fetchall()
    return [(r["id"], r["bead_idx"], r["bead_type"], json.loads(r["src_ids"]), json.loads(r["tgt_idx"]), r["target"],
             r["align_score"]) for r in rows]  # fmt: skip


@pytest.mark.parametrize("chunk", [1, 7, 200])
def test_stage_writes_the_pairs_of_the_per_paragraph_dp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int):
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
