"""Reviewer statistics for the stats page: pace, share edited, edit distance to the MT, agreement.

Read from ``reviews`` (carried and propagated rows are the machine's doing and are left out, as are
undos). The edit distance is sacrebleu's chrF of the reviewer's English against the MT (100: left as
the MT). Time per decision is the gap to the same reviewer's previous decision, gaps over
:data:`IDLE` counted as a break, not as work.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime

from bitext.model import DECISIONS, EDITED
from bitext.review.schema import ensure_schema
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
    agreed: int = 0  # of those, every reviewer's newest decision has the same status

    @property
    def agreement(self) -> float | None:
        return self.agreed / self.double_reviewed if self.double_reviewed else None


def _time(at: str) -> datetime | None:
    try:
        return datetime.fromisoformat(at)
    except (TypeError, ValueError):
        return None


def review_stats(store: Store) -> ReviewStats:
    """The numbers of the stats page (one pass over the people's decisions)."""
    from sacrebleu.metrics import CHRF

    ensure_schema(store)
    chrf = CHRF()
    rows = store.conn.execute(
        "SELECT r.id, r.pair_id, r.reviewer, r.at, r.status, r.after, p.mt FROM reviews r"
        " LEFT JOIN pairs p ON p.id = r.pair_id"
        " WHERE r.status IN (" + ",".join("?" * len(DECISIONS)) + ")"
        " AND r.id NOT IN (SELECT carried_to FROM review_carried)"
        " AND r.id NOT IN (SELECT review_id FROM review_propagated)"
        " ORDER BY r.reviewer, r.id", DECISIONS).fetchall()
    by: dict[str, ReviewerStats] = {}
    last_at: dict[str, datetime] = {}
    per_pair: dict[str, dict[str, str]] = {}
    for r in rows:
        st = by.setdefault(r["reviewer"], ReviewerStats(r["reviewer"]))
        st.decisions += 1
        at = _time(r["at"])
        prev = last_at.get(r["reviewer"])
        if at is not None and prev is not None and 0 < (at - prev).total_seconds() <= IDLE:
            st.seconds.append((at - prev).total_seconds())
        if at is not None:
            last_at[r["reviewer"]] = at
        if r["status"] == EDITED:
            st.edited += 1
            if r["mt"] and r["after"]:
                st.chrf.append(chrf.sentence_score(r["after"], [r["mt"]]).score)
        per_pair.setdefault(r["pair_id"], {})[r["reviewer"]] = r["status"]  # newest per reviewer (id order)
    double = [d for d in per_pair.values() if len(d) >= 2]
    agreed = sum(1 for d in double if len(set(d.values())) == 1)
    return ReviewStats(sorted(by.values(), key=lambda s: -s.decisions), len(double), agreed)
