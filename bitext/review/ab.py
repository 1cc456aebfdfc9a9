"""Blind A/B preferences: two models' English for the same pair, a reviewer picks one (or edits it).

``bitext compare --to-review`` stores both models' English of the compared pairs in ``review_ab`` (one row
per pair and model pair; pairs where both say the same are left out), each with a side drawn at random
once and stored (``a_left``), so the page shows the two in an order the reviewer cannot read the model
from, and the same order every time. A judgement is a row of ``review_preferences`` (append-only:
triggers refuse UPDATE and DELETE): the reviewer, the item, the model signature chosen (NULL for a tie),
the edited English or NULL, and the decision an edit also recorded through
:func:`bitext.review.decisions.decide` (a pick alone never changes a pair's review state). The stats page
summarises wins per model pair with an exact two-sided sign test (:func:`sign_test`; ties left out).
"""

from __future__ import annotations

import math
import random
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bitext.errors import BitextError
from bitext.model import EDITED
from bitext.review.decisions import MAX_TEXT, decide, durable_tx, newest_review, require_reviewer
from bitext.review.schema import ensure_schema
from bitext.review.state import clean_text
from bitext.store import Store, has_table, utcnow

COMPONENT = "review_ab"
MIGRATIONS: list[tuple[int, str]] = [(
    1,
    """
    CREATE TABLE review_ab (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        pair_id  TEXT NOT NULL,
        source   TEXT NOT NULL,      -- the Indonesian both models translated
        model_a  TEXT NOT NULL,      -- translation signature of model A
        model_b  TEXT NOT NULL,
        label_a  TEXT NOT NULL,      -- A's name as bitext compare printed it (stats page only)
        label_b  TEXT NOT NULL,
        text_a   TEXT NOT NULL,
        text_b   TEXT NOT NULL,
        a_left   INTEGER NOT NULL,   -- 1: A is shown on the left (drawn once, at random)
        added_at TEXT NOT NULL,
        UNIQUE (pair_id, model_a, model_b)
    );
    CREATE TABLE review_preferences (
        id        INTEGER PRIMARY KEY AUTOINCREMENT,
        item_id   INTEGER NOT NULL REFERENCES review_ab(id),
        pair_id   TEXT NOT NULL,
        reviewer  TEXT NOT NULL,
        chosen    TEXT,              -- the chosen model's signature; NULL: a tie
        edited    TEXT,              -- the English the reviewer made of the chosen one; NULL: a plain pick
        review_id INTEGER,           -- the decision an edit recorded (reviews.id)
        at        TEXT NOT NULL
    );
    CREATE INDEX review_preferences_item ON review_preferences(item_id, reviewer, id);
    CREATE TRIGGER review_preferences_no_update BEFORE UPDATE ON review_preferences
        BEGIN SELECT RAISE(ABORT, 'review_preferences is append-only'); END;
    CREATE TRIGGER review_preferences_no_delete BEFORE DELETE ON review_preferences
        BEGIN SELECT RAISE(ABORT, 'review_preferences is append-only'); END;
    """,
)]
LEFT, RIGHT, TIE = "left", "right", "tie"
PICKS = (LEFT, RIGHT, TIE)


@dataclass(frozen=True)
class Item:
    """One A/B item as the page shows it: the two English versions in display order, no model named."""

    id: int
    pair_id: str
    source: str
    left: str
    right: str


@dataclass(frozen=True)
class Summary:
    """Judgements of one model pair (the newest per reviewer and item)."""

    label_a: str
    label_b: str
    model_a: str
    model_b: str
    wins_a: int
    wins_b: int
    ties: int
    edited: int  # picks the reviewer then edited (counted as a win of the side they started from)
    items: int
    p_value: float  # exact two-sided sign test of wins A against wins B (ties left out)


