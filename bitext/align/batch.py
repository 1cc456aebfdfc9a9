"""Many small documents (the paragraphs of a corpus) aligned at once, with the same beads as :func:`align`.

:func:`bitext.align.dp.align` spends about a millisecond of numpy call overhead on a paragraph of a few
sentences, whatever its size: on a corpus of short paragraphs that overhead is most of the align stage.
:func:`align_many` groups the documents by shape (source and target sentence counts) and runs the DP of
every group as one set of numpy operations with a leading batch axis.

It only batches documents whose band covers the whole DP table (``m + 1 <= 2 * base + 1`` with ``base``
the first half width of :func:`~bitext.align.dp.base_half_width`: up to 16 target sentences). For those
the band is the full table whatever the coarse pass finds, so the coarse pass is skipped, the path can
never touch the band's edge (no widening). The arithmetic is the DP's own, called with a batch axis:
the feature rules and numbering (:class:`~bitext.align.features.Vocab`) of :mod:`bitext.align.features`, the cost kernel
:func:`~bitext.align.dp._pair_costs`, the row recurrence :func:`~bitext.align.dp._relax_row`, the
backtrace :func:`~bitext.align.dp._backtrace` and the bead scores of :func:`~bitext.align.dp.bead_of`:
the beads, scores included, are identical (``tests/align/test_batch.py`` checks it against the DP).
Other documents (long, empty, or with a bridge whose weight must be estimated) go through
:func:`~bitext.align.dp.align`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import dp
from .dp import _MOVES, Bead, _At, _backtrace, _pair_costs, _relax_row
from .features import _BRIDGE, _OFFSETS, SPANS, Feats, Vocab, _Features, _set_bits, _Spans

BATCH_LIMIT = 512
"""Documents of one shape per numpy pass: bounds its memory (~15 MiB for 5 x 5 paragraphs); larger passes
are no faster."""

Doc = tuple[Sequence[str], Sequence[str], Sequence[str] | None]
"""(source sentences, target sentences, bridge or None), as the arguments of :func:`~bitext.align.dp.align`."""


def batchable(n: int, m: int) -> bool:
    """Whether the DP band of an ``n`` x ``m`` document is the whole table (see the module docstring)."""
    return n > 0 and m > 0 and m + 1 <= 2 * dp.base_half_width(n, m) + 1


def align_many(
    docs: Sequence[Doc], bridge_weight: float | None = None, length: dp.LengthModel = dp.PRIOR
) -> list[list[Bead]]:
    """``[align(src, tgt, bridge, bridge_weight, length) for src, tgt, bridge in docs]``, computed in batches.

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
            out[k] = dp.align(src, tgt, bridge, bridge_weight, length)
    memo = _Features()
    for (n, m, has_bridge), members in groups.items():
        bw = min(max(float(bridge_weight), 0.0), 1.0) if has_bridge and bridge_weight is not None else 0.0
        for start in range(0, len(members), BATCH_LIMIT):
            part = members[start : start + BATCH_LIMIT]
            group = _align_group([docs[k] for k in part], n, m, has_bridge, bw, memo, length)
            for k, beads in zip(part, group, strict=True):
                out[k] = beads
    return out  # type: ignore[return-value]


def fit_length_model(docs: Sequence[Doc], prior: dp.LengthModel = dp.PRIOR) -> dp.LengthModel:
    """The length model of a set of documents: a first pass with ``prior`` on length and anchors alone
    (batched: no bridge, whose weight would need a DP of its own), then
    :func:`~bitext.align.dp.estimate_length_model` of its confident beads
    (:func:`~bitext.align.dp.confident_lengths`)."""
    plain = [(src, tgt, None) for src, tgt, _ in docs]
    lengths: list[tuple[int, int]] = []
    for (src, tgt, _), beads in zip(plain, align_many(plain, length=prior), strict=True):
        lengths += dp.confident_lengths(beads, src, tgt)
    return dp.estimate_length_model(lengths, prior)


