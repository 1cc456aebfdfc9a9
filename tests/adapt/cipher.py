"""A synthetic "language" a tiny model can learn in seconds: a word-for-word cipher of English.

Each English word of a small vocabulary maps to one made-up word (letters reversed and shifted, plus
'q'); sentences are random word sequences. :func:`cipher_corpus` writes them into a corpus as machine
translations that reviewers edited (the MT is the English with its words in reverse order, the
reviewer's English the right one), so the trusted pairs teach the mapping.
"""

from __future__ import annotations

import random
from pathlib import Path

from bitext.publish.selection import SplitSizes, assign_splits
from bitext.store import Store
from tests.factories import CorpusBuilder

WORDS = ("the a cat dog bird sees likes eats big small red green house tree river and near under old new runs"
         " sleeps").split()


def cipher(word: str) -> str:
    """The made-up word for an English word."""
    return "".join(chr((ord(c) - 97 + 7) % 26 + 97) for c in word[::-1]) + "q"


def sentences(n: int, seed: int = 1) -> list[tuple[str, str]]:
    """``n`` (cipher, English) sentence pairs of 3 to 7 words."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        en = [rng.choice(WORDS) for _ in range(rng.randint(3, 7))]
        out.append((" ".join(cipher(w) for w in en), " ".join(en)))
    return out


def tokenizer_texts() -> tuple[str, str]:
    """Source and target text covering every word (what the tiny model's tokenizers are trained on)."""
    return " ".join(cipher(w) for w in WORDS), " ".join(WORDS)


def cipher_corpus(where: Path, *, articles: int = 30, per_article: int = 8, seed: int = 1,
                  poisoned: bool = False) -> Store:
    """A corpus of ``articles`` articles whose pairs reviewers edited to the right English.

    ``poisoned``: in the articles of the ``train`` split the reviewers' English belongs to other sentences
    (shuffled), while the held-out articles keep the right English: a model trained on it gets worse on
    the held-out pairs, on purpose (for the guard)."""
    pairs = sentences(articles * per_article, seed)
    b = CorpusBuilder(where)
    written = []
    for a in range(articles):
        aid = f"a{a:02d}"
        chunk = pairs[a * per_article:(a + 1) * per_article]
        sids = b.article(aid, [src for src, _ in chunk])
        for j, ((src, en), sid) in enumerate(zip(chunk, sids, strict=True)):
            mt = " ".join(reversed(en.split()))
            written.append((b.pair(f"{aid}:mt:{j}", src, mt, src_ids=[sid], tgt_idx=[j], mt=mt), aid, src, mt, en))
    split_of = assign_splits(b.store, SplitSizes()).split_of
    train = [i for i, w in enumerate(written) if split_of[w[1]] == "train"]
    targets = [w[4] for w in written]
    if poisoned:
        shuffled = [targets[i] for i in train]
        random.Random(seed + 1).shuffle(shuffled)
        for i, en in zip(train, shuffled, strict=True):
            targets[i] = en
    for (pid, _, src, mt, _), en in zip(written, targets, strict=True):
        b.review(pid, "edited", before=mt, after=en, source=src, pair_target=mt)
    return b.store
