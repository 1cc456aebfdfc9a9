"""Sentence alignment of Indonesian sentences with English sentences (MT output or a human translation).

:func:`align` is a Gale-Church style dynamic program over the beads 1-1, 1-2, 2-1, 2-2, 1-0, 0-1, 3-1 and 1-3.
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

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..model import BEAD_TYPES as BEAD_NAMES
from .features import (  # noqa: F401  (re-exported: the names other modules and tests import from dp)
    _BRIDGE,
    _COGNATE,
    _OFFSETS,
    _STRONG,
    _WEAK,
    Vocab,
    _counts,
    _number_anchors,
    _Side,
    _Spans,
    anchors,
    cognates,
    content_words,
)
from .offset import anchor_chain, band_half_width

ALIGNER_VERSION = "align-4"  # 2: coarse anchor pass (global offset), bridge reliability weight; 3: the first
# band stops growing past LONG_DOCUMENT sentences a side (articles that long may align differently), and
# anchor evidence is summed in a fixed order (it followed PYTHONHASHSEED: a run could align differently);
# 4: MT pairs by provenance (bitext.align.mt), each translation split on its own; the reference length model
# fitted per corpus; features numbered per document (no hash collisions); lexicon glosses as bridge
"""Changes whenever a change in :mod:`bitext.align` or :mod:`bitext.segment.en` can change an alignment;
stored in meta ``align.version``."""

# Length model, calibrated on ../shared FLORES-200 devtest (1,012 pairs) + Tatoeba test (4,289 pairs):
# LEN_RATIO = sum(len(en)) / sum(len(id)) over all pairs (characters), LEN_VARIANCE = the maximum-likelihood
# s2 of the Gale-Church model len(en) - c*len(id) ~ N(0, s2*len(id)), i.e. sum((len_en - c*len_id)**2) /
# sum(len_id). Reproduce with `python scripts/eval_align.py --calibrate` (prints 0.9004 and 1.594).
LEN_RATIO = 0.9004
LEN_VARIANCE = 1.594


@dataclass(frozen=True)
class LengthModel:
    """The Gale-Church length model: ``len(en) - ratio * len(id) ~ N(0, variance * mean length)``.

    :data:`PRIOR` (from :data:`LEN_RATIO`, :data:`LEN_VARIANCE`, fitted on clean sentences) is only the
    starting point: :func:`bitext.align.batch.fit_length_model` estimates the model of the documents being
    aligned from the confident beads of a first pass, shrunk towards the prior (``beads``: how many it
    rests on).
    """

    ratio: float = LEN_RATIO
    variance: float = LEN_VARIANCE
    beads: int = 0

    def delta(self, ls: np.ndarray | float, lt: np.ndarray | float) -> np.ndarray:
        """``|delta|`` of Gale & Church for source and target lengths ``ls``, ``lt`` (characters)."""
        mean = np.maximum((ls + lt / self.ratio) / 2.0, 1.0)
        return np.abs(ls * self.ratio - lt) / np.sqrt(mean * self.variance)

    def delta_of(self, ls: float, lt: float) -> float:
        """:meth:`delta` of one pair of lengths, on Python floats: the same value, without numpy's per-call
        cost on scalars (most of a bead's evidence time, :func:`evidence_of`)."""
        mean = max((ls + lt / self.ratio) / 2.0, 1.0)
        return abs(ls * self.ratio - lt) / math.sqrt(mean * self.variance)

    def __str__(self) -> str:
        return f"c={self.ratio:.4f} s2={self.variance:.3f} beads={self.beads}"


PRIOR = LengthModel()
"""The length model before any corpus is seen."""

# Bead type priors: Gale & Church (1993), except 2-2 (their 0.011 let a 2-2 bead swallow two 1-1 beads whose
# lengths fit less well one by one) and 1-0/0-1 (theirs 0.0099); these two and the weights below were tuned
# on FLORES devtest with seeds 1-3 of scripts/eval_align.py (the reported numbers use seed 13).
BEAD_TYPES: tuple[tuple[int, int], ...] = tuple((int(a), int(b)) for a, _, b in (t.partition("-") for t in BEAD_NAMES))
"""The DP's moves (source sentences, target sentences), in the order of :data:`bitext.model.BEAD_TYPES`."""
PRIORS = {(1, 1): 0.89, (2, 1): 0.089, (1, 2): 0.089, (2, 2): 0.0015, (1, 0): 0.02, (0, 1): 0.02,
          (3, 1): 0.089 * 0.089, (1, 3): 0.089 * 0.089}  # fmt: skip
# 3-1 and 1-3 (aligner 4): two merges in one bead, as likely as two 2-1 beads in a row would be, not tuned.

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


# -- the aligner -------------------------------------------------------------------------------------------


def _log_erfc(x: np.ndarray) -> np.ndarray:
    """log(erfc(x)) for x >= 0 without underflow (Numerical Recipes' erfcc, fractional error < 1.2e-7)."""
    t = 1.0 / (1.0 + 0.5 * x)
    poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (
        0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))  # fmt: skip
    return np.log(t) - x * x + poly


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


