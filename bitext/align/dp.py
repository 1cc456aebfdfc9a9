"""Sentence alignment of Indonesian sentences with English sentences (MT output or a human translation).

:func:`align` is a Gale-Church style dynamic program over the beads 1-1, 1-2, 2-1, 2-2, 1-0 and 0-1.
The cost of a bead adds up

* the **type prior** ``-log P(type)``;
* the **length cost** ``-log erfc(|delta| / sqrt 2)`` of Gale & Church (1993), with ``delta`` the
  normalised difference of the character lengths under the id->en length model (:data:`LEN_RATIO`,
  :data:`LEN_VARIANCE`);
* an **anchor reward** for every anchor the two sides share: numbers (Indonesian ``1.500,5`` and
  English ``1,500.5`` are the same number), URLs and e-mail addresses, day and month names,
  ``?``, ``!`` and quotation marks (strong anchors), capitalised words (weak anchors: many
  Indonesian capitalised words are translated) and cognates (the first four letters of long words,
  shared by names and loan words: ``presiden``/``president``);
* with a **bridge** (a machine translation of each source sentence, as in Bleualign) a cost per
  sentence of the bead of ``1 - coverage``: the share of the sentence's content words found on the
  other side of the bead (bridge words for a source sentence, target words for a target sentence).
  A sentence merged into a bead where it does not belong costs about ``W_BRIDGE``, a deleted sentence
  ``W_BRIDGE * W_DELETED``.

Only a band around the diagonal is searched; the band doubles when the best path touches its edge,
so the work is about linear in document length. Bags of words are hashed into bit sets so that a
whole band of candidate beads is scored with a few numpy operations.

Pure computation: no store and no I/O (the corpus stage is :mod:`bitext.align.stage`).
"""

from __future__ import annotations

import functools
import math
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..lang.numbers import normalize_number
from ..model import BEAD_TYPES as BEAD_NAMES
from .offset import anchor_chain, band_half_width

ALIGNER_VERSION = "align-3"  # 2: coarse anchor pass (global offset), bridge reliability weight; 3: the first
# band stops growing past LONG_DOCUMENT sentences a side (articles that long may align differently)
"""Changes whenever a change in :mod:`bitext.align` or :mod:`bitext.segment.en` can change an alignment;
stored in meta ``align.version``."""

# Length model, calibrated on ../shared FLORES-200 devtest (1,012 pairs) + Tatoeba test (4,289 pairs):
# LEN_RATIO = sum(len(en)) / sum(len(id)) over all pairs (characters), LEN_VARIANCE = the maximum-likelihood
# s2 of the Gale-Church model len(en) - c*len(id) ~ N(0, s2*len(id)), i.e. sum((len_en - c*len_id)**2) /
# sum(len_id). Reproduce with `python scripts/eval_align.py --calibrate` (prints 0.9004 and 1.594).
LEN_RATIO = 0.9004
LEN_VARIANCE = 1.594

# Bead type priors: Gale & Church (1993), except 2-2 (their 0.011 let a 2-2 bead swallow two 1-1 beads whose
# lengths fit less well one by one) and 1-0/0-1 (theirs 0.0099); these two and the weights below were tuned
# on FLORES devtest with seeds 1-3 of scripts/eval_align.py (the reported numbers use seed 13).
BEAD_TYPES: tuple[tuple[int, int], ...] = tuple((int(a), int(b)) for a, _, b in (t.partition("-") for t in BEAD_NAMES))
"""The DP's moves (source sentences, target sentences), in the order of :data:`bitext.model.BEAD_TYPES`."""
PRIORS = {(1, 1): 0.89, (2, 1): 0.089, (1, 2): 0.089, (2, 2): 0.0015, (1, 0): 0.02, (0, 1): 0.02}

W_STRONG = 3.0  # reward per shared strong anchor (number, URL, date word, ? ! ")
W_WEAK = 1.0  # reward per shared capitalised word
W_COGNATE = 1.5  # reward per shared cognate (first four letters of a long word)
W_UNSHARED = 1.0  # cost per strong anchor found on one side of a bead only (seeds 1-5, calibration part)
W_BRIDGE = 12.0  # weight of (1 - coverage) per sentence of the bead, see _bridge_cost
W_DELETED = 0.5  # bridge cost of a deleted sentence, as a share of W_BRIDGE
W_LEN_BRIDGE = 0.5  # weight of the length cost when a bridge is given (it is then less informative)

