"""The review state rules, pure: which review row applies to a pair, and what its state is.

The table ``reviews`` is append-only; the newest row of a pair is its state. A review applies while
the pair has the content the reviewer saw (the source text and the aligned English).
:func:`review_state` is the single definition used by the queue, the web app, every export, publishing
and the imports; :func:`register_sql` makes the same rule available inside SQL so SQL filters and Python
agree by construction. This module sits low in the import graph: the aligner uses it to carry reviews.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bitext.model import APPROVED, DECISIONS, PENDING

_LINEBREAKS = re.compile(r"\s*[\r\n\t\v\f\u2028\u2029]+\s*")


def clean_text(text: str) -> str:
    """Normalise a reviewer's English: NFC, no surrounding space, line breaks/tabs become one space.

    Pairs are single beads, so a newline typed in a text box or a spreadsheet cell is never meant.
    """
    return _LINEBREAKS.sub(" ", unicodedata.normalize("NFC", text)).strip()


def text_hash(text: str) -> str:
    """sha256 of :func:`clean_text` of ``text``: the state marker of a target in exported files."""
    return hashlib.sha256(clean_text(text).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ReviewState:
    """A pair's review state, derived from its newest review row by :func:`review_state`."""

    status: str  # 'accepted' | 'edited' | 'rejected' | 'pending'
    english: str  # accepted/edited: the reviewer's text; rejected/pending: the aligned target
    reviewer: str | None  # of the applying decision, None when pending
    at: str | None
    stale: bool  # a newest review exists but was made on other content: pending again
    review_id: int | None  # newest review row id, applying or not (the optimistic-lock marker)
    comment: str | None  # comment of the applying decision


def _col(row: Mapping[str, Any] | sqlite3.Row, name: str) -> Any:
    keys = row.keys()
    return row[name] if name in keys else None


def seen_target(review: Mapping[str, Any] | sqlite3.Row) -> str | None:
    """The aligned English a review row was made on (``pair_target``, or ``before`` for older rows)."""
    base = _col(review, "pair_target")
    return review["before"] if base is None else base


def review_applies(review: Mapping[str, Any] | sqlite3.Row, source: str, target: str) -> bool:
    """Whether a review row applies to a pair with this ``source`` and aligned ``target``.

    A decision is bound to both sides it was made on: it applies while the pair has the Indonesian the
    reviewer saw *and* the aligned English they saw (``pair_target``). Re-translating with another model,
    a reference sentence changed upstream, or English arriving on a pair that had none makes it stale
    (the pair is pending again and shows the old decision). Rows written before the aligned English was
    recorded compare the source only (for a 0-1 bead, ``before``); rows without a recorded source apply
    as they are.
    """
    seen = review["source"]
    if seen is None:
        return True
    if seen != source:
        return False
    if seen == "":
        return seen_target(review) == target
    base = _col(review, "pair_target")
    return base is None or base == target


def review_state(source: str, target: str, newest: Mapping[str, Any] | sqlite3.Row | None) -> ReviewState:
    """The review state of a pair (``source``, aligned ``target``) whose newest review row is ``newest``.

    The single definition used by the queue, the web app, every export and the imports.
    """
    if newest is None:
        return ReviewState(PENDING, target, None, None, False, None, None)
    applies = review_applies(newest, source, target)
    status = newest["status"] if applies and newest["status"] in DECISIONS else PENDING
    english = target
    if status in APPROVED and newest["after"] is not None:
        english = newest["after"]
    decided = status != PENDING
    return ReviewState(
        status=status,
        english=english,
        reviewer=newest["reviewer"] if decided else None,
        at=newest["at"] if decided else None,
        stale=not applies,
        review_id=int(newest["id"]),
        comment=newest["comment"] if decided else None,
    )


def newest_reviews(conn: sqlite3.Connection, pair_ids: Sequence[str]) -> dict[str, sqlite3.Row]:
    """The newest review row of each of ``pair_ids`` that has one."""
    out: dict[str, sqlite3.Row] = {}
    for start in range(0, len(pair_ids), 500):  # stay under SQLite's variable limit
        chunk = list(pair_ids[start : start + 500])
        marks = ",".join("?" * len(chunk))
        for r in conn.execute(
            f"SELECT * FROM reviews WHERE id IN (SELECT MAX(id) FROM reviews WHERE pair_id IN ({marks})"
            " GROUP BY pair_id)",
            chunk,
        ):
            out[r["pair_id"]] = r
    return out


def review_states(
    conn: sqlite3.Connection, pairs: Sequence[Mapping[str, Any] | sqlite3.Row]
) -> dict[str, ReviewState]:
    """:func:`review_state` of a chunk of pair rows (with ``id``, ``source``, ``target``), by pair id."""
    newest = newest_reviews(conn, [p["id"] for p in pairs])
    return {p["id"]: review_state(p["source"], p["target"], newest.get(p["id"])) for p in pairs}


def _sql_state(what: str, source: str, target: str, r_id: int | None, r_source: str | None,
               r_pair_target: str | None, r_before: str | None, r_status: str | None, r_after: str | None,
               ) -> Any:  # fmt: skip
    """:func:`review_state` as an SQL function, so SQL filters and Python agree by construction."""
    row = None if r_id is None else {
        "id": r_id, "source": r_source, "pair_target": r_pair_target, "before": r_before, "status": r_status,
        "after": r_after, "reviewer": None, "at": None, "comment": None,
    }
    st = review_state(source, target, row)
    return {"status": st.status, "english": st.english, "stale": int(st.stale)}[what]


SQL_FUNCTION = "bitext_review"
"""``bitext_review(what, p.source, p.target, r.id, r.source, r.pair_target, r.before, r.status, r.after)``
with ``what`` one of 'status', 'english', 'stale'."""


def register_sql(conn: sqlite3.Connection) -> sqlite3.Connection:
    """Register :data:`SQL_FUNCTION` on ``conn`` (idempotent) and return it."""
    conn.create_function(SQL_FUNCTION, 9, _sql_state, deterministic=True)
    return conn