def ensure_ab(store: Store) -> None:
    """Create or upgrade this component's tables (a no-op on a read-only store, whose readers treat
    missing tables as "no A/B items")."""
    if getattr(store, "_review_ab", False) or store.read_only:
        return
    store.migrate(COMPONENT, MIGRATIONS)
    store._review_ab = True  # type: ignore[attr-defined]


def has_ab(conn: sqlite3.Connection) -> bool:
    """Whether the store on ``conn`` has A/B tables."""
    return has_table(conn, "review_ab")


def add_items(store: Store, rows: Iterable[tuple[str, str, str, str]], *, model_a: str, model_b: str,
              label_a: str, label_b: str, rng: random.Random | None = None) -> tuple[int, int]:
    """Store A/B items: ``rows`` of (pair_id, source, English of A, English of B). Rows whose two Englishes
    are equal (nothing to choose) and items already stored for the pair and models (their side is kept) are
    left out. Returns (added, left out)."""
    rng = rng or random.SystemRandom()
    ensure_ab(store)
    added = skipped = 0
    now = utcnow()
    with store.tx() as conn:
        for pair_id, source, text_a, text_b in rows:
            text_a, text_b = clean_text(text_a), clean_text(text_b)
            if text_a == text_b or not text_a or not text_b:
                skipped += 1
                continue
            cur = conn.execute(
                "INSERT OR IGNORE INTO review_ab(pair_id, source, model_a, model_b, label_a, label_b, text_a, text_b,"
                " a_left, added_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (pair_id, source, model_a, model_b, label_a, label_b, text_a, text_b, int(rng.random() < 0.5), now))
            added += cur.rowcount
            skipped += 1 - cur.rowcount
    return added, skipped


def _item(row: sqlite3.Row) -> Item:
    a, b = row["text_a"], row["text_b"]
    left, right = (a, b) if row["a_left"] else (b, a)
    return Item(row["id"], row["pair_id"], row["source"], left, right)


def next_item(store: Store, reviewer: str, after: int = 0) -> Item | None:
    """The first item after id ``after`` that ``reviewer`` has not judged, wrapping round to the start
    (skipped items come back); None when every item is judged."""
    conn = store.conn
    if not has_ab(conn):
        return None
    sql = ("SELECT * FROM review_ab x WHERE x.id > ? AND NOT EXISTS (SELECT 1 FROM review_preferences p"
           " WHERE p.item_id = x.id AND p.reviewer = ?) ORDER BY x.id LIMIT 1")
    row = conn.execute(sql, (after, reviewer)).fetchone() or conn.execute(sql, (0, reviewer)).fetchone()
    return _item(row) if row is not None else None


def get_item(store: Store, item_id: int) -> Item | None:
    """Item ``item_id`` in display order, None when there is none."""
    if not has_ab(store.conn):
        return None
    row = store.conn.execute("SELECT * FROM review_ab WHERE id = ?", (item_id,)).fetchone()
    return _item(row) if row is not None else None


def remaining(store: Store, reviewer: str) -> int:
    """Items ``reviewer`` has not judged."""
    if not has_ab(store.conn):
        return 0
    return store.conn.execute(
        "SELECT COUNT(*) FROM review_ab x WHERE NOT EXISTS (SELECT 1 FROM review_preferences p WHERE p.item_id = x.id"
        " AND p.reviewer = ?)", (reviewer,)).fetchone()[0]


def pick(store: Store, item_id: int, side: str, *, reviewer: str, edited: str | None = None,
         parent_id: int | None = None) -> int:
    """Record ``reviewer``'s judgement of item ``item_id``: ``side`` 'left', 'right' or 'tie' as shown.
    ``edited``: the English the reviewer made of the chosen side; when it is given, the pair also gets an
    'edited' decision with it (:func:`bitext.review.decisions.decide`, ``parent_id`` as there: a
    :class:`~bitext.errors.Conflict` writes nothing), in the same transaction as the preference. Returns
    the preference's id."""
    reviewer = require_reviewer(reviewer)
    if side not in PICKS:
        raise BitextError(f"unknown A/B pick {side!r}; use one of {', '.join(PICKS)}", 2)
    edited = clean_text(edited) if edited is not None else None
    if edited is not None and side == TIE:
        raise BitextError("a tie cannot be edited: pick the version to edit first", 2)
    if edited is not None and len(edited) > MAX_TEXT:
        raise BitextError(f"the English is {len(edited):,} characters; at most {MAX_TEXT:,} are kept")
    ensure_ab(store)
    ensure_schema(store)
    with durable_tx(store) as conn:
        row = conn.execute("SELECT * FROM review_ab WHERE id = ?", (item_id,)).fetchone()
        if row is None:
            raise BitextError(f"A/B item {item_id}: no such item in {store.path}")
        a_chosen = (side == LEFT) == bool(row["a_left"])
        chosen = None if side == TIE else row["model_a" if a_chosen else "model_b"]
        text = row["text_a" if a_chosen else "text_b"]
        review_id = None
        if edited is not None:
            if not edited:
                raise BitextError(f"pair {row['pair_id']!r}: the English is empty; type it or pick without editing")
            if edited == text:
                edited = None  # unchanged: a plain pick
            else:
                review_id = decide(store, row["pair_id"], EDITED, reviewer=reviewer, after=edited,
                                   parent_id=parent_id)
        return int(conn.execute(
            "INSERT INTO review_preferences(item_id, pair_id, reviewer, chosen, edited, review_id, at)"
            " VALUES (?,?,?,?,?,?,?)", (item_id, row["pair_id"], reviewer, chosen, edited, review_id, utcnow()),
        ).lastrowid)


def parent_of(store: Store, pair_id: str) -> int:
    """The newest review id of a pair (0: none), for the page's optimistic lock."""
    row = newest_review(store.conn, pair_id)
    return int(row["id"]) if row is not None else 0


def sign_test(wins_a: int, wins_b: int) -> float:
    """Exact two-sided sign test (binomial, p = 1/2) of ``wins_a`` against ``wins_b``: the probability of a
    split at least this uneven when neither model is better. 1.0 without any wins."""
    n = wins_a + wins_b
    if n == 0:
        return 1.0
    k = min(wins_a, wins_b)
    tail = sum(math.comb(n, i) for i in range(k + 1))
    return min(1.0, 2 * tail / 2**n)


def summary(store: Store) -> list[Summary]:
    """Wins per model pair over the newest judgement of each reviewer and item, with the sign test."""
    conn = store.conn
    if not has_ab(conn):
        return []
    rows = conn.execute(
        "SELECT x.model_a, x.model_b, x.label_a, x.label_b, p.chosen, p.edited, x.id AS item"
        " FROM review_preferences p JOIN review_ab x ON x.id = p.item_id"
        " WHERE p.id = (SELECT MAX(q.id) FROM review_preferences q WHERE q.item_id = p.item_id"
        " AND q.reviewer = p.reviewer)").fetchall()
    counts: dict[tuple[str, str, str, str], list[int]] = {}  # models and labels -> [a, b, tie, edited]
    items: dict[tuple[str, str, str, str], set[int]] = {}
    for r in rows:
        key = (r["model_a"], r["model_b"], r["label_a"], r["label_b"])
        c = counts.setdefault(key, [0, 0, 0, 0])
        c[2 if r["chosen"] is None else 0 if r["chosen"] == r["model_a"] else 1] += 1
        c[3] += r["edited"] is not None
        items.setdefault(key, set()).add(r["item"])
    out = []
    for (ma, mb, la, lb), (wa, wb, ties, edited) in sorted(counts.items()):
        out.append(Summary(la, lb, ma, mb, wa, wb, ties, edited, len(items[(ma, mb, la, lb)]), sign_test(wa, wb)))
    return out


__all__: Sequence[str] = ("Item", "Summary", "add_items", "ensure_ab", "get_item", "next_item", "pick", "remaining",
                          "sign_test", "summary", "LEFT", "RIGHT", "TIE")
