"""Review decisions: accept, edit, reject and undo, appended durably with optimistic locking.

The table ``reviews`` is never updated or deleted from: every decision appends one row and the newest
row of a pair is its state (:mod:`bitext.review.state`). A caller that showed a pair to a person
passes the id of the newest review row it showed as ``parent_id`` (``0`` when the pair had no review
yet). The check runs inside the write transaction, so of two reviewers saving the same pair the second
gets :class:`~bitext.errors.Conflict` instead of silently overwriting the first. ``parent_id=None``
skips the check (scripts, notebooks).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from bitext.errors import BitextError, Conflict
from bitext.model import ACCEPTED, DECISIONS, EDITED, PENDING, REJECTED
from bitext.review.schema import ensure_schema
from bitext.review.state import clean_text, newest_reviews, review_applies, review_state, text_hash
from bitext.store import Store

MAX_TEXT = 5000
"""Longest English or comment a decision may carry (characters); longer is refused with a clear line."""

__all__ = [
    "decide", "undo", "durable_tx", "newest_review", "current_english", "current_status", "require_reviewer",
    "append_review", "seen_marker", "MAX_TEXT", "propagate", "undo_propagation", "PROPAGATED_COMMENT",
]  # fmt: skip


@contextmanager
def durable_tx(store: Store) -> Iterator[sqlite3.Connection]:
    """A write transaction whose COMMIT is fsynced (synchronous=FULL): once a reviewer is told
    "saved", a power cut or a killed server cannot take it back."""
    conn = store.conn
    if conn.in_transaction:  # joined an outer transaction: its owner decides durability
        with store.tx() as c:
            yield c
        return
    old = conn.execute("PRAGMA synchronous").fetchone()[0]
    conn.execute("PRAGMA synchronous=FULL")
    try:
        with store.tx() as c:
            yield c
    finally:
        conn.execute(f"PRAGMA synchronous={int(old)}")


def newest_review(conn: sqlite3.Connection, pair_id: str) -> sqlite3.Row | None:
    """The newest review row of a pair (its state, see :func:`review_state`), None if it has none."""
    return newest_reviews(conn, [pair_id]).get(pair_id)


def current_english(current: sqlite3.Row | None, pair: sqlite3.Row) -> str:
    """The pair's current English (see :func:`review_state`)."""
    return review_state(pair["source"], pair["target"], current).english


def current_status(current: sqlite3.Row | None, pair: sqlite3.Row) -> str:
    """The pair's review status given its newest review row (see :func:`review_state`)."""
    return review_state(pair["source"], pair["target"], current).status


def seen_marker(source: str, target: str) -> str:
    """What a page showed of a pair (its Indonesian and aligned English), as a short hash: a decision
    carrying it is refused if re-alignment gave the pair other content meanwhile."""
    return text_hash(f"{source}\x00{target}")[:16]


def _check_length(pair_id: str, what: str, text: str | None) -> None:
    if text is not None and len(text) > MAX_TEXT:
        raise BitextError(f"pair {pair_id!r}: the {what} is {len(text):,} characters; at most {MAX_TEXT:,} are kept")


def _pair(conn: sqlite3.Connection, store: Store, pair_id: str) -> sqlite3.Row:
    row = conn.execute("SELECT id, source, target FROM pairs WHERE id = ?", (pair_id,)).fetchone()
    if row is None:
        raise BitextError(f"pair {pair_id!r}: no such pair in {store.path}")
    return row


def require_reviewer(name: str) -> str:
    """The reviewer name without surrounding space; an empty one is an error (exit code 2)."""
    name = (name or "").strip()
    if not name:
        raise BitextError("a reviewer name is required (e.g. --reviewer NAME)", exit_code=2)
    return name


def _conflict(pair_id: str, current: sqlite3.Row | None, parent_id: int) -> Conflict:
    if current is None:
        what = "its review history is gone"
    else:
        what = f"now {current['status']} by {current['reviewer']} at {current['at']} (review #{current['id']})"
    return Conflict(
        f"pair {pair_id!r} changed since it was opened (expected review #{parent_id}, {what}); "
        "reload it and decide again",
        pair_id,
        current,
    )


