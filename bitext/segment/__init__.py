"""Segmentation: an article's raw text into paragraphs and sentences with offsets into the raw text.

:mod:`~bitext.segment.normalize` cleans the text (remembering where each character came from),
:mod:`~bitext.segment.id` splits Indonesian sentences and finds the dateline, :mod:`~bitext.segment.en`
splits English (machine translations, references). :func:`segment_text` puts the Indonesian side
together; :func:`segmenter_signature` records everything that changes its output.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Signature
from .id import SEGMENTER_VERSION, find_dateline, split_sentences
from .normalize import NORMALIZER_VERSION, normalize, raw_span

__all__ = ["Segmented", "Sentence", "segment_text", "segmenter_signature", "split_sentences"]


@dataclass(frozen=True, slots=True)  # slots: a 50 MB line makes ~800,000 of them
class Sentence:
    """A segmented sentence: indices, normalised text, raw offsets."""

    para_idx: int
    sent_idx: int
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Segmented:
    """The result of segmenting one article."""

    dateline: str | None
    sentences: list[Sentence]


def segmenter_signature(keep_dateline: bool = False) -> Signature:
    """Everything that changes segmentation output; its ``str()`` is stored per article
    (``bitext-id-seg/1|norm/1|dateline:field``), and a change re-segments every article."""
    return Signature.of(("", SEGMENTER_VERSION), ("", NORMALIZER_VERSION), ("dateline", "keep" if keep_dateline else "field"))


def segment_text(raw: str, keep_dateline: bool = False) -> Segmented:
    """Split an article into paragraphs (lines) and sentences with offsets into ``raw``.

    The dateline (``Mamuju (ANTARA) - ``) of the first paragraph becomes a field; with
    ``keep_dateline`` it stays in the first sentence too.
    """
    text, offsets = normalize(raw)
    sentences: list[Sentence] = []
    dateline = None
    para_idx = 0
    pos = 0
    for line in text.split("\n"):
        line_start = pos
        pos += len(line) + 1
        if not line.strip():
            continue
        body_from = 0
        if para_idx == 0 and dateline is None:
            cut = find_dateline(line)
            if cut:
                dateline = line[:cut].strip()
                body_from = 0 if keep_dateline else cut
        body = line[body_from:]
        sent_idx = 0
        for s, e in split_sentences(body):
            a, b = line_start + body_from + s, line_start + body_from + e
            rs, re_ = raw_span(offsets, a, b)
            sentences.append(Sentence(para_idx, sent_idx, text[a:b], rs, re_))
            sent_idx += 1
        if sent_idx:
            para_idx += 1
    return Segmented(dateline, sentences)
