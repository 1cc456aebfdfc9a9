"""Merge and split in the app: join two neighbouring pairs, split a bead, move a sentence to the next pair.

Each edit is a recorded decision (``review_structure``, see :mod:`bitext.review.structure`, which also
re-makes it after a re-alignment); the decisions on the pairs it reshapes follow their sentences
(:func:`bitext.review.carry.carry_reviews`: carried, combined or stale, never lost), in the same durable
transaction as the edit.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from bitext.errors import BitextError, Conflict
from bitext.review.carry import carry_reviews
from bitext.review.decisions import durable_tx, newest_review, require_reviewer
from bitext.review.schema import ensure_schema
from bitext.review.structure import JOIN, MOVE, SPLIT, Bead, bead_of, rewrite, sentence_texts
from bitext.store import Store, utcnow

__all__ = ["restructure", "join", "split", "move", "split_points"]


def restructure(store: Store, pair_ids: Sequence[str], beads: Sequence[Bead], *, op: str, reviewer: str,
                parent_ids: dict[str, int] | None = None) -> list[str]:  # fmt: skip
    """Replace the neighbouring pairs ``pair_ids`` (one article and kind, in order) by ``beads`` holding
    the same sentences, record the edit, and place their decisions (carry); returns the new pair ids.
    ``parent_ids``: the newest review id each pair had when shown (a :class:`Conflict` if one changed)."""
    reviewer = require_reviewer(reviewer)
    ensure_schema(store)
    with durable_tx(store) as conn:
        rows = [conn.execute("SELECT * FROM pairs WHERE id = ?", (pid,)).fetchone() for pid in pair_ids]
        if any(r is None for r in rows):
            raise BitextError("a pair of this edit no longer exists (re-aligned meanwhile); reload the page")
        for pid, parent in (parent_ids or {}).items():
            current = newest_review(conn, pid)
            if (current["id"] if current is not None else 0) != parent:
                raise Conflict(f"pair {pid!r} changed since it was opened; reload it and try again", pid, current)
        aid, kind = rows[0]["article_id"], rows[0]["kind"]
        idx = [r["bead_idx"] for r in rows]
        if any(r["article_id"] != aid or r["kind"] != kind for r in rows) or idx != list(range(idx[0], idx[0] + len(idx))):
            raise BitextError("only neighbouring pairs of one article can be joined, split or moved")
        old = [bead_of(conn, r) for r in rows]
        covered = sorted(s for b in old for s in b.src_ids)
        if sorted(s for b in beads for s in b.src_ids) != covered or [t for b in beads for t in b.targets] != [
                t for b in old for t in b.targets]:
            raise BitextError("an edit must keep the same sentences and English, only regrouped")
        new_ids = rewrite(store, conn, aid, kind, idx[0], len(rows), beads)
        conn.execute("INSERT INTO review_structure(article_id, kind, op, old, beads, reviewer, at) VALUES (?,?,?,?,?,?,?)",
                     (aid, kind, op, json.dumps([b.as_json() for b in old], ensure_ascii=False),
                      json.dumps([b.as_json() for b in beads], ensure_ascii=False), reviewer, utcnow()))
        carry_reviews(store, aid)
        return new_ids


def _load(conn: sqlite3.Connection, pair_id: str) -> tuple[sqlite3.Row, Bead]:
    row = conn.execute("SELECT * FROM pairs WHERE id = ?", (pair_id,)).fetchone()
    if row is None:
        raise BitextError(f"no pair {pair_id!r}")
    return row, bead_of(conn, row)


def _next(conn: sqlite3.Connection, row: sqlite3.Row) -> sqlite3.Row:
    nxt = conn.execute("SELECT * FROM pairs WHERE article_id = ? AND kind = ? AND bead_idx = ?",
                       (row["article_id"], row["kind"], row["bead_idx"] + 1)).fetchone()
    if nxt is None:
        raise BitextError(f"pair {row['id']!r} is the last of its article: nothing to join or move it to")
    return nxt


def _mt(*beads: Bead) -> str | None:
    parts = [b.mt for b in beads if b.mt]
    return " ".join(parts) if parts else None


def join(store: Store, pair_id: str, *, reviewer: str, parent_ids: dict[str, int] | None = None) -> str:
    """Join a pair with the next pair of its article into one bead; returns the new pair id."""
    ensure_schema(store)
    row, a = _load(store.conn, pair_id)
    nxt = _next(store.conn, row)
    b = bead_of(store.conn, nxt)
    bead = Bead(a.src_ids + b.src_ids, a.tgt_idx + b.tgt_idx, a.sources + b.sources, a.targets + b.targets, _mt(a, b))
    return restructure(store, [row["id"], nxt["id"]], [bead], op=JOIN, reviewer=reviewer, parent_ids=parent_ids)[0]


def split_points(store: Store, pair_id: str) -> tuple[list[str], list[str]]:
    """The Indonesian sentences and English sentences of a pair (a split goes between two of them)."""
    _, bead = _load(store.conn, pair_id)
    return list(bead.sources), list(bead.targets)


def split(store: Store, pair_id: str, src_at: int, tgt_at: int, *, reviewer: str,
          parent_ids: dict[str, int] | None = None) -> list[str]:  # fmt: skip
    """Split a bead in two: the first ``src_at`` Indonesian and ``tgt_at`` English sentences, then the
    rest (each part keeps at least one sentence); returns the two new pair ids."""
    ensure_schema(store)
    row, b = _load(store.conn, pair_id)
    if not (0 <= src_at <= len(b.src_ids) and 0 <= tgt_at <= len(b.tgt_idx)) or (src_at + tgt_at == 0) or (
            src_at == len(b.src_ids) and tgt_at == len(b.tgt_idx)):
        raise BitextError(f"pair {pair_id!r}: cannot split after {src_at} Indonesian and {tgt_at} English sentences")
    mt = _texts_mt(store.conn, b.src_ids[:src_at]), _texts_mt(store.conn, b.src_ids[src_at:])
    first = Bead(b.src_ids[:src_at], b.tgt_idx[:tgt_at], b.sources[:src_at], b.targets[:tgt_at], mt[0])
    second = Bead(b.src_ids[src_at:], b.tgt_idx[tgt_at:], b.sources[src_at:], b.targets[tgt_at:], mt[1])
    return restructure(store, [row["id"]], [first, second], op=SPLIT, reviewer=reviewer, parent_ids=parent_ids)


def _texts_mt(conn: sqlite3.Connection, src_ids: Sequence[str]) -> str | None:
    """The machine translation of these sentences under the corpus' translate signature, if stored."""
    if not src_ids:
        return None
    texts = sentence_texts(conn, src_ids)
    sig = conn.execute("SELECT value FROM meta WHERE key = 'translate.signature'").fetchone()
    if sig is None:
        return None
    out = []
    for s in src_ids:
        r = conn.execute("SELECT text FROM translations WHERE signature = ? AND source = ?",
                         (sig[0], texts.get(s, ""))).fetchone()
        if r is None:
            return None
        out.append(r[0])
    return " ".join(out)


