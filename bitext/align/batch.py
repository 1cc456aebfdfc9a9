"""Many small documents (the paragraphs of a corpus) aligned at once, with the same beads as :func:`align`.

:func:`bitext.align.dp.align` spends about a millisecond of numpy call overhead on a paragraph of a few
sentences, whatever its size: on a corpus of short paragraphs that overhead is most of the align stage.
:func:`align_many` groups the documents by shape (source and target sentence counts) and runs the DP of
every group as one set of numpy operations with a leading batch axis.

It only batches documents whose band covers the whole DP table (``m + 1 <= 2 * base + 1`` with ``base``
the first half width of :func:`~bitext.align.dp.base_half_width`: up to 16 target sentences). For those
the band is the full table whatever the coarse pass finds, so the coarse pass is skipped, the path can
never touch the band's edge (no widening), and every cost and every DP step is the same element-wise
float64 operation as in :func:`~bitext.align.dp._band_dp`, in the same order: the beads, scores
included, are identical (``tests/align/test_batch.py`` checks it against the DP). Other documents (long,
empty, or with a bridge whose weight must be estimated) go through :func:`~bitext.align.dp.align_document`.
"""

from __future__ import annotations

import itertools
import math
import zlib
from collections.abc import Sequence

import numpy as np

from . import dp
from .dp import (
    _BRIDGE,
    _COGNATE,
    _OFFSETS,
    _STOP,
    _STRONG,
    _WEAK,
    _WORD,
    BEAD_TYPES,
    PRIORS,
    W_BRIDGE,
    W_DELETED,
    W_UNSHARED,
    Bead,
)

BATCH_LIMIT = 512
"""Documents of one shape per numpy pass: bounds its memory (~15 MiB for 5 x 5 paragraphs); larger passes
are no faster."""

_BASE = tuple(int(o) * 64 for o in _OFFSETS[:-1])  # first bit of each feature kind's slot
_SIZE = tuple(int(b - a) * 64 for a, b in zip(_OFFSETS[:-1], _OFFSETS[1:], strict=True))  # its bits

Doc = tuple[Sequence[str], Sequence[str], Sequence[str] | None]
"""(source sentences, target sentences, bridge or None), as the arguments of :func:`~bitext.align.dp.align`."""


def batchable(n: int, m: int) -> bool:
    """Whether the DP band of an ``n`` x ``m`` document is the whole table (see the module docstring)."""
    return n > 0 and m > 0 and m + 1 <= 2 * dp.base_half_width(n, m) + 1


def align_many(docs: Sequence[Doc], bridge_weight: float | None = None) -> list[list[Bead]]:
    """``[align(src, tgt, bridge, bridge_weight) for src, tgt, bridge in docs]``, computed in batches.

    A document with a bridge is batched only when ``bridge_weight`` is given (otherwise the weight is
    estimated from a first DP, see :func:`~bitext.align.dp.bridge_reliability`).
    """
    out: list[list[Bead] | None] = [None] * len(docs)
    groups: dict[tuple[int, int, bool], list[int]] = {}
    for k, (src, tgt, bridge) in enumerate(docs):
        if bridge is not None and len(bridge) != len(src):
            raise ValueError(f"bridge has {len(bridge)} sentences, src has {len(src)}")
        if batchable(len(src), len(tgt)) and (bridge is None or bridge_weight is not None):
            groups.setdefault((len(src), len(tgt), bridge is not None), []).append(k)
        else:
            out[k] = dp.align(src, tgt, bridge, bridge_weight)
    memo = _Features()
    for (n, m, has_bridge), members in groups.items():
        bw = min(max(float(bridge_weight), 0.0), 1.0) if has_bridge and bridge_weight is not None else 0.0
        for start in range(0, len(members), BATCH_LIMIT):
            part = members[start : start + BATCH_LIMIT]
            for k, beads in zip(part, _align_group([docs[k] for k in part], n, m, has_bridge, bw, memo), strict=True):
                out[k] = beads
    return out  # type: ignore[return-value]


