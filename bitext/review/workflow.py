"""The status workflow as XLIFF 2 names it, with an optional second pass ("final" sign-off).

XLIFF 2 ``state`` per pair: ``initial`` (no English yet: a 1-0 bead), ``translated`` (machine or
reference English, not reviewed), ``reviewed`` (accepted, edited or rejected by a reviewer) and
``final`` (that decision signed off by a second reviewer). ``subState`` keeps bitext's own status
(``bitext:accepted`` ...), as the XLIFF export does. A sign-off belongs to the decision row it was
given on: a later decision on the pair (or an undo) is not final until signed off again.
"""

from __future__ import annotations

from bitext.errors import BitextError, Conflict
from bitext.model import PENDING, REJECTED
from bitext.review.decisions import durable_tx, newest_review, require_reviewer
from bitext.review.people import has_people, person
from bitext.review.schema import ensure_schema
from bitext.review.state import review_state
from bitext.store import Store, utcnow

INITIAL, TRANSLATED, REVIEWED, FINAL = "initial", "translated", "reviewed", "final"
XLIFF_STATES = (INITIAL, TRANSLATED, REVIEWED, FINAL)


def xliff_state(review_status: str, english: str, signed_off: bool = False) -> tuple[str, str]:
    """(XLIFF 2 ``state``, ``subState``) of a pair with this review status and current English: the one
    rule for the app and the XLIFF export. A CAT tool reads ``reviewed``/``final`` as approved, so a
    rejected pair or an empty English is ``initial`` (not translated, not approved); bitext's own status
    is in ``subState``."""
    sub = f"bitext:{review_status}"
    if review_status == REJECTED or not english.strip():
        return INITIAL, sub
    if review_status == PENDING:
        return TRANSLATED, sub
    return (FINAL if signed_off else REVIEWED), sub


def signed_off(store: Store, pair_id: str) -> dict | None:
    """The sign-off of the pair's current decision ({'reviewer', 'at', 'review_id'}), None if none."""
    ensure_schema(store)
    row = store.conn.execute(
        "SELECT s.* FROM review_signoff s WHERE s.pair_id = ? AND s.review_id = (SELECT MAX(id) FROM reviews"
        " WHERE pair_id = ?)", (pair_id, pair_id)).fetchone()
    return None if row is None else {"reviewer": row["reviewer"], "at": row["at"], "review_id": row["review_id"]}


def sign_off(store: Store, pair_id: str, *, reviewer: str, parent_id: int | None = None) -> int:
    """Sign off the pair's current decision as a second reviewer (XLIFF ``final``); returns its review id.

    Refused when the pair is pending, when ``reviewer`` made that decision (a second pass needs a second
    person), when the store has a review team and ``reviewer`` is not a member with the approver (or lead)
    role, and with :class:`Conflict` when ``parent_id`` is not the decision shown.
    """
    reviewer = require_reviewer(reviewer)
    ensure_schema(store)
    if has_people(store):
        who = person(store, reviewer)
        if who is None or not who.can_sign_off:
            raise BitextError(f"pair {pair_id!r}: {reviewer} may not sign off; a sign-off needs a team member with "
                              "the approver role ('bitext users add NAME --role approver')")
    with durable_tx(store) as conn:
        pair = conn.execute("SELECT id, source, target FROM pairs WHERE id = ?", (pair_id,)).fetchone()
        if pair is None:
            raise BitextError(f"pair {pair_id!r}: no such pair in {store.path}")
        current = newest_review(conn, pair_id)
        if parent_id is not None and (current["id"] if current is not None else 0) != parent_id:
            raise Conflict(f"pair {pair_id!r} changed since it was opened; reload it and sign off again",
                           pair_id, current)
        if current is None or review_state(pair["source"], pair["target"], current).status == PENDING:
            raise BitextError(f"pair {pair_id!r} is pending: decide it before a sign-off")
        if current["reviewer"] == reviewer:
            raise BitextError(f"pair {pair_id!r}: {reviewer} made this decision; a sign-off needs another reviewer")
        conn.execute("INSERT OR IGNORE INTO review_signoff(review_id, pair_id, reviewer, at) VALUES (?, ?, ?, ?)",
                     (current["id"], pair_id, reviewer, utcnow()))
        return int(current["id"])
