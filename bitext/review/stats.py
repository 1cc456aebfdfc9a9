"""Reviewer statistics for the stats page: pace, share edited, edit distance to the MT, agreement.

Read from ``reviews`` (carried and propagated rows are the machine's doing and are left out, as are
undos). The edit distance is sacrebleu's chrF of the reviewer's English against the MT it edited (100:
left as the MT), for pairs whose English was the MT only (an edit of a human reference is not an MT edit). Time per decision is the gap to the same reviewer's previous decision, gaps over
:data:`IDLE` counted as a break, not as work.
"""

from __future__ import annotations

import functools
import statistics
import threading
from dataclasses import dataclass, field
from datetime import datetime

from bitext.model import APPROVED, DECISIONS, EDITED, KIND_REFERENCE, PENDING
from bitext.review import index
from bitext.review.schema import ensure_schema
from bitext.review.worklist import queue_count
from bitext.store import Store

IDLE = 600.0
"""Seconds between two decisions above which the reviewer is taken to have paused."""


@dataclass
class ReviewerStats:
    """One reviewer's numbers."""

    reviewer: str
    decisions: int = 0
    edited: int = 0
    seconds: list[float] = field(default_factory=list)  # time per decision (gaps under IDLE)
    chrf: list[float] = field(default_factory=list)  # chrF of each edit against the MT

    @property
    def share_edited(self) -> float:
        return self.edited / self.decisions if self.decisions else 0.0

    @property
    def per_hour(self) -> float | None:
        """Decisions per hour of work (None: too few timed decisions)."""
        return 3600 * len(self.seconds) / sum(self.seconds) if self.seconds and sum(self.seconds) > 0 else None

    @property
    def median_seconds(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None

    @property
    def mean_chrf(self) -> float | None:
        return statistics.fmean(self.chrf) if self.chrf else None


@dataclass
class ReviewStats:
    """Per reviewer, and agreement on pairs that two people decided."""

    reviewers: list[ReviewerStats]
    double_reviewed: int = 0  # pairs with decisions by two or more reviewers
    agreed: int = 0  # of those, every reviewer's newest decision wants the same (rejected, or approved English)

    @property
    def agreement(self) -> float | None:
        return self.agreed / self.double_reviewed if self.double_reviewed else None


def _time(at: str) -> datetime | None:
    try:
        return datetime.fromisoformat(at)
    except (TypeError, ValueError):
        return None


_scorers = threading.local()


@functools.lru_cache(maxsize=1 << 16)
def edit_chrf(after: str, base: str) -> float:
    """sacrebleu's sentence chrF of an edit against the English it edited; memoized (a pure function of the
    two strings), so a recount of the stats page after a new decision does not rescore every edit."""
    scorer = getattr(_scorers, "chrf", None)
    if scorer is None:  # one per thread: a scorer object is not documented as thread-safe
        from sacrebleu.metrics import CHRF

        scorer = _scorers.chrf = CHRF()
    return float(scorer.sentence_score(after, [base]).score)


def review_stats(store: Store) -> ReviewStats:
    """The numbers of the stats page (one pass over the people's decisions)."""
    ensure_schema(store)
    cur = store.conn.cursor()
    cur.row_factory = None  # plain tuples: 20k decisions at 200k pairs
    # The pair's MT and kind are read for edits only (the chrF below): a lookup into the wide pairs rows
    # for every decision was a third of this query.
    rows = cur.execute(
        "SELECT r.pair_id, r.reviewer, r.at, r.status, r.after, r.pair_target,"
        f" CASE WHEN r.status = '{EDITED}' THEN (SELECT p.mt FROM pairs p WHERE p.id = r.pair_id) END,"
        f" CASE WHEN r.status = '{EDITED}' THEN (SELECT p.kind FROM pairs p WHERE p.id = r.pair_id) END"
        " FROM reviews r WHERE r.status IN (" + ",".join("?" * len(DECISIONS)) + ")"
        " AND r.id NOT IN (SELECT carried_to FROM review_carried)"
        " AND r.id NOT IN (SELECT review_id FROM review_propagated)"
        " ORDER BY r.reviewer, r.id", DECISIONS).fetchall()
    by: dict[str, ReviewerStats] = {}
    last_at: dict[str, datetime] = {}
    per_pair: dict[str, dict[str, tuple]] = {}
    for pair_id, reviewer, at_text, status, after, pair_target, mt, kind in rows:
        st = by.get(reviewer) or by.setdefault(reviewer, ReviewerStats(reviewer))
        st.decisions += 1
        at = _time(at_text)
        prev = last_at.get(reviewer)
        if at is not None and prev is not None and 0 < (at - prev).total_seconds() <= IDLE:
            st.seconds.append((at - prev).total_seconds())
        if at is not None:
            last_at[reviewer] = at
        if status == EDITED:
            st.edited += 1
            # chrF to the MT only where the English the reviewer edited was the MT (not a human reference).
            base = pair_target if pair_target else mt
            if kind != KIND_REFERENCE and base and after:
                st.chrf.append(edit_chrf(after, base))
        # What each reviewer wants for the pair, newest per reviewer (id order): accepting another's edit
        # (the same English) agrees with it.
        outcome = (status,) if status not in APPROVED else ("approved", after)
        per_pair.setdefault(pair_id, {})[reviewer] = outcome
    double = [d for d in per_pair.values() if len(d) >= 2]
    agreed = sum(1 for d in double if len(set(d.values())) == 1)
    return ReviewStats(sorted(by.values(), key=lambda s: -s.decisions), len(double), agreed)


@dataclass(frozen=True)
class ArticleProgress:
    """One article's progress and who holds it."""

    article_id: str
    pairs: int
    decided: int
    holders: tuple[tuple[str, str, bool], ...]  # (person, lease expiry, double review)

    @property
    def pending(self) -> int:
        return self.pairs - self.decided


@dataclass(frozen=True)
class PersonProgress:
    """One team member's share: articles held, pairs left in them, decisions made."""

    name: str
    role: str
    articles: tuple[str, ...]
    left: int
    decisions: int


def article_progress(store: Store, limit: int = 200,
                     rows: list[tuple[str, int, int]] | None = None) -> list[ArticleProgress]:
    """Per article: pairs, decided, and who holds it; held articles first, then those with work left, at
    most ``limit`` (a whole corpus' articles do not fit one page). One pass over the state table, or
    ``rows`` (:func:`article_rows`, e.g. cached) with the live leases."""
    from bitext.review.people import leases

    held: dict[str, list[tuple[str, str, bool]]] = {}
    rows = article_rows(store) if rows is None else rows
    for lease in leases(store):
        held.setdefault(lease.article_id, []).append((lease.reviewer, lease.expires, lease.double))
    out = [ArticleProgress(a, n, d or 0, tuple(held.get(a, ()))) for a, n, d in rows]
    out.sort(key=lambda p: (not p.holders, p.pending == 0, p.article_id))
    return out[:limit]


def article_rows(store: Store) -> list[tuple[str, int, int]]:
    """(article, pairs, decided) per article with pairs: the part of :func:`article_progress` that depends
    on the stored data only (not on the clock that expires leases), so the stats page can cache it."""
    ensure_schema(store)
    if index.has_index(store):  # the per-article tallies: a row per article and status, not one per pair
        rows = store.conn.execute(
            "SELECT article_id, SUM(n), SUM(CASE WHEN status != 'pending' THEN n ELSE 0 END) FROM review_index_tally"
            " WHERE facet = ? AND article_id != ? GROUP BY article_id HAVING SUM(n) > 0",
            (index.ALL, index.TOTAL)).fetchall()
    else:
        rows = store.conn.execute("SELECT article_id, COUNT(*), SUM(status != 'pending') FROM review_pair_state"
                                  " GROUP BY article_id").fetchall()
    return [(a, n, d or 0) for a, n, d in rows]


def person_progress(store: Store, stats: ReviewStats | None = None) -> list[PersonProgress]:
    """Per team member: the articles they hold now, the pending pairs left in them, and their decisions."""
    from bitext.review.people import my_articles, people

    stats = stats or review_stats(store)
    made = {r.reviewer: r.decisions for r in stats.reviewers}
    out = []
    for who in people(store):
        arts = tuple(lease.article_id for lease in my_articles(store, who.name))
        left = sum(queue_count(store, article=a, status=PENDING) for a in arts)
        out.append(PersonProgress(who.name, who.role, arts, left, made.get(who.name, 0)))
    return out
