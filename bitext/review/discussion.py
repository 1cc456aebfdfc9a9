"""A comment thread per pair and the "needs discussion" state a lead resolves.

The thread is ``review_comments`` (made by the ``review_notes`` component, :mod:`bitext.review.typology`):
append-only rows of ``event`` 'comment', 'open' (someone asks for a discussion: the pair appears in the
queue's *needs discussion* filter) or 'resolve' (a lead closes it, with or without a last word).
``review_discussion_open`` holds the pairs whose discussion is open, kept by triggers on the thread, so
the filter is one index read. Comments are separate from decisions: discussing never changes a pair's
status, and a decided pair can be discussed (the filter shows every status).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bitext.errors import BitextError
from bitext.review.people import Person
from bitext.review.state import clean_text
from bitext.review.typology import ensure_notes, has_notes
from bitext.store import Store, utcnow

COMMENT, OPEN, RESOLVE = "comment", "open", "resolve"
EVENTS = (COMMENT, OPEN, RESOLVE)
MAX_COMMENT = 5000
"""Longest comment kept (characters); longer is refused with a clear line."""


@dataclass(frozen=True)
class Comment:
    """One row of a pair's thread."""

    id: int
    pair_id: str
    author: str
    at: str
    event: str
    body: str


def thread(conn: sqlite3.Connection, pair_id: str) -> list[Comment]:
    """A pair's thread, oldest first (empty on a store without the tables)."""
    if not has_notes(conn):
        return []
    return [Comment(*r) for r in conn.execute(
        "SELECT id, pair_id, author, at, event, body FROM review_comments WHERE pair_id = ? ORDER BY id", (pair_id,))]


def is_open(conn: sqlite3.Connection, pair_id: str) -> bool:
    """Whether the pair's discussion is open (someone asked, no lead resolved it since)."""
    return has_notes(conn) and conn.execute("SELECT 1 FROM review_discussion_open WHERE pair_id = ?",
                                            (pair_id,)).fetchone() is not None


def open_count(conn: sqlite3.Connection) -> int:
    """Pairs whose discussion is open."""
    return conn.execute("SELECT COUNT(*) FROM review_discussion_open").fetchone()[0] if has_notes(conn) else 0


def may_resolve(who: Person | None) -> bool:
    """Who may resolve a discussion: a lead of the team (anyone when there is no team)."""
    return who is None or who.is_lead


def post(store: Store, pair_id: str, author: str, body: str, *, event: str = COMMENT,
         person: Person | None = None) -> int:
    """Add to a pair's thread; returns the row id. ``event`` 'open' asks for a discussion (a no-op for the
    state when one is open), 'resolve' closes it and is refused (one line) unless ``person`` may resolve
    (:func:`may_resolve`) and a discussion is open. A plain comment needs text."""
    if event not in EVENTS:
        raise BitextError(f"unknown discussion event {event!r}; use one of {', '.join(EVENTS)}", 2)
    author = " ".join((author or "").split())
    if not author:
        raise BitextError("a comment needs an author name", exit_code=2)
    body = clean_text(body or "")
    if len(body) > MAX_COMMENT:
        raise BitextError(f"pair {pair_id!r}: the comment is {len(body):,} characters; at most {MAX_COMMENT:,} are kept")
    if event == COMMENT and not body:
        raise BitextError(f"pair {pair_id!r}: the comment is empty; type it first")
    if event == RESOLVE and not may_resolve(person):
        raise BitextError("only a lead resolves a discussion", exit_code=2)
    ensure_notes(store)
    with store.tx() as conn:
        if conn.execute("SELECT 1 FROM pairs WHERE id = ?", (pair_id,)).fetchone() is None:
            raise BitextError(f"pair {pair_id!r}: no such pair in {store.path}")
        if event == RESOLVE and not is_open(conn, pair_id):
            raise BitextError(f"pair {pair_id!r}: no open discussion to resolve")
        return int(conn.execute("INSERT INTO review_comments(pair_id, author, at, event, body) VALUES (?,?,?,?,?)",
                                (pair_id, author, utcnow(), event, body)).lastrowid)