class _Features:
    """Memo of one :func:`align_many` call: each distinct text's feature bit positions, as
    :func:`~bitext.align.dp._bits` sets them. Only the bits matter downstream (set sizes are their
    popcounts), so a feature found twice may be listed twice: cognates and content words are looked up
    word by word (words recur) instead of building :func:`~bitext.align.dp.cognates` and
    :func:`~bitext.align.dp.content_words` sets."""

    def __init__(self) -> None:
        self.anchors: dict[tuple[str, str], list[int]] = {}
        self.bridge: dict[str, list[int]] = {}
        self.hashes: tuple[dict[str, int], ...] = tuple({} for _ in _BASE)  # per slot: feature -> bit
        self.cognate: dict[str, int] = {}  # word -> bit of its cognate, -1 if it has none
        self.content: dict[str, int] = {}  # word -> bit of its content word, -1 if it is none

    @staticmethod
    def _bit(slot: int, feature: str) -> int:
        """The bit of ``feature`` in ``slot``, as dp._bits hashes it."""
        return _BASE[slot] + zlib.crc32(feature.encode()) % _SIZE[slot]

    def _positions(self, slot: int, feats: set[str]) -> list[int]:
        hashes = self.hashes[slot]
        out = []
        for f in feats:
            h = hashes.get(f)
            if h is None:
                h = hashes[f] = _BASE[slot] + zlib.crc32(f.encode()) % _SIZE[slot]
            out.append(h)
        return out

    def of_text(self, text: str, lang: str, bridge_too: bool = False) -> list[int]:
        """Bit positions of the anchors and cognates of a sentence (duplicates possible); with
        ``bridge_too``, also memoise its bridge positions (:meth:`of_bridge`) from the same words."""
        got = self.anchors.get((text, lang))
        if got is not None and not (bridge_too and text not in self.bridge):
            return got
        words = _WORD.findall(text.lower())
        if bridge_too and text not in self.bridge:
            self.bridge[text] = self._content(words)
        if got is None:
            strong, weak = dp.anchors(text, lang)
            got = self._positions(_STRONG, strong) + self._positions(_WEAK, weak)
            cognate = self.cognate
            for w in words:  # as dp.cognates
                h = cognate.get(w)
                if h is None:
                    h = cognate[w] = self._bit(_COGNATE, w[:4]) if len(w) >= 4 and not w[0].isdigit() else -1
                if h >= 0:
                    got.append(h)
            self.anchors[(text, lang)] = got
        return got

    def of_bridge(self, text: str) -> list[int]:
        """Bit positions of the bridge (content) words of a text (duplicates possible)."""
        got = self.bridge.get(text)
        if got is None:
            got = self.bridge[text] = self._content(_WORD.findall(text.lower()))
        return got

    def _content(self, words: list[str]) -> list[int]:
        out = []
        content = self.content
        for w in words:  # as dp.content_words
            h = content.get(w)
            if h is None:
                keep = w not in _STOP and (len(w) > 2 or w.isdigit())
                h = content[w] = self._bit(_BRIDGE, w[:6]) if keep else -1
            if h >= 0:
                out.append(h)
        return out


class _Sides:
    """:class:`~bitext.align.dp._Side` for a batch of documents of ``n`` sentences: arrays with a leading
    batch axis."""

    def __init__(
        self, texts: list[Sequence[str]], n: int, lang: str, bridge: list[Sequence[str]] | None, memo: _Features
    ) -> None:
        self.n = n
        b = len(texts)
        flat = [t for doc in texts for t in doc]
        lengths = np.array([len(t) for t in flat], dtype=np.float64).reshape(b, n)
        self.prefix = np.concatenate([np.zeros((b, 1)), np.cumsum(lengths, axis=1, dtype=np.float64)], axis=1)
        if bridge is None:
            rows = [memo.of_text(t, lang) for t in flat]
            words = int(_OFFSETS[_BRIDGE])
        else:
            flat_bridge = [t for doc in bridge for t in doc]
            rows = [memo.of_text(t, lang, t == u) + memo.of_bridge(u) for t, u in zip(flat, flat_bridge, strict=True)]
            words = int(_OFFSETS[-1])
        # The bit sets of dp._bits, set in one call (OR does not depend on the order).
        bits = np.zeros((len(flat), words), dtype=np.uint64)
        h = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.uint64)
        if h.size:
            where = np.repeat(np.arange(len(rows)), [len(r) for r in rows])
            np.bitwise_or.at(bits, (where, (h >> np.uint64(6)).astype(np.intp)), np.uint64(1) << (h & np.uint64(63)))
        bits = bits.reshape(b, n, words)
        self.bits = {d: _span_bits(bits, d) for d in (1, 2)}
        self.sizes = {d: dp._counts(self.bits[d]) for d in (1, 2)}


