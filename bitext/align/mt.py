"""Indonesian sentences against their own machine translation (pairs of kind ``'mt'``): by provenance.

Each translation was made from one source sentence, so which English belongs to which Indonesian is
known, not guessed: the English of source sentence ``k`` is its translation split with
:func:`~bitext.segment.en.split_english`. A translation that came out as two sentences is a 1-2 bead, an
empty one a 1-0 bead, and a poor or looping one stays with its own sentence as one bead (the flags judge
it) instead of a 1-0 bead plus a 0-1 bead that a DP on length and anchors would make of it (the reviewer
would then have to retype what the model did produce). The bead's score is the aligner's evidence
(:func:`~bitext.align.dp.evidence_of`: length, anchors, bridge) from exact feature sets, so it means what
the DP's scores mean. Pure computation.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..segment.en import split_english
from .dp import Bead, bead_of, evidence_of, neighbours
from .features import _Features


def split_translations(translations: Sequence[str]) -> tuple[list[str], list[tuple[int, int]]]:
    """The English sentences of the translations, in order, and per translation its ``[j0, j1)`` range."""
    tgt: list[str] = []
    ranges: list[tuple[int, int]] = []
    for text in translations:
        j0 = len(tgt)
        tgt.extend(text[a:b] for a, b in split_english(text))
        ranges.append((j0, len(tgt)))
    return tgt, ranges


def align_translations(
    src: Sequence[str], translations: Sequence[str], memo: _Features | None = None
) -> tuple[list[str], list[Bead]]:
    """The English sentences of ``translations`` (one per source sentence of ``src``) and the beads that
    pair each source sentence with the sentences of its own translation (see the module docstring)."""
    if len(translations) != len(src):
        raise ValueError(f"{len(translations)} translations for {len(src)} source sentences")
    memo = memo or _Features()  # the features of each distinct text, computed once
    tgt, ranges = split_translations(translations)
    n, m = len(src), len(tgt)
    beads = []
    for i, (j0, j1) in enumerate(ranges):
        spans = neighbours(i, i + 1, j0, j1, n, m)
        beads.append(bead_of(i, i + 1, j0, j1, [_evidence(src, tgt, translations, span, memo) for span in spans]))
    return tgt, beads


def _evidence(
    src: Sequence[str], tgt: Sequence[str], bridge: Sequence[str], span: tuple[int, int, int, int], memo: _Features
) -> list[float]:
    """:func:`~bitext.align.dp.evidence_of` of source ``i0:i1`` and target ``j0:j1`` with the translations as
    bridge (weight 1: the target is the bridge, re-split), from exact sets."""
    i0, i1, j0, j1 = span
    s_strong, s_weak, s_words = _union(src[i0:i1], bridge[i0:i1], "id", memo)
    t_strong, t_weak, t_words = _union(tgt[j0:j1], tgt[j0:j1], "en", memo)
    ls = float(sum(len(t) for t in src[i0:i1]))
    lt = float(sum(len(t) for t in tgt[j0:j1]))
    sizes_s = (len(s_strong), len(s_weak), 0, len(s_words))
    sizes_t = (len(t_strong), len(t_weak), 0, len(t_words))
    inter = (len(s_strong & t_strong), len(s_weak & t_weak), 0, len(s_words & t_words))
    return evidence_of(ls, lt, sizes_s, sizes_t, inter, 1.0)


def _union(
    texts: Sequence[str], bridge: Sequence[str], lang: str, memo: _Features
) -> tuple[set[str], set[str], set[str]]:
    """The strong and weak anchors of ``texts`` and the content words of their ``bridge``, each united."""
    strong: set[str] = set()
    weak: set[str] = set()
    words: set[str] = set()
    for text, br in zip(texts, bridge, strict=True):
        s_, w_ = memo.of_anchors(text, lang)
        strong |= s_
        weak |= w_
        words |= memo.of_bridge(br)
    return strong, weak, words
