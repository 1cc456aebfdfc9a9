"""The aligner's features: anchors, cognates and bridge words of each sentence, hashed into bit sets.

One home for what :mod:`bitext.align.dp` (one document) and :mod:`bitext.align.batch` (many small
documents at once) both compute per sentence: the feature extractors, the number of a feature in its
document (:class:`Vocab`: its bit), the bit sets of spans of 1 to 3 sentences and their sizes. Arrays may carry
a leading batch axis (the sentence is axis -2), so the batched path calls the same functions.
Pure computation.
"""

from __future__ import annotations

import functools
import itertools
import re
import zlib
from collections.abc import Iterable, Sequence

import numpy as np

from ..lang.numbers import normalize_number

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_URL = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.I)
_CAP = re.compile(r"\b[A-Z][\w-]*[A-Za-z0-9]")
_WORD = re.compile(r"\w+")
_DATE_WORDS = {
    # Indonesian -> English; the English names map to themselves.
    "senin": "monday", "selasa": "tuesday", "rabu": "wednesday", "kamis": "thursday", "jumat": "friday",
    "sabtu": "saturday", "minggu": "sunday", "januari": "january", "februari": "february", "maret": "march",
    "april": "april", "mei": "may", "juni": "june", "juli": "july", "agustus": "august",
    "september": "september", "oktober": "october", "november": "november", "desember": "december",
}  # fmt: skip
_DATE_WORDS.update({v: v for v in list(_DATE_WORDS.values())})
_STOP = set(
    "the a an and or but of to in on at by for with from as is are was were be been being has have had it its"
    " this that these those he she they we you his her their our not no will would can could should may said"
    " says which who whom what when where there than then also about into over after before such".split()
)


def anchors(text: str, lang: str) -> tuple[set[str], set[str]]:
    """The (strong, weak) anchors of a sentence; ``lang`` is ``'id'`` or ``'en'``.

    Strong: numbers (canonical, see :func:`normalize_number`), URLs and e-mail addresses, day and month
    names (in English), and the marks ``?``, ``!`` and ``"``. Weak: capitalised words that are not the
    first word, lower-cased.
    """
    strong: set[str] = set()
    rest = text
    if "www." in text or "://" in text or "@" in text:  # the URL pattern is slow; most sentences have none
        for url in _URL.findall(text):
            strong.add("url:" + url.lower().rstrip(".,;:)"))
        rest = _URL.sub(" ", text)
    for num in _NUMBER.findall(rest):
        strong.update(_number_anchors(num, lang))
    for mark in "?!":
        if mark in rest:
            strong.add(mark)
    if any(q in rest for q in "\"“”"):
        strong.add('"')
    weak: set[str] = set()
    first = _WORD.search(rest)
    for m in _CAP.finditer(rest):
        word = m.group().lower()
        if first is not None and m.start() == first.start():
            if word in _DATE_WORDS:
                strong.add("d:" + _DATE_WORDS[word])
            continue
        if word in _DATE_WORDS:
            strong.add("d:" + _DATE_WORDS[word])
        else:
            weak.add(word)
    return strong, weak


@functools.lru_cache(maxsize=65536)
def _number_anchors(token: str, lang: str) -> tuple[str, ...]:
    """The anchors of a number token (memoised: years and small numbers recur in every article)."""
    if "." not in token and "," not in token:
        # What normalize_number gives a token of digits only, in either language: one reading, no zeros in front.
        return ("n:" + (token.lstrip("0") or "0"),)
    return tuple("n:" + n for n in normalize_number(token, lang))


def content_words(text: str) -> set[str]:
    """Lower-cased English content words (stop words dropped, cut to 6 characters) for the bridge score."""
    return _content_of(_WORD.findall(text.lower()))


def _content_of(words: Iterable[str]) -> set[str]:
    """The content words of lower-cased ``words``: the one rule of :func:`content_words` and of the
    batched memo (a set comprehension, not a call per word: this runs on every sentence)."""
    return {w[:6] for w in words if w not in _STOP and (len(w) > 2 or w.isdigit())}


def cognates(text: str) -> set[str]:
    """First four letters of the words of four or more letters: shared by many id/en word pairs
    (names, loan words: ``presiden``/``president``, ``teknologi``/``technology``), as in Simard et al. 1992."""
    return _cognates_of(_WORD.findall(text.lower()))


def _cognates_of(words: Iterable[str]) -> set[str]:
    """The cognates of lower-cased ``words``: the one rule of :func:`cognates` and of the batched memo."""
    return {w[:4] for w in words if len(w) >= 4 and not w[0].isdigit()}