def move(store: Store, pair_id: str, *, forward: bool, reviewer: str,
         parent_ids: dict[str, int] | None = None) -> list[str]:  # fmt: skip
    """Move one Indonesian sentence between a pair and the next: its last one to the next pair
    (``forward``) or the next pair's first one to it. The English stays; returns the two new pair ids."""
    ensure_schema(store)
    row, a = _load(store.conn, pair_id)
    nxt = _next(store.conn, row)
    b = bead_of(store.conn, nxt)
    if forward:
        if not a.src_ids:
            raise BitextError(f"pair {pair_id!r} has no Indonesian sentence to move")
        a2 = Bead(a.src_ids[:-1], a.tgt_idx, a.sources[:-1], a.targets, None)
        b2 = Bead(a.src_ids[-1:] + b.src_ids, b.tgt_idx, a.sources[-1:] + b.sources, b.targets, None)
    else:
        if not b.src_ids:
            raise BitextError(f"pair {nxt['id']!r} has no Indonesian sentence to move")
        a2 = Bead(a.src_ids + b.src_ids[:1], a.tgt_idx, a.sources + b.sources[:1], a.targets, None)
        b2 = Bead(b.src_ids[1:], b.tgt_idx, b.sources[1:], b.targets, None)
    if not (a2.src_ids or a2.tgt_idx) or not (b2.src_ids or b2.tgt_idx):
        raise BitextError("a move may not leave an empty pair; join the pairs instead")
    a2 = Bead(a2.src_ids, a2.tgt_idx, a2.sources, a2.targets, _texts_mt(store.conn, a2.src_ids))
    b2 = Bead(b2.src_ids, b2.tgt_idx, b2.sources, b2.targets, _texts_mt(store.conn, b2.src_ids))
    return restructure(store, [row["id"], nxt["id"]], [a2, b2], op=MOVE, reviewer=reviewer, parent_ids=parent_ids)
