"""What a published row is: the dataset's features (exact Arrow types) and one line of documentation
per field, shown in the card. The rows themselves are :func:`bitext.formats.rows.published_row`; the
``articles`` config has one row per article (:func:`article_features`).

Per-check scores are one struct column ``scores`` with a nullable float64 per check: one column that
reads as ``row["scores"]["length_ratio"]``, whose shape follows the checks of the corpus without
spreading them over the top-level schema (and without clashing with field names).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import datasets

PAIR_CONFIGS = ("default", "clean")
"""Configurations of pairs: every pair, and the training-ready pairs (see the card's rules)."""
ARTICLES_CONFIG = "articles"
CONFIGS = (*PAIR_CONFIGS, ARTICLES_CONFIG)
"""Every configuration of the dataset."""
SPLITS = ("train", "validation", "test")
"""Splits, by article (an article and its Indonesian sentences are in one split only)."""


def dataset_features(checks: Sequence[str]) -> datasets.Features:
    """The published pair features; ``scores`` has one nullable float64 per check (omitted if none)."""
    from datasets import Features, Translation, Value
    from datasets import Sequence as List

    feats: dict[str, Any] = {
        "id": Value("string"),
        "doc_id": Value("string"),
        "para_idx": Value("int32"),
        "sent_idx": Value("int32"),
        "tgt_idx": List(Value("int32")),
        "kind": Value("string"),
        "translation": Translation(languages=["id", "en"]),
        "mt": Value("string"),
        "bead_type": Value("string"),
        "align_score": Value("float64"),
        "needs_review": Value("bool"),
        "review_status": Value("string"),
        "reviewed_translation": Value("string"),
        "reviewer": Value("string"),
        "reviewed_at": Value("string"),
        "flags_before_review": List(Value("string")),
        "needs_review_before_review": Value("bool"),
    }
    if checks:
        feats["scores"] = {name: Value("float64") for name in checks}
    feats["mt_logprob"] = Value("float64")
    # The current decision's notes (bitext.review.typology): for quality-estimation training.
    feats["errors"] = [{"category": Value("string"), "severity": Value("string")}]
    feats["review_reason"] = Value("string")
    return Features(feats)


def article_features() -> datasets.Features:
    """One row per article: where it came from (the ``articles`` config)."""
    from datasets import Features, Value

    return Features({
        "doc_id": Value("string"),
        "title": Value("string"),
        "url": Value("string"),
        "date": Value("string"),
        "source": Value("string"),
        "source_license": Value("string"),
        "source_path": Value("string"),
        "dateline": Value("string"),
        "segmenter": Value("string"),
        "pairs_mt": Value("int32"),
        "pairs_reference": Value("int32"),
    })


FIELD_DOCS = {
    "id": "pair id, the `id` of every bitext export: `DOC:P.S` for the bead's first Indonesian sentence (paragraph P,"
          " sentence S), `+P.S` per further one, `ref-` before them on `reference` rows, `DOC:tN` for English"
          " sentence N with no Indonesian. The same in every publish while the article's alignment keeps the"
          " bead; re-aligning can merge or split beads (and re-segmenting renumbers sentences), which gives new ids",
    "doc_id": "article the pair comes from (a row of the `articles` config)",
    "para_idx": "paragraph index of the pair's first Indonesian sentence (null for 0-1 beads)",
    "sent_idx": "sentence index within that paragraph",
    "tgt_idx": "indices of the bead's English sentences in the article's English side (MT or reference)",
    "kind": "`mt`: Indonesian vs. machine translation; `reference`: vs. a human translation",
    "translation": "`{id, en}`; `en` is the reviewer's text when a reviewer accepted or edited the pair",
    "mt": "machine translation of the Indonesian text (for `reference` rows: the MT used to align)",
    "bead_type": "alignment bead (`1-1`, `1-2`, `2-1`, `2-2`, `1-0`, `0-1`, `3-1`, `1-3`; `1-n`: a translation of n sentences)",
    "align_score": "alignment score of the bead",
    "needs_review": "after review: a warning/error check fired and no reviewer has decided on the pair yet",
    "review_status": "`accepted`, `edited`, `rejected` or `pending`",
    "reviewed_translation": "text the reviewer approved or wrote (null if not accepted/edited)",
    "reviewer": "who made the review decision",
    "reviewed_at": "when (ISO 8601, UTC)",
    "flags_before_review": "checks that fired on the pair (any severity), as computed before review",
    "needs_review_before_review": "a warning/error check fired (before any review decision)",
    "scores": "per-check scores (struct, one nullable float per check)",
    "mt_logprob": "model confidence: token-weighted mean length-normalised log-probability of the MT (≤ 0)",
    "errors": "MQM-style errors the reviewer annotated on the current decision, in the English as it was shown"
              " (the MT, or the reference): `{category, severity}` with category `accuracy/mistranslation`,"
              " `accuracy/omission`, `accuracy/addition`, `fluency`, `terminology`, `style` or `locale` and severity"
              " `minor`, `major` or `critical`; empty when none was annotated (not: no error)",
    "review_reason": "why a reviewer accepted a flagged pair without editing it (null otherwise)",
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
    if isinstance(feature, list):  # a list of structs
        return f"list of struct({', '.join(feature[0])})"
    inner = getattr(feature, "feature", None)
    return f"list of {getattr(inner, 'dtype', 'string')}"