class WordTranslations(Protocol):
    """A word translation model (a corpus lexicon): lower-cased word -> its translations with probabilities."""

    def translations(self, word: str, direction: str = "id-en", top: int = 10) -> Mapping[str, float]:
        """The ``top`` most probable translations of ``word`` (lower-cased tokens -> probability)."""
        ...


GLOSS_TOP = 3
"""Translations per Indonesian word in a lexicon gloss (:func:`gloss`)."""
GLOSS_MIN_P = 0.05
"""A translation less probable than this is left out of a gloss."""
GLOSS_WEIGHT = 0.5
"""A gloss's bridge weight relative to an MT bridge of the same reliability: word-by-word glosses cover
their target less than a translation does. Chosen on the calibration part (IBM-1 lexicon of one half of
its documents, aligning the other half: 1.0, 0.5 and 0.25 gave strict F1 0.980 on clean documents each,
0.930, 0.939 and 0.938 on length-noisy ones)."""
_GLOSS_WORD = re.compile(r"\w+")


def gloss(text: str, lexicon: WordTranslations) -> str:
    """A word-by-word English gloss of an Indonesian sentence from a lexicon: each word's most probable
    translations (:data:`GLOSS_TOP`, at least :data:`GLOSS_MIN_P`) and the tokens with digits; a word the
    lexicon does not know is left out (kept as it is, it made a gloss cover its target less and aligned a
    held-out half of the calibration part worse, see scripts/eval_align.py; names are in a corpus lexicon).
    As hunalign's dictionary-based translation, it serves as a bridge where no machine translation is
    given; :func:`bridge_reliability` ignores it where it does not resemble the target."""
    out: list[str] = []
    for word in _GLOSS_WORD.findall(text.lower()):
        found = [w for w, p in lexicon.translations(word, "id-en", GLOSS_TOP).items() if p >= GLOSS_MIN_P]
        out += found or ([word] if any(ch.isdigit() for ch in word) else [])
    return " ".join(out)


def align(
    src: Sequence[str], tgt: Sequence[str], bridge: Sequence[str] | None = None, bridge_weight: float | None = None,
    length: LengthModel = PRIOR, lexicon: WordTranslations | None = None,
) -> list[Bead]:
    """Align Indonesian sentences ``src`` with English sentences ``tgt``; beads in document order.

    ``bridge``, if given, holds a machine translation of each source sentence (same length as ``src``);
    it makes the alignment robust where lengths and anchors are ambiguous, and is down-weighted or
    ignored where it does not resemble the target (:func:`bridge_reliability`). Every sentence of both
    sides is in exactly one bead. ``bridge_weight`` fixes the bridge's weight instead (1.0 where the target
    is the bridge itself, re-split). ``length``: the length model
    (:func:`bitext.align.batch.fit_length_model` estimates one for a set of documents). ``lexicon``:
    without a bridge, the second pass of hunalign's dictionary bootstrapping: each source sentence's
    :func:`gloss` is the bridge. :func:`align_document` also returns
    the confidence.
    """
    return _align(src, tgt, bridge, bridge_weight, length, lexicon)[0]


def align_document(
    src: Sequence[str], tgt: Sequence[str], bridge: Sequence[str] | None = None, bridge_weight: float | None = None,
    length: LengthModel = PRIOR, lexicon: WordTranslations | None = None,
) -> Alignment:
    """:func:`align` with the article-level confidence and the bridge weight (see :class:`Alignment`).

    A coarse pass (:mod:`bitext.align.offset`) first finds the chain of anchor points, so the band of
    the DP is wide enough for a global offset (a block of sentences only one side has); the band then
    doubles while the best path touches its edge.
    """
    beads, sides, weight, half, chain = _align(src, tgt, bridge, bridge_weight, length, lexicon)
    if sides is None:
        return Alignment(beads, 0.0 if beads else 1.0, 0.0, 0, 0)
    return Alignment(beads, article_confidence(beads, sides[0].coarse, sides[1].coarse), weight, half, chain)


