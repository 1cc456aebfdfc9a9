"""The published row: what one pair looks like in the dataset and in JSON Lines (one definition).

The row says the state **after** review: ``needs_review`` is true only for a pair whose flags call for a
look and that no reviewer has decided on yet; the flags as computed before any review are kept under
their own names (``flags_before_review``, ``needs_review_before_review``). ``tgt_idx`` are the indices of
the English sentences of the bead (OPUS-style alignment provenance: with ``doc_id`` and the Indonesian
sentence position they rebuild the document pair).
"""

from __future__ import annotations

from bitext.model import DECISIONS
from bitext.records import PairRecord


def needs_review_after(rec: PairRecord) -> bool:
    """A blocking flag fired and no (current) review decision resolved it."""
    return rec.needs_review and rec.review_status not in DECISIONS


def published_row(rec: PairRecord) -> dict[str, object]:
    """The row of the dataset's features, in order."""
    return {
        "id": rec.id,
        "doc_id": rec.doc_id,
        "para_idx": rec.para_idx,
        "sent_idx": rec.sent_idx,
        "tgt_idx": list(rec.tgt_idx),
        "kind": rec.kind,
        "translation": {"id": rec.source, "en": rec.target},
        "mt": rec.mt,
        "bead_type": rec.bead_type,
        "align_score": rec.align_score,
        "needs_review": needs_review_after(rec),
        "review_status": rec.review_status,
        "reviewed_translation": rec.reviewed_translation,
        "reviewer": rec.reviewer,
        "reviewed_at": rec.reviewed_at,
        "flags_before_review": list(rec.flags),
        "needs_review_before_review": rec.needs_review,
        "scores": dict(rec.scores),
        "mt_logprob": rec.mt_logprob,
    }
