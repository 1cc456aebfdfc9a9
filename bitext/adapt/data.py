"""Which pairs an adaptation trains and measures on.

*Trusted* pairs are those whose English a person stands behind: pairs a reviewer accepted or edited
(the English is the reviewer's, as :func:`bitext.review.state.review_state` decides through the read
model, and also where re-translation made the decision stale but the Indonesian is the one decided:
:func:`trusted_pairs`) and clean human-reference pairs (``kind`` reference, :attr:`bitext.records.PairRecord.clean`).
They are split by article with the published dataset's rule (:func:`bitext.publish.selection.assign_splits`,
same seed, same groups): pairs of ``train`` articles are trained on, pairs of ``validation``/``test``
articles are *held out*, so an adapted model is never trained on text the published test split holds.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import Counter
from dataclasses import dataclass, field, replace

from bitext.errors import BitextError
from bitext.model import APPROVED, KIND_REFERENCE, PENDING, MetaKey
from bitext.publish.selection import SPLIT_SEED, SplitSizes, assign_splits
from bitext.records import iter_pairs
from bitext.review.state import newest_reviews
from bitext.store import Store

ON_CHOICES = ("held-out", "reviewed", "references")
"""Pair sets :func:`select` knows: held-out trusted pairs, every reviewed (approved) pair, every clean reference."""


@dataclass(frozen=True)
class TrustedPair:
    """One pair to train or measure on: the Indonesian and the English a person stands behind."""

    pair_id: str
    article_id: str
    source: str
    target: str
    origin: str  # 'accepted' | 'edited' | 'reference'


@dataclass(frozen=True)
class AdaptData:
    """The trusted pairs of a corpus split into train and held-out, and what identifies them."""

    train: list[TrustedPair]
    heldout: list[TrustedPair]
    corpus_id: str | None
    split_note: str | None = None
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # 'train'/'heldout' -> origin -> pairs

    @property
    def signature(self) -> str:
        """sha256 (16 hex) over the train and held-out pairs (ids and both texts): changes when the data do."""
        h = hashlib.sha256()
        for name, pairs in (("train", self.train), ("heldout", self.heldout)):
            h.update(name.encode() + b"\0")
            for p in pairs:
                h.update(f"{p.pair_id}\0{p.source}\0{p.target}\0".encode())
        return h.hexdigest()[:16]


def _decided_english(review: sqlite3.Row) -> str:
    """The English a reviewer accepted or edited in ``review``: ``after`` (an accept records the English it
    accepted there), else what they saw (older rows)."""
    for key in ("after", "before", "pair_target"):
        if key in review.keys() and review[key] is not None:
            return str(review[key])
    return ""


def trusted_pairs(store: Store) -> list[TrustedPair]:
    """Every trusted pair of ``store`` in corpus order (see the module docstring); pairs with an empty side
    are left out (nothing to learn from them).

    A decision made stale by re-translation (the MT English changed under it: the pair is pending again in
    review) still holds a person's English for the Indonesian they saw: while the pair's Indonesian is the
    one decided, its accept or edit is trusted with the English the reviewer decided, not the new MT."""
    # A stale pair waits as (pair, what it is without its decision: a clean reference or None) until its
    # newest review is read, in one query for all of them.
    entries: list[TrustedPair | tuple[TrustedPair, TrustedPair | None]] = []
    for rec in iter_pairs(store, findings=False):
        reference = TrustedPair(rec.id, rec.doc_id, rec.source, rec.target, KIND_REFERENCE)
        if rec.review_status in APPROVED:
            entries.append(TrustedPair(rec.id, rec.doc_id, rec.source, rec.target, rec.review_status))
        elif rec.review_stale and rec.review_status == PENDING:
            entries.append((reference, reference if rec.kind == KIND_REFERENCE and rec.clean else None))
        elif rec.kind == KIND_REFERENCE and rec.clean:
            entries.append(reference)
    stale = newest_reviews(store.conn, [e[0].pair_id for e in entries if isinstance(e, tuple)])
    out = []
    for e in entries:
        if isinstance(e, tuple):
            pair, fallback = e
            review = stale.get(pair.pair_id)
            if review is not None and review["status"] in APPROVED and review["source"] == pair.source:
                e = replace(pair, target=_decided_english(review), origin=review["status"])
            elif fallback is not None:
                e = fallback
            else:
                continue  # undone, rejected, or decided on other Indonesian
        if e.source.strip() and e.target.strip():
            out.append(e)
    return out


def adapt_data(store: Store, sizes: SplitSizes | None = None) -> AdaptData:
    """The trusted pairs of ``store`` split into train and held-out by the dataset splits' rule.

    One-line :class:`BitextError` when the corpus has no held-out trusted pairs (too few article groups
    to split: ``--splits`` splits anyway) or nothing to train on."""
    sizes = sizes or SplitSizes()
    pairs = trusted_pairs(store)
    where = store.path.parent
    if not pairs:
        raise BitextError(f"{where}: no trusted pairs to adapt on (none accepted or edited in review, no clean"
                          " reference pairs): review some pairs first ('bitext review')", 1)
    plan = assign_splits(store, sizes, SPLIT_SEED)
    train = [p for p in pairs if plan.split_of.get(p.article_id, "train") == "train"]
    heldout = [p for p in pairs if plan.split_of.get(p.article_id, "train") != "train"]
    if not heldout:
        why = plan.note or "no trusted pairs in the validation and test articles"
        raise BitextError(f"{where}: no held-out trusted pairs to measure the adapted model on ({why}); review"
                          " pairs in more articles, or pass --splits 80,10,10 to split a small corpus anyway", 1)
    if not train:
        raise BitextError(f"{where}: every trusted pair is in a held-out article; nothing to train on", 1)
    corpus_id = store.get_meta(MetaKey.CORPUS_ID)
    return AdaptData(train, heldout, corpus_id, plan.note,
                     {name: dict(Counter(p.origin for p in part)) for name, part in (("train", train), ("heldout", heldout))})


def select(store: Store, on: str, sizes: SplitSizes | None = None) -> list[TrustedPair]:
    """The pairs ``bitext compare --on`` names: 'held-out' (trusted pairs of held-out articles), 'reviewed'
    (every accepted or edited pair) or 'references' (every clean reference pair)."""
    if on == "held-out":
        return adapt_data(store, sizes).heldout
    if on not in ON_CHOICES:
        raise BitextError(f"--on {on}: expected one of {', '.join(ON_CHOICES)}", 2)
    want = APPROVED if on == "reviewed" else (KIND_REFERENCE,)
    pairs = [p for p in trusted_pairs(store) if p.origin in want]
    if not pairs:
        raise BitextError(f"{store.path.parent}: no {on} pairs to compare on", 1)
    return pairs