def _span_bits(bits: np.ndarray, d: int) -> np.ndarray:
    """:func:`~bitext.align.dp._span_bits` of every document of the batch (axis 1 is the sentence)."""
    b, n, w = bits.shape
    out = np.zeros((b, n + 1, w), dtype=np.uint64)
    for off in range(1, d + 1):
        out[:, d:] |= bits[:, d - off : n + 1 - off]
    return out


def _costs(
    fs: _Sides, ft: _Sides, n: int, m: int, bw: float
) -> tuple[list[np.ndarray], dict[tuple[int, int], np.ndarray]]:
    """The cost arrays of :func:`~bitext.align.dp._band_dp` for a full band, shape ``(batch, n+1, m+1)``,
    and per bead type with sentences on both sides the feature counts shared by the bead ending at each
    cell (what :func:`~bitext.align.dp._evidence` counts), shape ``(batch, n+1, m+1, kinds)``."""
    rows = np.arange(n + 1)
    cols = np.arange(m + 1)
    ii = np.broadcast_to(rows[:, None], (n + 1, m + 1))
    jj = np.broadcast_to(cols[None, :], (n + 1, m + 1))
    b = fs.prefix.shape[0]
    bs = slice(int(_OFFSETS[_BRIDGE]), int(_OFFSETS[_BRIDGE + 1]))
    costs: list[np.ndarray] = []
    inters: dict[tuple[int, int], np.ndarray] = {}
    for di, dj in BEAD_TYPES:
        cost = np.full((b, n + 1, m + 1), -math.log(PRIORS[(di, dj)]))
        if di and dj:
            t_span = ft.bits[dj][:, None, :, :]
            s_span = fs.bits[di][:, :, None, :]
            inter = inters[(di, dj)] = dp._counts(s_span & t_span)
            ls = fs.prefix[:, ii] - fs.prefix[:, np.maximum(ii - di, 0)]
            lt = ft.prefix[:, jj] - ft.prefix[:, np.maximum(jj - dj, 0)]
            cost += dp._match_cost(ls, lt, inter, bw)
            if W_UNSHARED:
                unshared = fs.sizes[di][:, :, None, _STRONG] + ft.sizes[dj][:, None, :, _STRONG] - 2 * inter[..., _STRONG]
                cost += W_UNSHARED * unshared
            if bw > 0:
                total = np.zeros((b, n + 1, m + 1))
                for off in range(di):
                    r = np.maximum(rows - off, 0)
                    total += 1.0 - dp._coverage(fs.bits[1][:, r][:, :, None, bs], fs.sizes[1][:, r, _BRIDGE][:, :, None],
                                                t_span[..., bs])
                for off in range(dj):
                    c = np.maximum(cols - off, 0)
                    total += 1.0 - dp._coverage(ft.bits[1][:, c][:, None, :, bs], ft.sizes[1][:, c, _BRIDGE][:, None, :],
                                                s_span[..., bs])
                cost += W_BRIDGE * bw * total
        elif bw > 0:
            cost += W_BRIDGE * W_DELETED * bw
        costs.append(np.where((ii >= di) & (jj >= dj), cost, np.inf))
    return costs, inters