# -- the bead ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bead:
    """One alignment bead: source and target sentence indices and a confidence.

    ``score`` is in [0, 1]. For a bead with sentences on both sides it is the average of the available
    evidence: the length evidence ``erfc(|delta|/sqrt 2)`` (the two-sided normal p-value of the
    Gale-Church delta), the Dice agreement of the anchors if either side has one, and the Dice
    similarity of bridge and target content words (counted twice) if a bridge was given. For a 1-0 or
    0-1 bead it is ``1 - s`` with ``s`` the best such similarity of the lone sentence to a sentence on
    the other side next to it (0.5 when there is no evidence at all): a sentence left unaligned although
    it resembles its neighbour is a doubtful deletion.
    """

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    score: float

    @property
    def type(self) -> str:
        """The bead type, e.g. ``'2-1'`` for two source sentences and one target sentence."""
        return f"{len(self.src)}-{len(self.tgt)}"


# -- features: anchors and bags of words -------------------------------------------------------------------

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
    return {w[:6] for w in _WORD.findall(text.lower()) if w not in _STOP and (len(w) > 2 or w.isdigit())}


def cognates(text: str) -> set[str]:
    """First four letters of the words of four or more letters: shared by many id/en word pairs
    (names, loan words: ``presiden``/``president``, ``teknologi``/``technology``), as in Simard et al. 1992."""
    return {w[:4] for w in _WORD.findall(text.lower()) if len(w) >= 4 and not w[0].isdigit()}


# Feature kinds hashed into one row of 64-bit words per sentence: (name, words). Anchors are few per
# sentence, bags of words need more room; 1,024 bits give ~0.01 of false Dice on 15-word sentences.
_LAYOUT: tuple[tuple[str, int], ...] = (("strong", 4), ("weak", 4), ("cognate", 8), ("bridge", 16))
_OFFSETS = np.cumsum([0] + [w for _, w in _LAYOUT])


def _bits(rows: Sequence[dict[str, set[str]]]) -> np.ndarray:
    """Hash each sentence's feature sets into its bit set (crc32: results do not depend on PYTHONHASHSEED)."""
    out = np.zeros((len(rows), int(_OFFSETS[-1])), dtype=np.uint64)
    where: list[int] = []
    which: list[int] = []
    for r, feats in enumerate(rows):
        for slot, (kind, words) in enumerate(_LAYOUT):
            base = int(_OFFSETS[slot]) * 64
            size = words * 64
            for f in feats.get(kind, ()):
                where.append(r)
                which.append(base + zlib.crc32(f.encode()) % size)
    if where:
        h = np.array(which, dtype=np.uint64)
        np.bitwise_or.at(out, (np.array(where), (h >> np.uint64(6)).astype(np.intp)), np.uint64(1) << (h & np.uint64(63)))
    return out


def _span_bits(bits: np.ndarray, d: int) -> np.ndarray:
    """``out[i]`` = union of the bit sets of items ``i-d .. i-1`` (row 0 .. n), zero where ``i < d``."""
    n = bits.shape[0]
    out = np.zeros((n + 1, bits.shape[1]), dtype=np.uint64)
    for off in range(1, d + 1):
        out[d:] |= bits[d - off : n + 1 - off]
    return out


def _counts(a: np.ndarray) -> np.ndarray:
    """Set sizes per feature kind: shape ``a.shape[:-1] + (len(_LAYOUT),)``."""
    starts = _OFFSETS[:-1][_OFFSETS[:-1] < a.shape[-1]]  # without a bridge the bridge words are left out
    return np.add.reduceat(np.bitwise_count(a), starts, axis=-1, dtype=np.int32)


def _log_erfc(x: np.ndarray) -> np.ndarray:
    """log(erfc(x)) for x >= 0 without underflow (Numerical Recipes' erfcc, fractional error < 1.2e-7)."""
    t = 1.0 / (1.0 + 0.5 * x)
    poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (
        0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))  # fmt: skip
    return np.log(t) - x * x + poly


# -- the aligner -------------------------------------------------------------------------------------------

_STRONG, _WEAK, _COGNATE, _BRIDGE = range(4)


