"""Reviews follow their content when re-segmentation or re-alignment gives pairs new ids."""

from __future__ import annotations

import sqlite3

from bitext.model import DECISIONS, KIND_MT, KIND_REFERENCE
from bitext.review.state import review_applies, seen_target
from bitext.store import Store, utcnow

CARRY_COMMENT = "carried over from {old} after re-alignment"


def _kind_of(pair_id: str) -> str:
    """'reference' or 'mt' from a pair id (reference ids have ``ref-`` after the article id's colon)."""
    return KIND_REFERENCE if pair_id.rsplit(":", 1)[-1].startswith("ref-") else KIND_MT


def carry_reviews(store: Store, article_id: str) -> int:
    """Let reviews follow their content after an article's pairs were (re)inserted; returns rows added.

    Pair ids are positions, so after re-segmentation or re-alignment an unchanged sentence may have a
    new id. For each pair of the article without an applying review, the newest decisive review
    (accepted/edited/rejected; the newest row of its pair id) of the same article and kind that no
    longer applies to its own pair id, and whose content matches (same source; for a 0-1 bead the same
    aligned English) is copied to the pair as a new row (history stays append-only). Its ``parent_id``
    is the copied row, so one decision is carried once. Call inside the write transaction that inserted
    the pairs (it joins it).
    """
    with store.tx() as conn:
        pairs = conn.execute(
            "SELECT id, kind, source, target FROM pairs WHERE article_id = ? ORDER BY kind, bead_idx", (article_id,)
        ).fetchall()
        current = {p["id"]: p for p in pairs}
        prefix = f"{article_id}:"
        # Newest row of every pair id of this article; substr, not LIKE: ids may contain % or _.
        newest = conn.execute(
            "SELECT r.* FROM reviews r WHERE r.id IN (SELECT MAX(id) FROM reviews"
            " WHERE substr(pair_id, 1, ?) = ? GROUP BY pair_id)"
            " AND NOT EXISTS (SELECT 1 FROM reviews c WHERE c.parent_id = r.id AND c.pair_id != r.pair_id)"
            " ORDER BY r.id DESC",
            (len(prefix), prefix),
        ).fetchall()
        by_pair = {r["pair_id"]: r for r in newest}
        candidates: dict[tuple[str, str, str | None], list[sqlite3.Row]] = {}
        for r in newest:  # newest first
            if r["status"] not in DECISIONS or r["source"] is None:
                continue
            own = current.get(r["pair_id"])
            if own is not None and review_applies(r, own["source"], own["target"]):
                continue  # still the decision on its own pair
            base = seen_target(r) if r["source"] == "" else None
            candidates.setdefault((_kind_of(r["pair_id"]), r["source"], base), []).append(r)
        added = 0
        now = utcnow()
        for p in pairs:
            mine = by_pair.get(p["id"])
            if mine is not None and review_applies(mine, p["source"], p["target"]):
                continue
            key = (p["kind"], p["source"], p["target"] if p["source"] == "" else None)
            found = candidates.get(key)
            if not found:
                continue
            old = found.pop(0)  # the newest match; each decision is carried to one pair
            store.add_review(p["id"], old["reviewer"], old["status"], before=old["before"], after=old["after"],
                             comment=CARRY_COMMENT.format(old=old["pair_id"]), source=old["source"],
                             parent_id=old["id"], pair_target=p["target"], at=now)
            added += 1
        return added