def append_review(
    store: Store,
    pair: sqlite3.Row,
    *,
    reviewer: str,
    status: str,
    before: str,
    after: str | None,
    comment: str | None,
    parent: int | None,
) -> int:
    """Append a decision on ``pair`` (a row with id, source, target) as seen now; returns its id."""
    return store.add_review(pair["id"], reviewer, status, before=before, after=after, comment=comment,
                            source=pair["source"], parent_id=parent, pair_target=pair["target"])


def _effective_status(status: str, text: str, before: str) -> str:
    # An accept that changes the text is an edit (never drop it); an edit that changes nothing is an accept.
    if status == ACCEPTED and text != before:
        return EDITED
    if status == EDITED and text == before:
        return ACCEPTED
    return status


def decide(
    store: Store,
    pair_id: str,
    status: str,
    *,
    reviewer: str,
    after: str | None = None,
    comment: str | None = None,
    parent_id: int | None = None,
    seen: str | None = None,
) -> int:
    """Record a decision on a pair and return the new review id (committed durably on return).

    ``status`` is 'accepted', 'edited' or 'rejected'. ``after`` is the English the reviewer wants
    (default: the current English); it is cleaned with :func:`clean_text`. An 'accepted' decision whose
    text differs from the current English is stored as 'edited' (the edit is never dropped), and an
    'edited' one with unchanged text as 'accepted'. ``parent_id`` is the newest review id the reviewer
    saw (0: none); if the pair's newest row differs, :class:`Conflict` is raised and nothing is written,
    except when that newest row is this very decision already saved (a resubmitted form), whose id is
    returned. ``seen`` is :func:`seen_marker` of the pair as shown; if the pair has other content now
    (re-aligned meanwhile), :class:`Conflict` is raised.

    Every bead type can be decided: a pair without English (1-0) can be rejected, or edited by typing
    the missing English (accepting it empty is refused); a 0-1 pair (English only) can be rejected or
    accepted as an extra sentence. English and comment are limited to :data:`MAX_TEXT` characters.
    """
    if status not in DECISIONS:
        raise BitextError(f"unknown decision {status!r}; use one of {', '.join(DECISIONS)}", exit_code=2)
    reviewer = require_reviewer(reviewer)
    comment = clean_text(comment) if comment else None
    comment = comment or None
    _check_length(pair_id, "comment", comment)
    _check_length(pair_id, "English", after)
    ensure_schema(store)
    with durable_tx(store) as conn:
        pair = _pair(conn, store, pair_id)
        current = newest_review(conn, pair_id)
        if seen is not None and seen != seen_marker(pair["source"], pair["target"]):
            raise Conflict(f"pair {pair_id!r} was re-aligned since it was opened (its text changed); "
                           "reload it and decide again", pair_id, current)
        before = current_english(current, pair)
        current_id = current["id"] if current is not None else 0
        if parent_id is not None and current_id != parent_id:
            # The same form submitted twice (double click, retried POST) is already saved: not a conflict.
            if current is not None and (current["parent_id"] or 0) == parent_id and current["before"] is not None:
                seen = current["before"]
                text = seen if after is None or status == REJECTED else clean_text(after)
                if (current["reviewer"], current["status"], current["after"], current["comment"]) == (
                    reviewer, _effective_status(status, text, seen), text, comment
                ):
                    return int(current["id"])
            raise _conflict(pair_id, current, parent_id)
        text = before if after is None else clean_text(after)
        if status == REJECTED:
            text = before  # a rejection leaves the English as it was (a 1-0 pair has none)
        elif not text:
            raise BitextError(f"pair {pair_id!r}: the English is empty; type the English and save the edit, "
                              "or reject the pair")
        status = _effective_status(status, text, before)
        return append_review(
            store,
            pair,
            reviewer=reviewer,
            status=status,
            before=before,
            after=text,
            comment=comment,
            parent=current["id"] if current is not None else None,
        )