class _Side:
    """One side of the alignment: character-length prefix sums and, for spans of 1 and 2 sentences
    ending before each position, the union of the sentences' bit sets and the set sizes."""

    def __init__(self, texts: Sequence[str], lang: str, bridge: Sequence[str] | None) -> None:
        self.n = len(texts)
        self.prefix = np.concatenate([[0.0], np.cumsum([len(t) for t in texts], dtype=np.float64)])
        rows: list[dict[str, set[str]]] = []
        self.coarse: list[set[str]] = []  # features of the coarse pass (bitext.align.offset), marks left out
        for k, text in enumerate(texts):
            strong, weak = anchors(text, lang)
            feats = {"strong": strong, "weak": weak, "cognate": cognates(text)}
            self.coarse.append({f for f in strong if len(f) > 1} | {"w:" + w for w in weak}
                               | {"c:" + c for c in feats["cognate"]})
            if bridge is not None:
                feats["bridge"] = content_words(bridge[k])
            rows.append(feats)
        bits = _bits(rows)
        if bridge is None:
            bits = bits[:, : _OFFSETS[_BRIDGE]]
        self.bits = {d: _span_bits(bits, d) for d in (1, 2)}
        self.sizes = {d: _counts(self.bits[d]) for d in (1, 2)}

    def length(self, end: np.ndarray | int, d: int) -> np.ndarray:
        return self.prefix[end] - self.prefix[np.maximum(np.asarray(end) - d, 0)]


@dataclass(frozen=True)
class Alignment:
    """The alignment of one document: its beads and how far to trust them.

    ``confidence`` in [0, 1] (:func:`article_confidence`): a low value means the two texts hardly
    correspond (a wrong reference, an offset the aligner missed); below :data:`DOUBTFUL_BELOW` on an
    article of at least :data:`DOUBTFUL_MIN_SENTENCES` sentences a side it is "doubtful". ``bridge_weight`` in [0, 1]:
    how much the bridge was trusted (:func:`bridge_reliability`; 0 without one). ``half_width``: the
    half width of the DP's final band; ``anchors``: points of the coarse pass's chain.
    """

    beads: list[Bead]
    confidence: float
    bridge_weight: float
    half_width: int
    anchors: int

    @property
    def doubtful(self) -> bool:
        """Low confidence on an article long enough to judge (see :data:`DOUBTFUL_BELOW`)."""
        n = len({i for b in self.beads for i in b.src})
        m = len({j for b in self.beads for j in b.tgt})
        return min(n, m) >= DOUBTFUL_MIN_SENTENCES and self.confidence < DOUBTFUL_BELOW


def align(
    src: Sequence[str], tgt: Sequence[str], bridge: Sequence[str] | None = None, bridge_weight: float | None = None
) -> list[Bead]:
    """Align Indonesian sentences ``src`` with English sentences ``tgt``; beads in document order.

    ``bridge``, if given, holds a machine translation of each source sentence (same length as ``src``);
    it makes the alignment robust where lengths and anchors are ambiguous, and is down-weighted or
    ignored where it does not resemble the target (:func:`bridge_reliability`). Every sentence of both
    sides is in exactly one bead. ``bridge_weight`` fixes the bridge's weight instead (1.0 where the target
    is the bridge itself, re-split). :func:`align_document` also returns the confidence.
    """
    return align_document(src, tgt, bridge, bridge_weight).beads


def align_document(
    src: Sequence[str], tgt: Sequence[str], bridge: Sequence[str] | None = None, bridge_weight: float | None = None
) -> Alignment:
    """:func:`align` with the article-level confidence and the bridge weight (see :class:`Alignment`).

    A coarse pass (:mod:`bitext.align.offset`) first finds the chain of anchor points, so the band of
    the DP is wide enough for a global offset (a block of sentences only one side has); the band then
    doubles while the best path touches its edge.
    """
    n, m = len(src), len(tgt)
    if bridge is not None and len(bridge) != n:
        raise ValueError(f"bridge has {len(bridge)} sentences, src has {n}")
    if n == 0 or m == 0:
        beads = [Bead((i,), (), 1.0) for i in range(n)] + [Bead((), (j,), 1.0) for j in range(m)]
        return Alignment(beads, 0.0 if beads else 1.0, 0.0, 0, 0)
    fs = _Side(src, "id", bridge)
    ft = _Side(tgt, "en", tgt if bridge is not None else None)
    chain = anchor_chain(fs.coarse, ft.coarse)
    base = base_half_width(n, m)
    half = max(base, band_half_width(chain, n, m, base))
    weight = 0.0
    if bridge is not None and bridge_weight is not None:
        weight = min(max(float(bridge_weight), 0.0), 1.0)
    if weight == 0.0:
        path, half = _widening_dp(fs, ft, half, 0.0)
    if bridge is not None and bridge_weight is None:
        weight = bridge_reliability(path, bridge, tgt)
    if weight > 0:
        path, half = _widening_dp(fs, ft, half, weight)
    beads = [_make_bead(fs, ft, *span, weight) for span in path]
    return Alignment(beads, article_confidence(beads, fs.coarse, ft.coarse), weight, half, len(chain))