# Feature kinds hashed into one row of 64-bit words per sentence: (name, words). Anchors are few per
# sentence, bags of words need more room; 1,024 bits give ~0.01 of false Dice on 15-word sentences.
_LAYOUT: tuple[tuple[str, int], ...] = (("strong", 4), ("weak", 4), ("cognate", 8), ("bridge", 16))
_OFFSETS = np.cumsum([0] + [w for _, w in _LAYOUT])
_STRONG, _WEAK, _COGNATE, _BRIDGE = range(4)  # the slots of _LAYOUT
_BASE = tuple(int(o) * 64 for o in _OFFSETS[:-1])  # first bit of each slot
_SIZE = tuple(int(b - a) * 64 for a, b in zip(_OFFSETS[:-1], _OFFSETS[1:], strict=True))  # bits of each slot


def feature_bits(slot: int, feats: Iterable[str]) -> list[int]:
    """The bits of ``feats`` in the bit set of their kind's ``slot`` hashed (crc32), as aligner 3 set them;
    :class:`Vocab` numbers them per document instead."""
    base, size = _BASE[slot], _SIZE[slot]
    return [base + zlib.crc32(f.encode()) % size for f in feats]


Feats = tuple[set[str], set[str], set[str], set[str] | None]
"""One sentence's features per kind: strong anchors, weak anchors, cognates, bridge words (None: no bridge)."""


class Vocab:
    """The bits of one document's features, per kind: numbered in order of appearance (feature ``k`` is
    bit ``k`` of its slot) when the document has no more distinct features of that kind than the slot has
    bits, which is every document up to a few dozen sentences: no collisions (hashed bits made unrelated
    FLORES sentences share about twice the cognates they really share; scripts/eval_align.py measures
    it). A kind with more features than that (a long document) is hashed (crc32) as before: numbers
    modulo the size would make features first seen a fixed distance apart collide, i.e. false matches
    along one offset. A sentence's features are numbered in sorted order, so the bits do not depend on
    PYTHONHASHSEED. Both sides of a document share one Vocab (:meth:`of`), the target side numbered first."""

    def __init__(self, hashed: Sequence[bool] = (False,) * len(_LAYOUT)) -> None:
        self.hashed = tuple(hashed)
        self.ids: tuple[dict[str, int], ...] = tuple({} for _ in _BASE)

    @classmethod
    def of(cls, feats: Iterable[Feats]) -> Vocab:
        """The Vocab of a document whose sentences (both sides) have ``feats``."""
        seen: tuple[set[str], ...] = tuple(set() for _ in _LAYOUT)
        for row in feats:
            for slot, kind in enumerate(row):
                if kind:
                    seen[slot].update(kind)
        return cls([len(seen[slot]) > _SIZE[slot] for slot in range(len(_LAYOUT))])

    def bits(self, slot: int, feats: Iterable[str]) -> list[int]:
        """The bits of ``feats`` (features of kind ``slot``), numbering the new ones."""
        base, size = _BASE[slot], _SIZE[slot]
        if self.hashed[slot]:
            return [base + zlib.crc32(f.encode()) % size for f in feats]
        ids = self.ids[slot]
        out = []
        for f in sorted(feats):
            k = ids.get(f)
            if k is None:
                k = ids[f] = len(ids)
            out.append(base + k)
        return out

    def row(self, feats: Feats) -> list[int]:
        """The bit positions of one sentence's features (and bridge words, if any)."""
        strong, weak, cogs, bag = feats
        out = self.bits(_STRONG, strong) + self.bits(_WEAK, weak) + self.bits(_COGNATE, cogs)
        return out if bag is None else out + self.bits(_BRIDGE, bag)


def _set_bits(positions: Sequence[Sequence[int]], words: int) -> np.ndarray:
    """One row of ``words`` 64-bit words per sentence with the bits of its ``positions`` set (OR does
    not depend on their order; a position listed twice is set once)."""
    out = np.zeros((len(positions), words), dtype=np.uint64)
    h = np.fromiter(itertools.chain.from_iterable(positions), dtype=np.uint64)
    if h.size:
        where = np.repeat(np.arange(len(positions)), [len(r) for r in positions])
        np.bitwise_or.at(out, (where, (h >> np.uint64(6)).astype(np.intp)), np.uint64(1) << (h & np.uint64(63)))
    return out


def _span_bits(bits: np.ndarray, d: int) -> np.ndarray:
    """``out[..., i, :]`` = union of the bit sets of sentences ``i-d .. i-1`` (rows 0 .. n), zero where
    ``i < d``; the sentence is axis -2 (a leading batch axis is kept)."""
    n = bits.shape[-2]
    out = np.zeros(bits.shape[:-2] + (n + 1, bits.shape[-1]), dtype=np.uint64)
    for off in range(1, d + 1):
        out[..., d:, :] |= bits[..., d - off : n + 1 - off, :]
    return out