def _align_group(docs: list[Doc], n: int, m: int, has_bridge: bool, bw: float, memo: _Features) -> list[list[Bead]]:
    """Align documents of ``n`` source and ``m`` target sentences: the DP of ``_band_dp`` with ``lo = 0``
    and ``width = m + 1`` on every row, over the batch axis."""
    b = len(docs)
    # The target side first: its sentences are their own bridge, and mostly the source's bridge too.
    ft = _Sides([d[1] for d in docs], m, "en", [d[1] for d in docs] if has_bridge else None, memo)
    fs = _Sides([d[0] for d in docs], n, "id", [d[2] for d in docs] if has_bridge else None, memo)  # type: ignore[misc]
    costs, inters = _costs(fs, ft, n, m, bw)
    width = m + 1
    cols = np.arange(width)
    dist = np.full((b, n + 1, width + 1), np.inf)
    back = np.full((b, n + 1, width), -1, dtype=np.int8)
    t01 = BEAD_TYPES.index((0, 1))
    moves = [(t, di, dj) for t, (di, dj) in enumerate(BEAD_TYPES) if di > 0]
    sources = {t: np.where(cols - dj >= 0, cols - dj, width) for t, _, dj in moves}  # width: the inf column
    move_types = np.array([t for t, _, _ in moves], dtype=np.int8)
    cand = np.full((b, width), np.inf)
    cand[:, 0] = 0.0
    how = np.full((b, width), -1, dtype=np.int8)
    for i in range(n + 1):
        if i > 0:
            options = np.stack(
                [dist[:, i - di, sources[t]] + costs[t][:, i] if i >= di else np.full((b, width), np.inf)
                 for t, di, _ in moves]
            )  # fmt: skip
            best = options.argmin(axis=0)
            cand = np.take_along_axis(options, best[None], axis=0)[0]
            how = move_types[best]
        c01 = np.where(np.isfinite(costs[t01][:, i]), costs[t01][:, i], 0.0)
        c01[:, 0] = 0.0
        acc = np.cumsum(c01, axis=1)
        run = np.minimum.accumulate(cand - acc, axis=1)
        dist[:, i, :width] = run + acc
        back[:, i] = np.where(cand - acc > run, t01, np.where(np.isfinite(cand), how, -1))
    paths: list[list[tuple[int, int, int, int]]] = []
    back_list = back.tolist()
    for k in range(b):
        path: list[tuple[int, int, int, int]] = []
        i, j = n, m
        rows_k = back_list[k]
        while i > 0 or j > 0:
            t = rows_k[i][j]
            if t < 0:
                raise AssertionError("alignment DP found no path")  # cannot happen: 1-0/0-1 always fit
            di, dj = BEAD_TYPES[t]
            path.append((i - di, i, j - dj, j))
            i, j = i - di, j - dj
        paths.append(path[::-1])
    return _beads(paths, fs, ft, inters, bw)


def _beads(
    paths: list[list[tuple[int, int, int, int]]], fs: _Sides, ft: _Sides, inters: dict[tuple[int, int], np.ndarray],
    bw: float,
) -> list[list[Bead]]:  # fmt: skip
    """The beads of every path with the scores of :func:`~bitext.align.dp._make_bead`: the counts it
    needs are gathered from the batch's arrays in one go, the arithmetic is the same on Python floats."""
    # Every _evidence(i0, i1, j0, j1) call _make_bead would make, as (doc, i0, i1, j0, j1).
    calls: list[tuple[int, int, int, int, int]] = []
    per_bead: list[int] = []
    for k, path in enumerate(paths):
        for bead in path:
            spans = dp.neighbours(*bead, fs.n, ft.n)
            calls += [(k, *span) for span in spans]
            per_bead.append(len(spans))
    ev = _evidence(calls, fs, ft, inters, bw)
    out: list[list[Bead]] = []
    pos = 0
    count = iter(per_bead)
    for path in paths:
        beads = []
        for bead in path:
            mine = ev[pos : pos + next(count)]
            pos += len(mine)
            beads.append(dp.bead_of(*bead, mine))
        out.append(beads)
    return out


def _evidence(
    calls: list[tuple[int, int, int, int, int]], fs: _Sides, ft: _Sides, inters: dict[tuple[int, int], np.ndarray],
    bw: float,
) -> list[list[float]]:  # fmt: skip
    """:func:`~bitext.align.dp._evidence` of each call ``(doc, i0, i1, j0, j1)``."""
    if not calls:
        return []
    k, i0, i1, j0, j1 = (np.array(c, dtype=np.intp) for c in zip(*calls, strict=True))
    ds, dt = i1 - i0, j1 - j0
    ls = (fs.prefix[k, i1] - fs.prefix[k, i0]).tolist()
    lt = (ft.prefix[k, j1] - ft.prefix[k, j0]).tolist()
    stacked = np.stack([inters[t] for t in ((1, 1), (1, 2), (2, 1), (2, 2))])  # index 2 * (ds - 1) + (dt - 1)
    inter = stacked[2 * (ds - 1) + (dt - 1), k, i1, j1].tolist()
    size_s = np.stack([fs.sizes[1], fs.sizes[2]])[ds - 1, k, i1].tolist()
    size_t = np.stack([ft.sizes[1], ft.sizes[2]])[dt - 1, k, j1].tolist()
    return [dp.evidence_of(ls[c], lt[c], size_s[c], size_t[c], inter[c], bw) for c in range(len(calls))]