LONG_DOCUMENT = 2000
"""Sentences a side from which the DP's first band stops growing with the document (see base_half_width)."""


def base_half_width(n: int, m: int) -> int:
    """Half width of the DP's first band around the diagonal, before the coarse pass widens it: 8, plus 1
    per 100 sentences up to :data:`LONG_DOCUMENT` sentences (beyond, a band growing with the document made
    the DP quadratic in time and memory; a local drift is no wider in a long document, a global offset
    is the anchor chain's job, and the band still doubles where the path touches its edge)."""
    # The band of a row must overlap the previous row's, or there would be no path when m >> n.
    return max(8 + min(max(n, m), LONG_DOCUMENT) // 100, math.ceil(m / n) + 2)


def _widening_dp(fs: _Side, ft: _Side, half: int, bw: float) -> tuple[list[tuple[int, int, int, int]], int]:
    """The banded DP, the band doubled while the best path touches its edge."""
    while True:
        path, touched = _band_dp(fs, ft, half, bw)
        if not touched or 2 * half + 1 >= ft.n + 1:
            return path, half
        half *= 2


BRIDGE_FLOOR = 0.10
"""Bridge reliability at or below which the bridge is ignored: above the largest reliability of another
document's bridge on the calibration part (0.09; a simulated good bridge: >= 0.52, see eval_align)."""
BRIDGE_FULL = 0.30
"""Bridge reliability from which the bridge gets its full weight."""


def bridge_reliability(path: Sequence[tuple[int, int, int, int]], bridge: Sequence[str], tgt: Sequence[str]) -> float:
    """Weight in [0, 1] of a bridge, from how much better it matches the target sentence it belongs to
    than the other target sentences.

    Per source sentence with bridge words: ``near`` = the best Dice similarity of the content words of
    its bridge with a target sentence within 2 of its place on the no-bridge path (a window, since that
    path may be wrong exactly where the bridge would help), ``others`` = its mean similarity with the
    target sentences outside that window (up to 32 of them; none in a document of 5 sentences or fewer,
    where :data:`BRIDGE_FLOOR` / 2 stands in). The reliability ``mean(near - others)`` is mapped
    linearly from :data:`BRIDGE_FLOOR` (weight 0: an empty or unrelated bridge is ignored, as if none
    was given) to :data:`BRIDGE_FULL` (weight 1).
    """
    m = len(tgt)
    place = [0] * len(bridge)
    for i0, i1, j0, _ in path:
        for i in range(i0, i1):
            place[i] = j0
    bags_t = [content_words(t) for t in tgt]

    def dice(a: set[str], b: set[str]) -> float:
        return 2.0 * len(a & b) / (len(a) + len(b)) if a or b else 0.0

    gains: list[float] = []
    for i, text in enumerate(bridge):
        bag = content_words(text)
        if not bag:
            gains.append(0.0)  # an empty bridge sentence is no evidence for the bridge
            continue
        lo, hi = max(0, place[i] - 2), min(m, place[i] + 3)
        near = max((dice(bag, bags_t[j]) for j in range(lo, hi)), default=0.0)
        # Every step-th of the target sentences outside [lo, hi), without listing them all (linear time).
        n_out = lo + (m - hi)
        step = max(1, n_out // 32)
        others = [dice(bag, bags_t[k if k < lo else k - lo + hi]) for k in range(0, n_out, step)]
        gains.append(near - (sum(others) / len(others) if others else BRIDGE_FLOOR / 2))
    rel = sum(gains) / len(gains) if gains else 0.0
    return round(min(max((rel - BRIDGE_FLOOR) / (BRIDGE_FULL - BRIDGE_FLOOR), 0.0), 1.0), 4)


DOUBTFUL_BELOW = 0.4
"""Article confidence under which an alignment is doubtful (calibration: scripts/eval_align.py)."""
DOUBTFUL_MIN_SENTENCES = 8
"""Fewer sentences on either side give too little evidence to call an alignment doubtful."""
CONFIDENCE_SCALE = 0.5
"""Excess shared features per matched bead at which the lexical part of the confidence is 0.5."""


def article_confidence(beads: Sequence[Bead], src_feats: Sequence[set[str]], tgt_feats: Sequence[set[str]]) -> float:
    """How much better the beads' two sides share features than beads paired at random, in [0, 1].

    ``e`` = (features shared inside the matched beads - the mean shared by the other pairings of the
    same beads) per matched bead; the confidence is ``e / (e + CONFIDENCE_SCALE)`` times the share of
    sentences in matched beads. A correct alignment of a news article scores 0.6-0.9; a reference of
    another article, or a path that missed the offset, below 0.4. On articles of a few sentences the
    estimate is noisy (see ``scripts/eval_align.py``).
    """
    matched = [b for b in beads if b.src and b.tgt]
    total = sum(len(b.src) + len(b.tgt) for b in beads)
    if not matched or not total:
        return 0.0
    bag_s = [set().union(*(src_feats[i] for i in b.src)) for b in matched]
    bag_t = [set().union(*(tgt_feats[j] for j in b.tgt)) for b in matched]
    k = len(matched)
    same = sum(len(x & y) for x, y in zip(bag_s, bag_t, strict=True))
    if k > 1:
        # all other pairings of the k beads, sampled on a grid of shifts when k is large
        shifts = range(1, k) if k <= 64 else range(1, k, max(1, k // 32))
        shared = [len(bag_s[x] & bag_t[(x + d) % k]) for d in shifts for x in range(k)]
        expected = k * sum(shared) / len(shared)
    else:
        expected = 0.0
    e = max(same - expected, 0.0) / k
    cover = sum(len(b.src) + len(b.tgt) for b in matched) / total
    return round(e / (e + CONFIDENCE_SCALE) * cover, 4)


def _match_cost(ls: np.ndarray, lt: np.ndarray, inter: np.ndarray, bw: float) -> np.ndarray:
    """Cost of a bead with sentences on both sides, without the prior (see the module docstring)."""
    mean = np.maximum((ls + lt / LEN_RATIO) / 2.0, 1.0)
    delta = np.abs(ls * LEN_RATIO - lt) / np.sqrt(mean * LEN_VARIANCE)
    cost = -_log_erfc(delta / math.sqrt(2.0))
    if bw > 0:
        cost *= 1.0 - bw * (1.0 - W_LEN_BRIDGE)
    cost -= W_STRONG * inter[..., _STRONG] + W_WEAK * inter[..., _WEAK] + W_COGNATE * inter[..., _COGNATE]
    return cost


def _coverage(own: np.ndarray, own_size: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Share of a sentence's bridge words found in the other side of the bead (0.5 for an empty sentence)."""
    inter = np.bitwise_count(own & other).sum(axis=-1, dtype=np.int32)
    return np.where(own_size > 0, inter / np.maximum(own_size, 1), 0.5)


def _bridge_cost(
    fs: _Side, ft: _Side, di: int, dj: int, rows: np.ndarray, tj: np.ndarray, t_span: np.ndarray, bw: float
) -> np.ndarray:
    """Bridge cost of beads (di, dj) ending at the band cells: W_BRIDGE * sum over the bead's sentences of
    (1 - coverage). Coverage of a source sentence = the share of its bridge's content words found in the
    bead's target; of a target sentence = the share of its content words found in the bead's bridge. A
    sentence merged into a bead it does not belong to costs about W_BRIDGE, a deleted one W_BRIDGE * W_DELETED.
    """
    bs = slice(int(_OFFSETS[_BRIDGE]), int(_OFFSETS[_BRIDGE + 1]))
    s_span = fs.bits[di][rows][:, None, bs]
    total = np.zeros(tj.shape)
    for off in range(di):
        r = np.maximum(rows - off, 0)
        total += 1.0 - _coverage(fs.bits[1][r][:, None, bs], fs.sizes[1][r, _BRIDGE][:, None], t_span[..., bs])
    for off in range(dj):
        c = np.maximum(tj - off, 0)
        total += 1.0 - _coverage(ft.bits[1][c][..., bs], ft.sizes[1][c, _BRIDGE], s_span)
    return W_BRIDGE * bw * total


BAND_CELLS = 1 << 16
"""Band cells whose bead costs are computed at once: bounds the memory of a long document's DP (a bead's
cost depends on its cell only, so the blocks do not change it)."""


def _band_costs(fs: _Side, ft: _Side, rows: np.ndarray, jj: np.ndarray, bw: float) -> list[np.ndarray]:
    """Cost of a bead of each type ending at each band cell of ``rows`` (``jj``: their target positions;
    inf where the bead does not fit)."""
    m = ft.n
    tj = np.minimum(jj, m)
    ii = np.broadcast_to(rows[:, None], jj.shape)
    costs: list[np.ndarray] = []
    for di, dj in BEAD_TYPES:
        cost = np.full(jj.shape, -math.log(PRIORS[(di, dj)]))
        if di and dj:
            t_span = ft.bits[dj][tj]
            inter = _counts(fs.bits[di][rows][:, None, :] & t_span)
            cost += _match_cost(fs.length(ii, di), ft.length(tj, dj), inter, bw)
            if W_UNSHARED:
                # Strong anchors (numbers, dates, marks) on one side only: evidence against the bead.
                unshared = fs.sizes[di][rows][:, None, _STRONG] + ft.sizes[dj][tj, _STRONG] - 2 * inter[..., _STRONG]
                cost += W_UNSHARED * unshared
            if bw > 0:
                cost += _bridge_cost(fs, ft, di, dj, rows, tj, t_span, bw)
        elif bw > 0:
            cost += W_BRIDGE * W_DELETED * bw
        costs.append(np.where((ii >= di) & (jj >= dj) & (jj <= m), cost, np.inf))
    return costs


def _band_dp(fs: _Side, ft: _Side, half: int, bw: float) -> tuple[list[tuple[int, int, int, int]], bool]:
    """DP inside the band ``|j - i*m/n| <= half``.

    Returns the best path as ``(i0, i1, j0, j1)`` spans and whether it touched the band edge.
    """
    n, m = fs.n, ft.n
    width = min(2 * half + 1, m + 1)
    rows = np.arange(n + 1)
    lo = np.clip(np.rint(rows * (m / n)).astype(np.int64) - half, 0, m + 1 - width)
    cols = np.arange(width)
    jj = lo[:, None] + cols[None, :]  # target position of each band cell
    block = max(1, BAND_CELLS // width)  # rows whose costs are computed together
    costs: list[np.ndarray] = []
    r0 = 0  # first row of the block in costs
    # dist has one more column, always inf, that stands for every cell outside the band.
    dist = np.full((n + 1, width + 1), np.inf)
    back = np.full(jj.shape, -1, dtype=np.int8)
    t01 = BEAD_TYPES.index((0, 1))
    moves = [(t, di, dj) for t, (di, dj) in enumerate(BEAD_TYPES) if di > 0]
    # For each move and row, the column of the previous row each cell comes from (``width`` = outside).
    sources = {}
    for t, di, dj in moves:
        shift = lo[di:] - dj - lo[:-di]
        kp = cols[None, :] + shift[:, None]
        sources[t] = np.where((kp >= 0) & (kp < width), kp, width)
    move_types = np.array([t for t, _, _ in moves], dtype=np.int8)
    cand = np.full(width, np.inf)
    cand[jj[0] == 0] = 0.0
    how = np.full(width, -1, dtype=np.int8)
    for i in range(n + 1):
        if i % block == 0:
            r0 = i
            costs = _band_costs(fs, ft, np.arange(i, min(i + block, n + 1)), jj[i : i + block], bw)
        if i > 0:
            options = np.stack(
                [dist[i - di, sources[t][i - di]] + costs[t][i - r0] if i >= di else np.full(width, np.inf)
                 for t, di, _ in moves]
            )  # fmt: skip
            best = options.argmin(axis=0)
            cand = options[best, cols]
            how = move_types[best]
        # 0-1 beads move along the row: dist[k] = min_q<=k cand[q] + sum(c01[q+1..k]), a prefix minimum.
        c01 = np.where(np.isfinite(costs[t01][i - r0]), costs[t01][i - r0], 0.0)
        c01[0] = 0.0
        acc = np.cumsum(c01)
        run = np.minimum.accumulate(cand - acc)
        dist[i, :width] = np.where(jj[i] <= m, run + acc, np.inf)
        back[i] = np.where(cand - acc > run, t01, np.where(np.isfinite(cand), how, -1))

    path: list[tuple[int, int, int, int]] = []
    touched = False
    i, j = n, m
    while i > 0 or j > 0:
        k = j - lo[i]
        if (k == 0 and lo[i] > 0) or (k == width - 1 and lo[i] + width - 1 < m):
            touched = True
        t = int(back[i, k])
        if t < 0:
            raise AssertionError("alignment DP found no path")  # cannot happen: 1-0/0-1 always fit
        di, dj = BEAD_TYPES[t]
        path.append((i - di, i, j - dj, j))
        i, j = i - di, j - dj
    return path[::-1], touched


def _evidence(fs: _Side, ft: _Side, i0: int, i1: int, j0: int, j1: int, bw: float) -> list[float]:
    """Evidence in [0, 1] that source ``i0:i1`` and target ``j0:j1`` are translations (see :class:`Bead`)."""
    inter = _counts(fs.bits[i1 - i0][i1] & ft.bits[j1 - j0][j1])
    return evidence_of(fs.prefix[i1] - fs.prefix[i0], ft.prefix[j1] - ft.prefix[j0], fs.sizes[i1 - i0][i1],
                       ft.sizes[j1 - j0][j1], inter, bw)


def evidence_of(ls: float, lt: float, size_s: Sequence[int], size_t: Sequence[int], inter: Sequence[int],
                bw: float) -> list[float]:
    """The evidence of :func:`_evidence` from its counts: the two sides' lengths, their feature counts per
    kind and the counts they share (also what :mod:`bitext.align.batch` gathers for a whole batch)."""
    mean = max((ls + lt / LEN_RATIO) / 2.0, 1.0)
    evidence = [math.erfc(abs(ls * LEN_RATIO - lt) / math.sqrt(mean * LEN_VARIANCE) / math.sqrt(2.0))]
    total = sum(int(size_s[k] + size_t[k]) for k in (_STRONG, _WEAK))
    if total:
        evidence.append(2.0 * int(inter[_STRONG] + inter[_WEAK]) / total)
    if bw > 0:
        total = int(size_s[_BRIDGE] + size_t[_BRIDGE])
        sim = 2.0 * int(inter[_BRIDGE]) / total if total else 0.0
        evidence += [sim, sim]
    return evidence


def neighbours(i0: int, i1: int, j0: int, j1: int, n: int, m: int) -> list[tuple[int, int, int, int]]:
    """The spans whose evidence scores bead ``(i0, i1, j0, j1)`` of an ``n`` x ``m`` document: the bead
    itself when it has both sides; a lone sentence is compared with the sentences next to it."""
    if i1 > i0 and j1 > j0:
        return [(i0, i1, j0, j1)]
    if i1 > i0:
        return [(i0, i1, j, j + 1) for j in (j0 - 1, j0) if 0 <= j < m]
    return [(i, i + 1, j0, j1) for i in (i0 - 1, i0) if 0 <= i < n]


def bead_of(i0: int, i1: int, j0: int, j1: int, evidence: list[list[float]]) -> Bead:
    """The bead with its score from the evidence of its :func:`neighbours` spans, in that order."""
    if i1 > i0 and j1 > j0:
        score = sum(evidence[0]) / len(evidence[0])
    else:
        sims = [max(ev[1:]) if len(ev) > 1 else 0.5 for ev in evidence]
        score = 1.0 - max(sims) if sims else 1.0
    return Bead(tuple(range(i0, i1)), tuple(range(j0, j1)), round(min(max(score, 0.0), 1.0), 4))


def _make_bead(fs: _Side, ft: _Side, i0: int, i1: int, j0: int, j1: int, bw: float) -> Bead:
    spans = neighbours(i0, i1, j0, j1, fs.n, ft.n)
    return bead_of(i0, i1, j0, j1, [_evidence(fs, ft, *span, bw) for span in spans])
