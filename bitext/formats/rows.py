"""The published row: what one pair looks like in the dataset and in JSON Lines (one definition).

The row says the state **after** review: ``needs_review`` is true only for a pair whose flags call for a
look and that no reviewer has decided on yet; the flags as computed before any review are kept under
their own names (``flags_before_review``, ``needs_review_before_review``). ``tgt_idx`` are the indices of
the English sentences of the bead (OPUS-style alignment provenance: with ``doc_id`` and the Indonesian
sentence position they rebuild the document pair).

Which rows the ``clean`` config holds is defined here too (:class:`CleanRule`), so ``bitext publish`` and
``bitext export --only-clean`` select the same rows: :attr:`PairRecord.clean` (checked, not rejected,
no unresolved flag), both sides non-blank (a 1-0 or 0-1 bead teaches a model nothing), and the
cross-kind duplicates rule (:func:`find_duplicates`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from operator import attrgetter

from bitext.errors import BitextError
from bitext.model import DECISIONS, KIND_MT, KIND_REFERENCE
from bitext.records import PairRecord, pair_records
from bitext.store import Store

DUPLICATE_RULES = ("prefer-reference", "prefer-mt", "keep-both")
"""What ``clean`` does with an Indonesian sentence that has a clean ``mt`` and a clean ``reference`` row:
keep the human reference (default), keep the MT row, or keep both."""


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
    "errors": lambda rec: [{"category": c, "severity": s} for c, s in rec.errors],
    "review_reason": attrgetter("review_reason"),
}


def published_row(rec: PairRecord) -> dict[str, object]:
    """The row of the dataset's features, in order (:data:`ROW_FIELDS`)."""
    return {name: get(rec) for name, get in ROW_FIELDS.items()}


def has_both_sides(rec: PairRecord) -> bool:
    """Both the Indonesian and the English are non-blank (what MT training can use)."""
    return bool(rec.source.strip() and rec.target.strip())


def clean_candidate(rec: PairRecord) -> bool:
    """In ``clean`` before the duplicates rule: :attr:`PairRecord.clean` and both sides non-blank."""
    return rec.clean and has_both_sides(rec)


@dataclass(frozen=True)
class Duplicates:
    """Indonesian sentences with both an ``mt`` and a ``reference`` row, and what ``clean`` drops."""

    rule: str
    sentences: int  # Indonesian texts that have rows of both kinds
    rows: Counter[str]  # rows of those texts, per kind
    dropped: frozenset[str]  # ids of clean pairs left out of ``clean`` by the rule


def find_duplicates(store: Store, rule: str = "prefer-reference") -> Duplicates:
    """The cross-kind duplicates of ``store`` and the rows ``rule`` (:data:`DUPLICATE_RULES`) drops from
    ``clean``: a row is dropped only when a row of the preferred kind with the same text is itself in
    ``clean`` (:func:`clean_candidate`)."""
    if rule not in DUPLICATE_RULES:
        raise BitextError(f"--duplicates {rule!r}: choose from {', '.join(DUPLICATE_RULES)}", exit_code=2)
    rows = store.conn.execute(
        "SELECT p.id, p.kind, trim(p.source) FROM pairs p JOIN ("
        "  SELECT trim(source) AS src FROM pairs WHERE trim(source) != '' AND kind IN (?, ?)"
        "  GROUP BY trim(source) HAVING COUNT(DISTINCT kind) = 2) d ON trim(p.source) = d.src"
        " WHERE p.kind IN (?, ?) ORDER BY p.id", (KIND_MT, KIND_REFERENCE, KIND_MT, KIND_REFERENCE),
    ).fetchall()
    texts = {r[2] for r in rows}
    per_kind = Counter(r[1] for r in rows)
    dropped: set[str] = set()
    if rule != "keep-both" and rows:
        keep_kind, drop_kind = (KIND_REFERENCE, KIND_MT) if rule == "prefer-reference" else (KIND_MT, KIND_REFERENCE)
        with store.snapshot() as conn:
            recs = [r for r in pair_records(conn, [r[0] for r in rows]) if clean_candidate(r)]
        kept_texts = {rec.source.strip() for rec in recs if rec.kind == keep_kind}
        dropped = {rec.id for rec in recs if rec.kind == drop_kind and rec.source.strip() in kept_texts}
    return Duplicates(rule, len(texts), per_kind, frozenset(dropped))


@dataclass(frozen=True)
class CleanRule:
    """The ``clean`` config's selection: :func:`clean_candidate` minus the rows the duplicates rule drops."""

    duplicates: Duplicates

    @classmethod
    def of(cls, store: Store, rule: str = "prefer-reference") -> CleanRule:
        """The rule for ``store`` with the duplicates rule ``rule``."""
        return cls(find_duplicates(store, rule))

    def __call__(self, rec: PairRecord) -> bool:
        return clean_candidate(rec) and rec.id not in self.duplicates.dropped

    def select(self, records: Iterable[PairRecord]) -> Iterator[PairRecord]:
        """The records of ``records`` in ``clean``."""
        return filter(self, records)