class _Sides(_Spans):
    """:class:`~bitext.align.features._Side` for a batch of documents of ``n`` sentences: the same arrays
    with a leading batch axis, the bits from each document's :class:`~bitext.align.features.Vocab`."""

    def __init__(
        self, texts: list[Sequence[str]], n: int, feats: list[list[Feats]], vocabs: list[Vocab], has_bridge: bool
    ) -> None:
        self.n = n
        flat = [t for doc in texts for t in doc]
        rows = [vocab.row(f) for doc, vocab in zip(feats, vocabs, strict=True) for f in doc]
        words = int(_OFFSETS[-1] if has_bridge else _OFFSETS[_BRIDGE])
        lengths = np.array([len(t) for t in flat], dtype=np.float64).reshape(len(texts), n)
        self._set_spans(lengths, _set_bits(rows, words).reshape(len(texts), n, words))


def _align_group(
    docs: list[Doc], n: int, m: int, has_bridge: bool, bw: float, memo: _Features, lm: dp.LengthModel
) -> list[list[Bead]]:
    """Align documents of ``n`` source and ``m`` target sentences: the DP of ``_band_dp`` with ``lo = 0``
    and ``width = m + 1`` on every row, over the batch axis."""
    b = len(docs)
    # The target side first: its sentences are their own bridge, and mostly the source's bridge too.
    tgt_feats = [[memo.feats(t, "en", t if has_bridge else None) for t in d[1]] for d in docs]
    src_feats = [[memo.feats(t, "id", d[2][i] if has_bridge else None) for i, t in enumerate(d[0])] for d in docs]  # type: ignore[index]
    vocabs = [Vocab.of(t + s) for t, s in zip(tgt_feats, src_feats, strict=True)]  # the target numbered first
    ft = _Sides([d[1] for d in docs], m, tgt_feats, vocabs, has_bridge)
    fs = _Sides([d[0] for d in docs], n, src_feats, vocabs, has_bridge)
    # The cost kernel of the banded DP on the full table: every row's cells are columns 0..m.
    costs, inters = _pair_costs(_At(fs, np.arange(n + 1)[:, None]), _At(ft, np.arange(m + 1)[None, :]), bw, lm)
    width = m + 1
    cols = np.arange(width)
    dist = np.full((b, n + 1, width + 1), np.inf)
    back = np.full((b, n + 1, width), -1, dtype=np.int8)
    sources = {t: np.where(cols - dj >= 0, cols - dj, width) for t, _, dj in _MOVES}  # width: the inf column
    start = np.full((b, width), np.inf)
    start[:, 0] = 0.0
    for i in range(n + 1):
        prev = [dist[:, i - di, sources[t]] if i >= di else None for t, di, _ in _MOVES] if i > 0 else None
        dist[:, i, :width], back[:, i] = _relax_row(prev, [c[:, i] for c in costs], None, start)
    lo = [0] * (n + 1)
    paths = [_backtrace(rows, lo, n, m, width)[0] for rows in back.tolist()]
    return _beads(paths, fs, ft, inters, bw, lm)


def _beads(
    paths: list[list[tuple[int, int, int, int]]], fs: _Sides, ft: _Sides, inters: dict[tuple[int, int], np.ndarray],
    bw: float, lm: dp.LengthModel,
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
    ev = _evidence(calls, fs, ft, inters, bw, lm)
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
    bw: float, lm: dp.LengthModel,
) -> list[list[float]]:  # fmt: skip
    """:func:`~bitext.align.dp._evidence` of each call ``(doc, i0, i1, j0, j1)``."""
    if not calls:
        return []
    k, i0, i1, j0, j1 = (np.array(c, dtype=np.intp) for c in zip(*calls, strict=True))
    ds, dt = i1 - i0, j1 - j0
    ls = (fs.prefix[k, i1] - fs.prefix[k, i0]).tolist()
    lt = (ft.prefix[k, j1] - ft.prefix[k, j0]).tolist()
    types = sorted(inters)  # the bead types with both sides
    where = np.full((len(SPANS) + 1, len(SPANS) + 1), -1, dtype=np.intp)
    for x, (a, b) in enumerate(types):
        where[a, b] = x
    inter = np.stack([inters[t] for t in types])[where[ds, dt], k, i1, j1].tolist()
    size_s = np.stack([fs.sizes[d] for d in SPANS])[ds - 1, k, i1].tolist()
    size_t = np.stack([ft.sizes[d] for d in SPANS])[dt - 1, k, j1].tolist()
    return [dp.evidence_of(ls[c], lt[c], size_s[c], size_t[c], inter[c], bw, lm) for c in range(len(calls))]