def undo(store: Store, pair_id: str, *, reviewer: str, parent_id: int | None = None) -> int:
    """Undo the newest decision of a pair by appending a row that restores the state before it.

    The restored state is the row before the newest one (status, English and comment), or 'pending'
    (``after`` NULL: the aligned target) if the newest row was the first or the row before it was made on
    other content than the pair has now (see :func:`review_applies`). Undoing an undo therefore
    redoes. Returns the new review id; raises :class:`Conflict` if ``parent_id`` is not the newest
    row and :class:`BitextError` if the pair has no review to undo.
    """
    reviewer = require_reviewer(reviewer)
    ensure_schema(store)
    with durable_tx(store) as conn:
        pair = _pair(conn, store, pair_id)
        rows = conn.execute(
            "SELECT * FROM reviews WHERE pair_id = ? ORDER BY id DESC LIMIT 2", (pair_id,)
        ).fetchall()
        if not rows:
            raise BitextError(f"pair {pair_id!r}: nothing to undo (no review yet)")
        newest = rows[0]
        if parent_id is not None and newest["id"] != parent_id:
            raise _conflict(pair_id, newest, parent_id)
        before = current_english(newest, pair)
        prev = rows[1] if len(rows) > 1 else None
        if prev is not None and not review_applies(prev, pair["source"], pair["target"]):
            prev = None  # made on other content (stale): restoring it would revive another sentence's English
        return append_review(
            store,
            pair,
            reviewer=reviewer,
            status=prev["status"] if prev is not None else PENDING,
            before=before,
            after=prev["after"] if prev is not None else None,
            comment=prev["comment"] if prev is not None else None,
            parent=newest["id"],
        )


PROPAGATED_COMMENT = "same Indonesian as {pair}: edit propagated (review #{rid})"


def propagate(store: Store, review_id: int, pair_ids: list[str], *, reviewer: str) -> list[int]:
    """Apply the English of an edit (review ``review_id``) to other pending pairs with the identical
    Indonesian: one 'edited' row per pair (recorded in ``review_propagated``, so
    :func:`undo_propagation` can take them back). Pairs that are no longer pending, or whose Indonesian
    differs, are left alone. Returns the new review ids.
    """
    reviewer = require_reviewer(reviewer)
    ensure_schema(store)
    out: list[int] = []
    with durable_tx(store) as conn:
        src = conn.execute("SELECT * FROM reviews WHERE id = ?", (review_id,)).fetchone()
        if src is None or src["status"] != EDITED or not src["after"]:
            raise BitextError(f"review #{review_id}: not an edit; nothing to propagate")
        for pid in pair_ids:
            pair = conn.execute("SELECT id, source, target FROM pairs WHERE id = ?", (pid,)).fetchone()
            if pair is None or pair["source"] != src["source"] or pid == src["pair_id"]:
                continue
            current = newest_review(conn, pid)
            if current_status(current, pair) != PENDING:
                continue  # decided meanwhile: never overwritten
            before = current_english(current, pair)
            status = EDITED if src["after"] != before else ACCEPTED
            rid = append_review(store, pair, reviewer=reviewer, status=status, before=before, after=src["after"],
                                comment=PROPAGATED_COMMENT.format(pair=src["pair_id"], rid=review_id),
                                parent=current["id"] if current is not None else None)
            conn.execute("INSERT INTO review_propagated(review_id, from_review) VALUES (?, ?)", (rid, review_id))
            out.append(rid)
    return out


def undo_propagation(store: Store, review_id: int, *, reviewer: str) -> tuple[int, int]:
    """Undo every decision propagated from edit ``review_id`` that is still its pair's newest row (one
    undo row each, see :func:`undo`); returns (undone, left: decided again since, not touched)."""
    ensure_schema(store)
    undone = left = 0
    with durable_tx(store) as conn:
        for row in conn.execute("SELECT r.id, r.pair_id FROM review_propagated p JOIN reviews r ON r.id = p.review_id"
                                " WHERE p.from_review = ? ORDER BY r.id", (review_id,)).fetchall():
            newest = newest_review(conn, row["pair_id"])
            if newest is None or newest["id"] != row["id"]:
                left += 1
                continue
            undo(store, row["pair_id"], reviewer=reviewer, parent_id=row["id"])
            undone += 1
    return undone, left


def propagated_from(store: Store, review_id: int) -> list[sqlite3.Row]:
    """The rows propagated from edit ``review_id``, with whether each is still its pair's state."""
    ensure_schema(store)
    return store.conn.execute(
        "SELECT r.*, r.id = (SELECT MAX(x.id) FROM reviews x WHERE x.pair_id = r.pair_id) AS current"
        " FROM review_propagated p JOIN reviews r ON r.id = p.review_id WHERE p.from_review = ? ORDER BY r.id",
        (review_id,)).fetchall()
