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

import heapq
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter, itemgetter

from bitext.errors import BitextError
from bitext.model import DECISIONS, KIND_MT, KIND_REFERENCE
from bitext.records import PairRecord, pair_records, tuple_rows
from bitext.store import Store, store_list

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


SharedRow = tuple[str, int, str, str, str]
"""A row of :func:`shared_texts`: (trimmed Indonesian, store index, article id, kind, pair id)."""


def shared_texts(stores: Store | Sequence[Store]) -> Iterator[list[SharedRow]]:
    """The rows of every Indonesian text (SQL ``trim``, non-blank) that more than one article or more than
    one kind of row has, over all ``stores`` (the shards of one corpus): one sort per store and a streamed
    merge, so texts shared across stores are found without holding the corpus's texts in memory. What the
    split groups (:func:`bitext.publish.selection.assign_splits`) and the duplicates rule
    (:func:`find_duplicates`) are made of; one scan serves both."""
    stores = store_list(stores)
    streams = [tuple_rows(store.conn,
        "SELECT trim(source) AS t, ?, article_id, kind, id FROM pairs WHERE t != '' ORDER BY t, article_id, kind, id",
        (i,)) for i, store in enumerate(stores)]
    merged = streams[0] if len(streams) == 1 else heapq.merge(*streams)  # (text, store, ...): stores' order breaks ties
    for _, group in groupby(merged, itemgetter(0)):
        rows = list(group)
        if len(rows) > 1 and (len({r[2] for r in rows}) > 1 or len({r[3] for r in rows}) > 1):
            yield rows


def find_duplicates(stores: Store | Sequence[Store], rule: str = "prefer-reference",
                    shared: Iterable[list[SharedRow]] | None = None) -> Duplicates:
    """The cross-kind duplicates of ``stores`` (one store, or the shards of one corpus: duplicates across
    shards count) and the rows ``rule`` (:data:`DUPLICATE_RULES`) drops from ``clean``: a row is dropped
    only when a row of the preferred kind with the same text is itself in ``clean``
    (:func:`clean_candidate`). ``shared``: :func:`shared_texts` of the stores, when already read."""
    if rule not in DUPLICATE_RULES:
        raise BitextError(f"--duplicates {rule!r}: choose from {', '.join(DUPLICATE_RULES)}", exit_code=2)
    stores = store_list(stores)
    texts = 0
    per_kind: Counter[str] = Counter()
    ids: dict[int, list[str]] = {}  # store index -> ids of the rows of duplicated texts
    for rows in shared_texts(stores) if shared is None else shared:
        both = [r for r in rows if r[3] in _DUPLICATE_KINDS]
        if len({r[3] for r in both}) < 2:
            continue
        texts += 1
        per_kind.update(r[3] for r in both)
        for r in both:
            ids.setdefault(r[1], []).append(r[4])
    dropped: set[str] = set()
    if rule != "keep-both" and ids:
        keep_kind, drop_kind = (KIND_REFERENCE, KIND_MT) if rule == "prefer-reference" else (KIND_MT, KIND_REFERENCE)
        recs = []
        for i, pair_ids in sorted(ids.items()):
            with stores[i].snapshot() as conn:
                recs += [r for r in pair_records(conn, sorted(pair_ids)) if clean_candidate(r)]
        kept_texts = {rec.source.strip() for rec in recs if rec.kind == keep_kind}
        dropped = {rec.id for rec in recs if rec.kind == drop_kind and rec.source.strip() in kept_texts}
    return Duplicates(rule, texts, per_kind, frozenset(dropped))


_DUPLICATE_KINDS = (KIND_MT, KIND_REFERENCE)


@dataclass(frozen=True)
class CleanRule:
    """The ``clean`` config's selection: :func:`clean_candidate` minus the rows the duplicates rule drops."""

    duplicates: Duplicates

    @classmethod
    def of(cls, stores: Store | Sequence[Store], rule: str = "prefer-reference",
           shared: Iterable[list[SharedRow]] | None = None) -> CleanRule:
        """The rule for ``stores`` (one store or the shards of one corpus) with the duplicates rule ``rule``
        (``shared``: as for :func:`find_duplicates`)."""
        return cls(find_duplicates(stores, rule, shared))

    def __call__(self, rec: PairRecord) -> bool:
        return clean_candidate(rec) and rec.id not in self.duplicates.dropped

    def select(self, records: Iterable[PairRecord]) -> Iterator[PairRecord]:
        """The records of ``records`` in ``clean``."""
        return filter(self, records)