def _align(
    src: Sequence[str], tgt: Sequence[str], bridge: Sequence[str] | None, bridge_weight: float | None,
    lm: LengthModel = PRIOR, lexicon: WordTranslations | None = None,
) -> tuple[list[Bead], tuple[_Side, _Side] | None, float, int, int]:
    """The beads, the two sides (None when one is empty), the bridge weight, the final band's half width
    and the anchor chain's length: everything but the confidence, which only :func:`align_document`
    computes (most callers of :func:`align` would throw it away)."""
    n, m = len(src), len(tgt)
    if bridge is not None and len(bridge) != n:
        raise ValueError(f"bridge has {len(bridge)} sentences, src has {n}")
    if bridge is None and lexicon is not None and n and m:
        bridge, bridge_weight = [gloss(t, lexicon) for t in src], None  # its weight is estimated
        glossed = True
    else:
        glossed = False
    if n == 0 or m == 0:
        return [Bead((i,), (), 1.0) for i in range(n)] + [Bead((), (j,), 1.0) for j in range(m)], None, 0.0, 0, 0
    ft = _Side(tgt, "en", tgt if bridge is not None else None)
    fs = _Side(src, "id", bridge)
    vocab = Vocab.of(ft.feats + fs.feats)  # one numbering for both sides, the target's first (as batch does)
    ft.set_bits(vocab)
    fs.set_bits(vocab)
    chain = anchor_chain(fs.coarse, ft.coarse)
    base = base_half_width(n, m)
    half = max(base, band_half_width(chain, n, m, base))
    weight = 0.0
    if bridge is not None and bridge_weight is not None:
        weight = min(max(float(bridge_weight), 0.0), 1.0)
    if weight == 0.0:
        path, half = _widening_dp(fs, ft, half, 0.0, lm)
    if bridge is not None and bridge_weight is None:
        weight = _reliability(path, fs.bags, ft.bags)  # the sides' bags: the bridge's and the target's
        if glossed:
            weight *= GLOSS_WEIGHT
    if weight > 0:
        path, half = _widening_dp(fs, ft, half, weight, lm)
    return [_make_bead(fs, ft, *span, weight, lm) for span in path], (fs, ft), weight, half, len(chain)


FIT_PRIOR_BEADS = 50
"""Weight of :data:`PRIOR` in :func:`estimate_length_model`, in beads: a corpus of a few articles stays near the
prior, one of hundreds of confident beads is its own."""
FIT_RUN = 3
"""A 1-1 bead is confident when it is in the middle of a run of this many 1-1 beads (their boundaries agree)."""


def confident_lengths(beads: Sequence[Bead], src: Sequence[str], tgt: Sequence[str]) -> list[tuple[int, int]]:
    """``(len(id), len(en))`` of the confident beads of a first pass: 1-1 beads whose neighbours on both
    sides are 1-1 beads too (an error of the length model shows as merges and deletions around it)."""
    out = []
    half = FIT_RUN // 2
    for k, bead in enumerate(beads):
        # The document's edges are certain boundaries: a bead next to one needs 1-1 beads on its other side.
        if all(len(b.src) == 1 and len(b.tgt) == 1 for b in beads[max(k - half, 0) : k + half + 1]):
            out.append((len(src[bead.src[0]]), len(tgt[bead.tgt[0]])))
    return out


def estimate_length_model(lengths: Sequence[tuple[int, int]], prior: LengthModel = PRIOR) -> LengthModel:
    """The length model of ``(len(id), len(en))`` pairs, robustly, shrunk towards ``prior``.

    ``ratio``: the median of ``len(en) / len(id)`` (robust to a wrong bead); ``variance``: the mean square
    of the Gale-Church residuals ``(len(en) - ratio * len(id)) / sqrt(mean length)`` (its maximum-likelihood
    estimate: a robust MAD or a trimmed mean square under-estimates the heavy tails of free translations and
    aligned the calibration part worse, see scripts/eval_align.py). Both are averaged with the prior's, the
    prior weighing :data:`FIT_PRIOR_BEADS` beads.
    """
    pairs = np.array([(a, b) for a, b in lengths if a > 0 and b > 0], dtype=np.float64).reshape(-1, 2)
    k = len(pairs)
    if k == 0:
        return prior
    ls, lt = pairs[:, 0], pairs[:, 1]
    ratio = float(np.median(lt / ls))
    mean = np.maximum((ls + lt / ratio) / 2.0, 1.0)
    z = (lt - ratio * ls) / np.sqrt(mean)
    variance = max(float(np.mean(z * z)), 1e-3)
    w = FIT_PRIOR_BEADS / (FIT_PRIOR_BEADS + k)
    return LengthModel(round(w * prior.ratio + (1 - w) * ratio, 4), round(w * prior.variance + (1 - w) * variance, 4), k)