def _counts(a: np.ndarray) -> np.ndarray:
    """Set sizes per feature kind: shape ``a.shape[:-1] + (len(_LAYOUT),)``."""
    starts = _OFFSETS[:-1][_OFFSETS[:-1] < a.shape[-1]]  # without a bridge the bridge words are left out
    return np.add.reduceat(np.bitwise_count(a), starts, axis=-1, dtype=np.int32)


SPANS = (1, 2, 3)
"""Sentences a side of a bead can hold (the DP's beads go up to 3-1 and 1-3)."""


class _Spans:
    """Character-length prefix sums and, for spans of 1 to 3 sentences ending before each position,
    the union of the sentences' bit sets and the set sizes; arrays may carry a leading batch axis."""

    n: int
    prefix: np.ndarray
    bits: dict[int, np.ndarray]
    sizes: dict[int, np.ndarray]

    def _set_spans(self, lengths: np.ndarray, bits: np.ndarray) -> None:
        """Fill the arrays from the sentence lengths ``(..., n)`` and bit sets ``(..., n, words)``."""
        zero = np.zeros(lengths.shape[:-1] + (1,))
        self.prefix = np.concatenate([zero, np.cumsum(lengths, axis=-1, dtype=np.float64)], axis=-1)
        self.bits = {d: _span_bits(bits, d) for d in SPANS}
        self.sizes = {d: _counts(self.bits[d]) for d in SPANS}


class _Side(_Spans):
    """One side of one document (see :class:`_Spans`), with the features of the coarse pass and, with a
    bridge, each sentence's bag of bridge content words (for ``bridge_reliability``)."""

    def __init__(self, texts: Sequence[str], lang: str, bridge: Sequence[str] | None) -> None:
        self.n = len(texts)
        self.lengths = np.array([len(t) for t in texts], dtype=np.float64)
        self.has_bridge = bridge is not None
        self.feats: list[Feats] = []
        self.coarse: list[set[str]] = []  # features of the coarse pass (bitext.align.offset), marks left out
        self.bags: list[set[str]] = []  # content words of each sentence's bridge (none without one)
        for k, text in enumerate(texts):
            strong, weak = anchors(text, lang)
            cogs = cognates(text)
            self.coarse.append({f for f in strong if len(f) > 1} | {"w:" + w for w in weak} | {"c:" + c for c in cogs})
            bag = content_words(bridge[k]) if bridge is not None else None
            if bag is not None:
                self.bags.append(bag)
            self.feats.append((strong, weak, cogs, bag))

    def set_bits(self, vocab: Vocab) -> None:
        """Set the bit sets of the sentences and spans from the document's :class:`Vocab`."""
        words = int(_OFFSETS[-1] if self.has_bridge else _OFFSETS[_BRIDGE])
        self._set_spans(self.lengths, _set_bits([vocab.row(f) for f in self.feats], words))
        self.feats = []  # not needed past here: a long document's sets would double its memory


class _Features:
    """Memo of the features of each distinct text (as :class:`_Side` computes them), for many documents at
    once (:mod:`bitext.align.batch`): texts and words recur. Bits are numbered per document (:class:`Vocab`)."""

    def __init__(self) -> None:
        self.anchors: dict[tuple[str, str], tuple[set[str], set[str], set[str]]] = {}
        self.bridge: dict[str, set[str]] = {}
        self.anchors_only: dict[tuple[str, str], tuple[set[str], set[str]]] = {}

    def of_text(self, text: str, lang: str) -> tuple[set[str], set[str], set[str]]:
        """The strong and weak anchors and the cognates of a sentence."""
        got = self.anchors.get((text, lang))
        if got is None:
            words = _WORD.findall(text.lower())
            strong, weak = anchors(text, lang)
            got = self.anchors[(text, lang)] = (strong, weak, _cognates_of(words))
        return got

    def of_anchors(self, text: str, lang: str) -> tuple[set[str], set[str]]:
        """The strong and weak anchors of a sentence: :meth:`of_text` without the cognates (which cost a
        fifth of the MT pairs' evidence, :mod:`bitext.align.mt`, and are not part of it)."""
        got = self.anchors_only.get((text, lang))
        if got is None:
            got = self.anchors_only[(text, lang)] = anchors(text, lang)
        return got

    def of_bridge(self, text: str) -> set[str]:
        """The bridge (content) words of a text."""
        got = self.bridge.get(text)
        if got is None:
            got = self.bridge[text] = content_words(text)
        return got

    def feats(self, text: str, lang: str, bridge: str | None) -> Feats:
        """The features :class:`_Side` computes for a sentence (and its bridge sentence)."""
        strong, weak, cogs = self.of_text(text, lang)
        return strong, weak, cogs, None if bridge is None else self.of_bridge(bridge)
