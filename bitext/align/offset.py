"""The coarse pass of the aligner: anchor points that fix the global offset before the banded DP.

Two documents that start or end with a block the other lacks (a preamble, a boilerplate footer) are
far from the diagonal ``j = i * m / n``; a band around it would not contain the true path, and a path
that wanders inside it need not touch its edge. The coarse pass finds the offset without a band:

1. every feature (number, URL, date word, capitalised word, cognate) that occurs in at most
   :data:`MAX_COUNT` sentences on each side proposes the sentence pairs that share it;
2. a pair is a candidate anchor when its evidence (the sum of ``1 / max(count_src, count_tgt)`` over
   its shared rare features) reaches :data:`MIN_WEIGHT`;
3. the anchor chain is the heaviest strictly monotone subsequence of the candidates (a weighted
   longest increasing subsequence, ``O(P log P)``): an isolated chance match off the path conflicts
   with the many true anchors and is left out.

The DP's band is then wide enough to hold the chain (:func:`band_half_width`). Pure computation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

MAX_COUNT = 3
"""A feature in more sentences than this on either side proposes no anchor (too common)."""
MIN_WEIGHT = 1.5
"""Evidence a sentence pair needs to be a candidate anchor (e.g. one unique shared number and a cognate)."""


def candidate_anchors(src: Sequence[set[str]], tgt: Sequence[set[str]]) -> dict[tuple[int, int], float]:
    """Sentence pairs ``(i, j)`` sharing rare features, with their evidence (see the module docstring)."""
    where_s: dict[str, list[int]] = defaultdict(list)
    where_t: dict[str, list[int]] = defaultdict(list)
    for i, feats in enumerate(src):
        for f in feats:
            where_s[f].append(i)
    for j, feats in enumerate(tgt):
        for f in feats:
            if f in where_s:
                where_t[f].append(j)
    points: dict[tuple[int, int], float] = defaultdict(float)
    # Features in sorted order, not set order: the float sums (and so ties between anchors) must not
    # depend on PYTHONHASHSEED.
    for f in sorted(where_t):
        js, is_ = where_t[f], where_s[f]
        if len(is_) > MAX_COUNT or len(js) > MAX_COUNT:
            continue
        w = 1.0 / max(len(is_), len(js))
        for i in is_:
            for j in js:
                points[(i, j)] += w
    return {p: w for p, w in points.items() if w >= MIN_WEIGHT}


def monotone_chain(points: dict[tuple[int, int], float]) -> list[tuple[int, int]]:
    """The heaviest chain of points strictly increasing in both coordinates (weighted LIS, Fenwick tree)."""
    if not points:
        return []
    order = sorted(points, key=lambda p: (p[0], -p[1]))  # same i: larger j first, so they never chain
    cols = sorted({j for _, j in order})
    rank = {j: k + 1 for k, j in enumerate(cols)}
    size = len(cols)
    tree_w = [0.0] * (size + 1)
    tree_p = [-1] * (size + 1)  # index into order of the best chain end with column rank <= k
    best_w = [0.0] * len(order)
    prev = [-1] * len(order)
    for k, (i, j) in enumerate(order):
        # best chain ending at a column strictly below j
        r, w, p = rank[j] - 1, 0.0, -1
        while r > 0:
            if tree_w[r] > w:
                w, p = tree_w[r], tree_p[r]
            r -= r & -r
        best_w[k] = w + points[(i, j)]
        prev[k] = p
        r = rank[j]
        while r <= size:
            if best_w[k] > tree_w[r]:
                tree_w[r], tree_p[r] = best_w[k], k
            r += r & -r
    k = max(range(len(order)), key=best_w.__getitem__)
    chain: list[tuple[int, int]] = []
    while k >= 0:
        chain.append(order[k])
        k = prev[k]
    return chain[::-1]


def anchor_chain(src: Sequence[set[str]], tgt: Sequence[set[str]]) -> list[tuple[int, int]]:
    """The monotone chain of anchor points of two documents given each sentence's feature set."""
    return monotone_chain(candidate_anchors(src, tgt))


def band_half_width(chain: Sequence[tuple[int, int]], n: int, m: int, base: int) -> int:
    """Half width of a band around the diagonal ``j = i * m / n`` that holds every chain point with
    ``base`` to spare (a leading block only one side has puts the first anchors far off the diagonal)."""
    dev = max((abs(j - i * m / n) for i, j in chain), default=0.0)
    return int(base + dev + 0.5)
