"""Sentence alignment: :mod:`~bitext.align.dp` (the pure Gale-Church style DP: :func:`align`,
:class:`Bead`), :mod:`~bitext.align.stage` (:func:`align_corpus` over a store) and
:mod:`~bitext.align.references` (human reference translations, read with :mod:`bitext.readers`)."""

from __future__ import annotations

from .dp import ALIGNER_VERSION, Alignment, Bead, align, align_document
from .stage import AlignReport, align_corpus

__all__ = ["ALIGNER_VERSION", "AlignReport", "Alignment", "Bead", "align", "align_corpus", "align_document"]