LONG_DOCUMENT = 2000
"""Sentences a side from which the DP's first band stops growing with the document (see base_half_width)."""


def base_half_width(n: int, m: int) -> int:
    """Half width of the DP's first band around the diagonal, before the coarse pass widens it: 8, plus 1
    per 100 sentences up to :data:`LONG_DOCUMENT` sentences (beyond, a band growing with the document made
    the DP quadratic in time and memory; a local drift is no wider in a long document, a global offset
    is the anchor chain's job, and the band still doubles where the path touches its edge)."""
    # The band of a row must overlap the previous row's, or there would be no path when m >> n.
    return max(8 + min(max(n, m), LONG_DOCUMENT) // 100, math.ceil(m / n) + 2)


def _widening_dp(
    fs: _Side, ft: _Side, half: int, bw: float, lm: LengthModel
) -> tuple[list[tuple[int, int, int, int]], int]:
    """The banded DP, the band doubled while the best path touches its edge."""
    while True:
        path, touched = _band_dp(fs, ft, half, bw, lm)
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
    return _reliability(path, [content_words(t) for t in bridge], [content_words(t) for t in tgt])


def _reliability(
    path: Sequence[tuple[int, int, int, int]], bags_s: Sequence[set[str]], bags_t: Sequence[set[str]]
) -> float:
    """:func:`bridge_reliability` from the content words of each bridge and each target sentence."""
    m = len(bags_t)
    place = [0] * len(bags_s)
    for i0, i1, j0, _ in path:
        for i in range(i0, i1):
            place[i] = j0

    def dice(a: set[str], b: set[str]) -> float:
        return 2.0 * len(a & b) / (len(a) + len(b)) if a or b else 0.0

    gains: list[float] = []
    for i, bag in enumerate(bags_s):
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


def _match_cost(ls: np.ndarray, lt: np.ndarray, inter: np.ndarray, bw: float, lm: LengthModel) -> np.ndarray:
    """Cost of a bead with sentences on both sides, without the prior (see the module docstring)."""
    delta = lm.delta(ls, lt)
    cost = -_log_erfc(delta / math.sqrt(2.0))
    if bw > 0:
        cost *= 1.0 - bw * (1.0 - W_LEN_BRIDGE)
    cost -= W_STRONG * inter[..., _STRONG] + W_WEAK * inter[..., _WEAK] + W_COGNATE * inter[..., _COGNATE]
    return cost


def _coverage(own: np.ndarray, own_size: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Share of a sentence's bridge words found in the other side of the bead (0.5 for an empty sentence)."""
    inter = np.bitwise_count(own & other).sum(axis=-1, dtype=np.int32)
    return np.where(own_size > 0, inter / np.maximum(own_size, 1), 0.5)


class _At:
    """One side's arrays at the end positions of a set of cells (``ends``, shaped to broadcast against the
    other side's), for the cost kernel :func:`_pair_costs` that both the banded DP and the batched path
    call. ``valid``: cells that exist (the band's cells past the table's end do not)."""

    def __init__(self, side: _Spans, ends: np.ndarray, valid: np.ndarray | None = None) -> None:
        self.side, self.ends, self.valid = side, ends, valid
        self.axis = side.prefix.ndim - 1  # the sentence axis (after a batch axis, if any)
        self.shape = np.take(side.prefix, ends, axis=self.axis).shape
        self._memo: dict[tuple[str, int, int], np.ndarray] = {}

    def take(self, a: np.ndarray, ends: np.ndarray | None = None) -> np.ndarray:
        return np.take(a, self.ends if ends is None else ends, axis=self.axis)

    def at(self, kind: str, d: int, off: int = 0) -> np.ndarray:
        """The side's ``bits`` or ``sizes`` of spans of ``d`` sentences ending ``off`` before the cells
        (gathered once: several bead types use each)."""
        key = (kind, d, off)
        got = self._memo.get(key)
        if got is None:
            a = getattr(self.side, kind)[d]
            got = self._memo[key] = self.take(a, np.maximum(self.ends - off, 0) if off else None)
        return got

    def length(self, d: int) -> np.ndarray:
        return self.take(self.side.prefix) - self.take(self.side.prefix, np.maximum(self.ends - d, 0))

    def fits(self, d: int) -> np.ndarray:
        return self.ends >= d if self.valid is None else (self.ends >= d) & self.valid


def _pair_costs(
    s: _At, t: _At, bw: float, lm: LengthModel
) -> tuple[list[np.ndarray], dict[tuple[int, int], np.ndarray]]:
    """Cost of a bead of each type of :data:`BEAD_TYPES` ending at each cell (inf where it does not fit)
    and, per bead type with both sides, the feature counts its two sides share (``_counts`` shape)."""
    shape = np.broadcast_shapes(s.shape, t.shape)
    bs = slice(int(_OFFSETS[_BRIDGE]), int(_OFFSETS[_BRIDGE + 1]))
    costs: list[np.ndarray] = []
    inters: dict[tuple[int, int], np.ndarray] = {}
    for di, dj in BEAD_TYPES:
        cost = np.full(shape, -math.log(PRIORS[(di, dj)]))
        if di and dj:
            s_span, t_span = s.at("bits", di), t.at("bits", dj)
            inter = inters[(di, dj)] = _counts(s_span & t_span)
            cost += _match_cost(s.length(di), t.length(dj), inter, bw, lm)
            if W_UNSHARED:
                # Strong anchors (numbers, dates, marks) on one side only: evidence against the bead.
                size_s, size_t = s.at("sizes", di), t.at("sizes", dj)
                cost += W_UNSHARED * (size_s[..., _STRONG] + size_t[..., _STRONG] - 2 * inter[..., _STRONG])
            if bw > 0:
                cost += _bridge_cost(s, t, di, dj, s_span[..., bs], t_span[..., bs], bw)
        elif bw > 0:
            cost += W_BRIDGE * W_DELETED * bw
        costs.append(np.where(s.fits(di) & t.fits(dj), cost, np.inf))
    return costs, inters


def _bridge_cost(s: _At, t: _At, di: int, dj: int, s_span: np.ndarray, t_span: np.ndarray, bw: float) -> np.ndarray:
    """Bridge cost of beads (di, dj) ending at the cells (``s_span``/``t_span``: the bridge bits of their
    two sides): W_BRIDGE * sum over the bead's sentences of (1 - coverage). Coverage of a source sentence
    = the share of its bridge's content words found in the bead's target; of a target sentence = the
    share of its content words found in the bead's bridge. A sentence merged into a bead it does not
    belong to costs about W_BRIDGE, a deleted one W_BRIDGE * W_DELETED.
    """
    bs = slice(int(_OFFSETS[_BRIDGE]), int(_OFFSETS[_BRIDGE + 1]))
    total = np.zeros(np.broadcast_shapes(s.shape, t.shape))
    for own, other, d in ((s, t_span, di), (t, s_span, dj)):
        for off in range(d):
            total += 1.0 - _coverage(own.at("bits", 1, off)[..., bs], own.at("sizes", 1, off)[..., _BRIDGE], other)
    return W_BRIDGE * bw * total


BAND_CELLS = 1 << 16
"""Band cells whose bead costs are computed at once: bounds the memory of a long document's DP (a bead's
cost depends on its cell only, so the blocks do not change it)."""

_T01 = BEAD_TYPES.index((0, 1))
_MOVES = [(t, di, dj) for t, (di, dj) in enumerate(BEAD_TYPES) if di > 0]  # the moves from the previous rows
_MOVE_TYPES = np.array([t for t, _, _ in _MOVES], dtype=np.int8)


def _relax_row(
    prev: list[np.ndarray | None] | None, costs: list[np.ndarray], valid: np.ndarray | None, start: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One row of the DP (the last axis is the column): ``(dist, back)`` from, per move of
    :data:`_MOVES`, the previous rows' distances at the cells each cell comes from (None where that row
    does not exist; ``prev`` None on row 0, where ``start`` holds the candidates) and the row's bead
    costs; ``valid``: the cells inside the table (None: all)."""
    if prev is None:
        cand = start
        how = np.full(start.shape, -1, dtype=np.int8)
    else:
        options = np.stack(
            [p + costs[t] if p is not None else np.full(start.shape, np.inf) for p, (t, _, _) in zip(prev, _MOVES, strict=True)]
        )  # fmt: skip
        how = _MOVE_TYPES[options.argmin(axis=0)]
        cand = options.min(axis=0)  # the value at argmin (no NaN here), without a gather
    # 0-1 beads move along the row: dist[k] = min_q<=k cand[q] + sum(c01[q+1..k]), a prefix minimum.
    c01 = np.where(np.isfinite(costs[_T01]), costs[_T01], 0.0)
    c01[..., 0] = 0.0
    acc = np.cumsum(c01, axis=-1)
    run = np.minimum.accumulate(cand - acc, axis=-1)
    dist = run + acc if valid is None else np.where(valid, run + acc, np.inf)
    return dist, np.where(cand - acc > run, _T01, np.where(np.isfinite(cand), how, -1))


def _backtrace(
    back: list[list[int]], lo: Sequence[int], n: int, m: int, width: int
) -> tuple[list[tuple[int, int, int, int]], bool]:
    """The best path from the back pointers (row ``i``, column ``j - lo[i]``) as ``(i0, i1, j0, j1)``
    spans, and whether it touched the edge of the band."""
    path: list[tuple[int, int, int, int]] = []
    touched = False
    i, j = n, m
    while i > 0 or j > 0:
        k = j - lo[i]
        if (k == 0 and lo[i] > 0) or (k == width - 1 and lo[i] + width - 1 < m):
            touched = True
        t = back[i][k]
        if t < 0:
            raise AssertionError("alignment DP found no path")  # cannot happen: 1-0/0-1 always fit
        di, dj = BEAD_TYPES[t]
        path.append((i - di, i, j - dj, j))
        i, j = i - di, j - dj
    return path[::-1], touched


def _band_dp(
    fs: _Side, ft: _Side, half: int, bw: float, lm: LengthModel
) -> tuple[list[tuple[int, int, int, int]], bool]:
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
    # For each move and row, the column of the previous row each cell comes from (``width`` = outside).
    sources = {}
    for t, di, dj in _MOVES:
        shift = lo[di:] - dj - lo[:-di]
        kp = cols[None, :] + shift[:, None]
        sources[t] = np.where((kp >= 0) & (kp < width), kp, width)
    start = np.where(jj[0] == 0, 0.0, np.inf)
    for i in range(n + 1):
        if i % block == 0:
            r0 = i
            r = np.arange(i, min(i + block, n + 1))
            c = jj[i : i + block]
            costs = _pair_costs(_At(fs, r[:, None]), _At(ft, np.minimum(c, m), c <= m), bw, lm)[0]
        prev = [dist[i - di, sources[t][i - di]] if i >= di else None for t, di, _ in _MOVES] if i > 0 else None
        dist[i, :width], back[i] = _relax_row(prev, [c[i - r0] for c in costs], jj[i] <= m, start)
    return _backtrace(back.tolist(), lo.tolist(), n, m, width)


def _evidence(fs: _Side, ft: _Side, i0: int, i1: int, j0: int, j1: int, bw: float, lm: LengthModel) -> list[float]:
    """Evidence in [0, 1] that source ``i0:i1`` and target ``j0:j1`` are translations (see :class:`Bead`)."""
    inter = _counts(fs.bits[i1 - i0][i1] & ft.bits[j1 - j0][j1])
    return evidence_of(fs.prefix[i1] - fs.prefix[i0], ft.prefix[j1] - ft.prefix[j0], fs.sizes[i1 - i0][i1],
                       ft.sizes[j1 - j0][j1], inter, bw, lm)


def evidence_of(ls: float, lt: float, size_s: Sequence[int], size_t: Sequence[int], inter: Sequence[int],
                bw: float, lm: LengthModel | None = None) -> list[float]:
    """The evidence of :func:`_evidence` from its counts: the two sides' lengths, their feature counts per
    kind and the counts they share (also what :mod:`bitext.align.batch` gathers for a whole batch)."""
    evidence = [math.erfc((lm or PRIOR).delta_of(ls, lt) / math.sqrt(2.0))]
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


def _make_bead(fs: _Side, ft: _Side, i0: int, i1: int, j0: int, j1: int, bw: float, lm: LengthModel) -> Bead:
    spans = neighbours(i0, i1, j0, j1, fs.n, ft.n)
    return bead_of(i0, i1, j0, j1, [_evidence(fs, ft, *span, bw, lm) for span in spans])
