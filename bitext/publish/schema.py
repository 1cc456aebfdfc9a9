"""What a published row is: the dataset's features (exact Arrow types) and one line of documentation
per field, shown in the card. The rows themselves are :meth:`bitext.records.PairRecord.to_row`.

Per-check scores are one struct column ``scores`` with a nullable float64 per check: one column that
reads as ``row["scores"]["length_ratio"]``, whose shape follows the checks of the corpus without
spreading them over the top-level schema (and without clashing with field names).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import datasets

CONFIGS = ("default", "clean")
"""The dataset's configurations: every pair, and the pairs of :attr:`bitext.records.PairRecord.clean`."""
SPLIT = "train"


def dataset_features(checks: Sequence[str]) -> datasets.Features:
    """The published features; ``scores`` has one nullable float64 per check (omitted if none)."""
    from datasets import Features, Translation, Value
    from datasets import Sequence as List

    feats: dict[str, Any] = {
        "id": Value("string"),
        "doc_id": Value("string"),
        "para_idx": Value("int32"),
        "sent_idx": Value("int32"),
        "kind": Value("string"),
        "translation": Translation(languages=["id", "en"]),
        "mt": Value("string"),
        "bead_type": Value("string"),
        "align_score": Value("float64"),
        "flags": List(Value("string")),
    }
    if checks:
        feats["scores"] = {name: Value("float64") for name in checks}
    feats.update(
        {
            "needs_review": Value("bool"),
            "mt_logprob": Value("float64"),
            "review_status": Value("string"),
            "reviewed_translation": Value("string"),
            "reviewer": Value("string"),
            "reviewed_at": Value("string"),
        }
    )
    return Features(feats)


FIELD_DOCS = {
    "id": "pair id (stable across re-publishing)",
    "doc_id": "article the pair comes from",
    "para_idx": "paragraph index of the pair's first Indonesian sentence (null for 0-1 beads)",
    "sent_idx": "sentence index within that paragraph",
    "kind": "`mt`: Indonesian vs. machine translation; `reference`: vs. a human translation",
    "translation": "`{id, en}`; `en` is the reviewer's text when a reviewer accepted or edited the pair",
    "mt": "raw machine translation of the Indonesian text",
    "bead_type": "alignment bead (`1-1`, `1-2`, `2-1`, `2-2`, `1-0`, `0-1`)",
    "align_score": "alignment score of the bead",
    "flags": "checks that fired on the pair (any severity)",
    "scores": "per-check scores (struct, one nullable float per check)",
    "needs_review": "a check of severity warning or error fired",
    "mt_logprob": "model confidence: token-weighted mean length-normalised log-probability of the MT (≤ 0)",
    "review_status": "`accepted`, `edited`, `rejected` or `pending`",
    "reviewed_translation": "text the reviewer approved or wrote (null if not accepted/edited)",
    "reviewer": "who made the review decision",
    "reviewed_at": "when (ISO 8601, UTC)",
}
"""One line per field for the card's field table."""


def feature_type(feature: Any) -> str:
    """How the card's field table names a feature's type."""
    from datasets import Translation, Value

    if isinstance(feature, Value):
        return f"`{feature.dtype}`"
    if isinstance(feature, Translation):
        return "translation(id, en)"
    if isinstance(feature, dict):
        return "struct of float64"
    return "list of string"
