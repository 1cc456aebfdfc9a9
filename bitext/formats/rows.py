"""The published row: what one pair looks like in the dataset and in JSON Lines (one definition).

The row says the state **after** review: ``needs_review`` is true only for a pair whose flags call for a
look and that no reviewer has decided on yet; the flags as computed before any review are kept under
their own names (``flags_before_review``, ``needs_review_before_review``). ``tgt_idx`` are the indices of
the English sentences of the bead (OPUS-style alignment provenance: with ``doc_id`` and the Indonesian
sentence position they rebuild the document pair).
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter

from bitext.model import DECISIONS
from bitext.records import PairRecord


def needs_review_after(rec: PairRecord) -> bool:
    """A blocking flag fired and no (current) review decision resolved it."""
    return rec.needs_review and rec.review_status not in DECISIONS


# How each field of the published row comes from a record, in the dataset features' order: the one
# definition, read by :func:`published_row` and, a column at a time, by :mod:`bitext.publish.columns`.
ROW_FIELDS: dict[str, Callable[[PairRecord], object]] = {
    "id": attrgetter("id"),
    "doc_id": attrgetter("doc_id"),
    "para_idx": attrgetter("para_idx"),
    "sent_idx": attrgetter("sent_idx"),
    "tgt_idx": attrgetter("tgt_idx"),  # tuples: JSON writes them as lists, Arrow takes them as they are
    "kind": attrgetter("kind"),
    "translation": lambda rec: {"id": rec.source, "en": rec.target},
    "mt": attrgetter("mt"),
    "bead_type": attrgetter("bead_type"),
    "align_score": attrgetter("align_score"),
    "needs_review": needs_review_after,
    "review_status": attrgetter("review_status"),
    "reviewed_translation": attrgetter("reviewed_translation"),
    "reviewer": attrgetter("reviewer"),
    "reviewed_at": attrgetter("reviewed_at"),
    "flags_before_review": attrgetter("flags"),
    "needs_review_before_review": attrgetter("needs_review"),
    "scores": lambda rec: dict(rec.scores),
    "mt_logprob": attrgetter("mt_logprob"),
}


def published_row(rec: PairRecord) -> dict[str, object]:
    """The row of the dataset's features, in order (:data:`ROW_FIELDS`)."""
    return {name: get(rec) for name, get in ROW_FIELDS.items()}
