"""Human review of aligned pairs: decisions as append-only history, the review queue, progress,
and importing edits made outside the web app (XLIFF from a CAT tool, CSV/TSV from a spreadsheet).

The table ``reviews`` is never updated or deleted from: every decision appends one row
(pair_id, reviewer, at, status, before, after, comment, source, parent_id) and the newest row of a
pair is its state. Statuses are ``'accepted'``, ``'edited'``, ``'rejected'`` and ``'pending'`` (a pair
without rows is pending too). The pair's *current English* is the newest row's ``after`` when set,
else ``pairs.target``.

Optimistic locking: a caller that showed a pair to a person passes the id of the newest review row it
showed as ``parent_id`` (``0`` when the pair had no review yet). The check runs inside the write
transaction, so of two reviewers saving the same pair the second gets :class:`Conflict` instead of
silently overwriting the first. ``parent_id=None`` skips the check (scripts, notebooks).

Spreadsheet format (written by :func:`export_review_csv`, read by :func:`import_review`): UTF-8, a header
row, then one row per pair. ``.csv``: comma-separated, quoted as Excel/Python ``csv`` do (fields with
commas, quotes or newlines in double quotes). ``.tsv``: the project's TSV as ``bitext export --format tsv``
writes it: tab-separated, one record per line, no quoting, backslash escapes ``\\ \t \n \r``. Columns::

    id         pair id (required; never edit)
    source     Indonesian text (for reading; ignored on import)
    target     English at export time (do not edit; compared on import to detect conflicts)
    edited     your corrected English; leave empty to keep ``target``
    review_id  state marker: newest review id at export, empty if none (do not edit)
    status, flags   for reading; ignored on import
    comment    optional note stored with an edit

A file without an ``edited`` column is read as "the English column holds the English as it should be":
``id``/``source``/``target``, or ``bitext export --format tsv`` (``pair_id`` ... ``id`` ``en``: the pair id
is ``pair_id``, the English ``en``). Such a file carries no state marker, so a changed English of a pair
that has been reviewed since (state not pending) is reported as a conflict, not applied.
"""

from __future__ import annotations

import csv
import hashlib
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from bitext.errors import BitextError
from bitext.flags import BLOCKING_SEVERITIES
from bitext.store import Store, utcnow

if TYPE_CHECKING:  # bitext.export imports this module; import it lazily at run time
    from bitext.export import PairRecord

STATUSES = ("pending", "accepted", "edited", "rejected")
DECISIONS = ("accepted", "edited", "rejected")
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
NO_FLAG_RANK = 3
# Flags of these severities make a pending pair "need review" (one rule: bitext.flags.needs_review).
NEEDS_REVIEW_SEVERITIES = BLOCKING_SEVERITIES
CSV_COLUMNS = ("id", "source", "target", "edited", "review_id", "status", "flags", "comment")
# reviews.pair_target (core migration 2): pairs.target when the row was written. A 0-1 bead has no source text, so its
# English is what identifies it; kept per row so a second decision on such a pair still applies.


class Conflict(BitextError):
    """The pair changed since the caller read it; ``current`` is its newest review row (None if none)."""

    def __init__(self, message: str, pair_id: str, current: sqlite3.Row | None) -> None:
        super().__init__(message, exit_code=1)
        self.pair_id = pair_id
        self.current = current


@dataclass(frozen=True)
class QueueItem:
    """A pair with its review state and fired flags, as the queue and the web app show it."""

    id: str
    article_id: str
    kind: str
    bead_idx: int
    source: str
    target: str  # current English: newest review's ``after``, else the aligned target
    original_target: str  # ``pairs.target`` as aligned
    mt: str | None
    bead_type: str
    align_score: float | None
    status: str
    review_id: int | None  # newest review row id (the value to pass as ``parent_id``), None if none
    reviewer: str | None
    at: str | None
    comment: str | None
    severity: str | None  # worst fired flag's severity, None if no flag fired
    flags: tuple[str, ...] = field(default=())  # fired checks, worst first
    stale: bool = False  # the newest review was made on a different source text: pending again

    @property
    def parent_id(self) -> int:
        """The ``parent_id`` a decision made on this view of the pair must carry."""
        return self.review_id or 0


# -- text helpers ---------------------------------------------------------------------------

_LINEBREAKS = re.compile(r"\s*[\r\n\t\v\f\u2028\u2029]+\s*")


def clean_text(text: str) -> str:
    """Normalise a reviewer's English: NFC, no surrounding space, line breaks/tabs become one space.

    Pairs are single beads, so a newline typed in a text box or a spreadsheet cell is never meant.
    """
    return _LINEBREAKS.sub(" ", unicodedata.normalize("NFC", text)).strip()


def text_hash(text: str) -> str:
    """sha256 of :func:`clean_text` of ``text``: the state marker of a target in exported files."""
    return hashlib.sha256(clean_text(text).encode("utf-8")).hexdigest()


# -- review state: the one definition ------------------------------------------------------


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


def review_applies(review: Mapping[str, Any] | sqlite3.Row, source: str, target: str) -> bool:
    """Whether a review row applies to a pair with this ``source`` and aligned ``target``.

    It applies while the pair has the source text the reviewer saw; for a 0-1 bead (source ``''``) also
    the same aligned English (``pair_target``, or ``before`` for rows written without it): pair ids
    are positions, so another English sentence may take the id after re-alignment. Rows without a
    recorded source (written before sources were stored) apply as they are.
    """
    seen = review["source"]
    if seen is None:
        return True
    if seen != source:
        return False
    if seen == "":
        base = _col(review, "pair_target")
        return (review["before"] if base is None else base) == target
    return True


def review_state(source: str, target: str, newest: Mapping[str, Any] | sqlite3.Row | None) -> ReviewState:
    """The review state of a pair (``source``, aligned ``target``) whose newest review row is ``newest``.

    The single definition used by the queue, the web app, every export and the imports.
    """
    if newest is None:
        return ReviewState("pending", target, None, None, False, None, None)
    applies = review_applies(newest, source, target)
    status = newest["status"] if applies and newest["status"] in DECISIONS else "pending"
    english = target
    if status in ("accepted", "edited") and newest["after"] is not None:
        english = newest["after"]
    decided = status != "pending"
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


def _conn(store: Store) -> sqlite3.Connection:
    """This thread's connection with the review-state SQL function registered."""
    conn = store.conn
    conn.create_function("bitext_review", 9, _sql_state, deterministic=True)
    return conn


# -- reads ----------------------------------------------------------------------------------

_SEV_CASE = "CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END"

# One row per pair with its state and worst fired flag; filters and ordering apply to its columns.
# Correlated subqueries, not joins on GROUP BY views: they use the indexes reviews(pair_id, id) and
# pair_flags(pair_id, ...) per pair, where SQLite would rescan a materialised view for every pair.
# '+f.fired' keeps SQLite from picking the (fired, check_name) index, which scans every fired flag.
# A review applies only while the pair has the source text the reviewer saw (as in bitext.export):
# after re-segmentation or re-alignment changed it, the pair is pending again and the review "stale".
_ST = "p.source, p.target, st.id, st.source, st.pair_target, st.before, st.status, st.after"
_BASE = f"""
SELECT p.id, p.article_id, p.kind, p.bead_idx, p.source, p.target AS original_target, p.mt,
       p.bead_type, p.align_score,
       bitext_review('status', {_ST}) AS status,
       st.id AS review_id, st.reviewer, st.at, st.comment,
       bitext_review('stale', {_ST}) AS stale,
       bitext_review('english', {_ST}) AS target,
       COALESCE((SELECT MIN({_SEV_CASE}) FROM pair_flags f WHERE f.pair_id = p.id AND +f.fired = 1),
                {NO_FLAG_RANK}) AS sev_rank
FROM pairs p
LEFT JOIN reviews st ON st.id = (SELECT MAX(r.id) FROM reviews r WHERE r.pair_id = p.id)
"""
_ORDER = "sev_rank, article_id, kind, bead_idx, id"
_RANK_SEVERITY = {v: k for k, v in SEVERITY_RANK.items()}


def _fired_flags(conn: sqlite3.Connection, pair_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for start in range(0, len(pair_ids), 500):  # stay under SQLite's variable limit
        chunk = pair_ids[start : start + 500]
        rows = conn.execute(
            f"SELECT pair_id, check_name FROM pair_flags WHERE +fired = 1 AND pair_id IN"
            f" ({','.join('?' * len(chunk))}) ORDER BY pair_id, {_SEV_CASE}, check_name",
            tuple(chunk),
        )
        for r in rows:
            out.setdefault(r[0], []).append(r[1])
    return {k: tuple(v) for k, v in out.items()}


def _items(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[QueueItem]:
    flags = _fired_flags(conn, [r["id"] for r in rows])
    return [
        QueueItem(
            id=r["id"],
            article_id=r["article_id"],
            kind=r["kind"],
            bead_idx=r["bead_idx"],
            source=r["source"],
            target=r["target"],
            original_target=r["original_target"],
            mt=r["mt"],
            bead_type=r["bead_type"],
            align_score=r["align_score"],
            status=r["status"],
            review_id=r["review_id"],
            reviewer=r["reviewer"],
            at=r["at"],
            comment=r["comment"],
            severity=_RANK_SEVERITY.get(r["sev_rank"]),
            flags=flags.get(r["id"], ()),
            stale=bool(r["stale"]),
        )
        for r in rows
    ]


def _filters(
    flag: str | None, status: str | None, article: str | None, search: str | None, kind: str | None
) -> tuple[list[str], list[object]]:
    where: list[str] = []
    params: list[object] = []
    if status:
        if status not in STATUSES:
            raise BitextError(f"unknown review status {status!r}; use one of {', '.join(STATUSES)}", 2)
        where.append("status = ?")
        params.append(status)
    if flag == "any":
        where.append(f"sev_rank < {NO_FLAG_RANK}")
    elif flag == "none":
        where.append(f"sev_rank = {NO_FLAG_RANK}")
    elif flag:
        where.append("EXISTS (SELECT 1 FROM pair_flags f WHERE f.pair_id = q.id AND +f.fired = 1 AND f.check_name = ?)")
        params.append(flag)
    if article:
        where.append("article_id = ?")
        params.append(article)
    if kind:
        where.append("kind = ?")
        params.append(kind)
    if search:
        # LIKE with escaped wildcards: the user's % and _ are literal characters.
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", search.strip()) + "%"
        where.append(
            "(source LIKE ? ESCAPE '\\' OR target LIKE ? ESCAPE '\\' OR original_target LIKE ? ESCAPE '\\'"
            " OR mt LIKE ? ESCAPE '\\' OR id = ?)"
        )
        params += [pattern, pattern, pattern, pattern, search.strip()]
    return where, params


def queue(
    store: Store,
    *,
    flag: str | None = None,
    status: str | None = None,
    article: str | None = None,
    search: str | None = None,
    kind: str | None = None,
    after: str | None = None,
    limit: int | None = 50,
    offset: int = 0,
) -> list[QueueItem]:
    """Pairs in order of need: fired flags first (error, warning, info), then article order.

    Filters combine with AND: ``flag`` is a check name whose flag fired, or ``'any'`` (some flag fired)
    or ``'none'`` (no flag fired); ``status`` one of :data:`STATUSES`; ``article`` an article id;
    ``search`` a case-insensitive (ASCII) substring of the source, current or original English, or MT,
    or an exact pair id. ``after`` starts the page after that pair's place in the order (whether or not
    the pair itself matches the filters), for "next pair" navigation.
    """
    where, params = _filters(flag, status, article, search, kind)
    if after is not None:
        key = _conn(store).execute(
            f"SELECT sev_rank, article_id, kind, bead_idx, id FROM ({_BASE}) WHERE id = ?", (after,)
        ).fetchone()
        if key is None:
            raise BitextError(f"pair {after!r}: no such pair in {store.path}")
        where.append(f"({_ORDER}) > (?, ?, ?, ?, ?)")
        params += list(key)
    sql = f"SELECT * FROM ({_BASE}) q" + (" WHERE " + " AND ".join(where) if where else "") + f" ORDER BY {_ORDER}"
    sql += " LIMIT ? OFFSET ?"
    params += [-1 if limit is None else limit, offset]
    conn = _conn(store)
    return _items(conn, conn.execute(sql, params).fetchall())


def queue_count(
    store: Store,
    *,
    flag: str | None = None,
    status: str | None = None,
    article: str | None = None,
    search: str | None = None,
    kind: str | None = None,
) -> int:
    """Number of pairs :func:`queue` would return with these filters and no limit."""
    where, params = _filters(flag, status, article, search, kind)
    sql = f"SELECT COUNT(*) FROM ({_BASE}) q" + (" WHERE " + " AND ".join(where) if where else "")
    return _conn(store).execute(sql, params).fetchone()[0]


def get_item(store: Store, pair_id: str) -> QueueItem | None:
    """One pair with its current state, or None if there is no such pair."""
    conn = _conn(store)
    rows = conn.execute(f"SELECT * FROM ({_BASE}) WHERE id = ?", (pair_id,)).fetchall()
    return _items(conn, rows)[0] if rows else None


def neighbours(store: Store, item: QueueItem, before: int = 2, after: int = 2) -> tuple[list[QueueItem], list[QueueItem]]:
    """The pairs just before and after ``item`` in its article (same kind), in reading order."""
    conn = _conn(store)
    prev = conn.execute(
        f"SELECT * FROM ({_BASE}) WHERE article_id = ? AND kind = ? AND bead_idx < ? ORDER BY bead_idx DESC LIMIT ?",
        (item.article_id, item.kind, item.bead_idx, before),
    ).fetchall()
    nxt = conn.execute(
        f"SELECT * FROM ({_BASE}) WHERE article_id = ? AND kind = ? AND bead_idx > ? ORDER BY bead_idx LIMIT ?",
        (item.article_id, item.kind, item.bead_idx, after),
    ).fetchall()
    return _items(conn, prev[::-1]), _items(conn, nxt)


def pair_flags(store: Store, pair_id: str) -> list[sqlite3.Row]:
    """All computed checks of a pair: fired ones first, worst severity first."""
    return store.conn.execute(
        f"SELECT * FROM pair_flags WHERE pair_id = ? ORDER BY fired DESC, {_SEV_CASE}, check_name", (pair_id,)
    ).fetchall()


def flag_counts(store: Store) -> list[tuple[str, str, int]]:
    """(check name, worst severity, number of pairs) of every check that fired somewhere."""
    rows = store.conn.execute(
        f"SELECT check_name, MIN({_SEV_CASE}) AS r, COUNT(*) FROM pair_flags WHERE fired = 1"
        " GROUP BY check_name ORDER BY r, check_name"
    )
    return [(r[0], _RANK_SEVERITY[r[1]], r[2]) for r in rows]


def history(store: Store, pair_id: str) -> list[sqlite3.Row]:
    """Every review row of a pair, oldest first (the last one is its state)."""
    return store.conn.execute("SELECT * FROM reviews WHERE pair_id = ? ORDER BY id", (pair_id,)).fetchall()


def review_row(store: Store, review_id: int) -> sqlite3.Row | None:
    """One review row by id."""
    return store.conn.execute("SELECT * FROM reviews WHERE id = ?", (review_id,)).fetchone()


def review_progress(store: Store) -> dict[str, int]:
    """Counts for ``bitext status`` and the web app header.

    Keys: ``pairs`` (all pairs), ``reviewed`` (accepted + edited + rejected), ``accepted``, ``edited``,
    ``rejected``, ``pending`` and ``needs_review``: pending pairs with a fired error or warning flag.
    Reviews of pairs that no longer exist, or made on a source text the pair no longer has, are not
    counted (the pair is pending).
    """
    worst = max(SEVERITY_RANK[x] for x in NEEDS_REVIEW_SEVERITIES)
    rows = _conn(store).execute(
        f"SELECT status, sev_rank <= {worst} AS flagged, COUNT(*) AS n FROM ({_BASE}) GROUP BY 1, 2"
    ).fetchall()
    out = {"pairs": 0, "reviewed": 0, "accepted": 0, "edited": 0, "rejected": 0, "pending": 0, "needs_review": 0}
    for r in rows:
        status = r["status"] if r["status"] in STATUSES else "pending"
        out["pairs"] += r["n"]
        out[status] += r["n"]
        if status == "pending" and r["flagged"]:
            out["needs_review"] += r["n"]
    out["reviewed"] = out["accepted"] + out["edited"] + out["rejected"]
    return out


# -- writes ---------------------------------------------------------------------------------


@contextmanager
def _durable_tx(store: Store) -> Iterator[sqlite3.Connection]:
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


def _newest(conn: sqlite3.Connection, pair_id: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM reviews WHERE pair_id = ? ORDER BY id DESC LIMIT 1", (pair_id,)).fetchone()


def _english(current: sqlite3.Row | None, pair: sqlite3.Row) -> str:
    """The pair's current English (see :func:`review_state`)."""
    return review_state(pair["source"], pair["target"], current).english


def _status(current: sqlite3.Row | None, pair: sqlite3.Row) -> str:
    """The pair's review status given its newest review row (see :func:`review_state`)."""
    return review_state(pair["source"], pair["target"], current).status


def _pair(conn: sqlite3.Connection, store: Store, pair_id: str) -> sqlite3.Row:
    row = conn.execute("SELECT id, source, target FROM pairs WHERE id = ?", (pair_id,)).fetchone()
    if row is None:
        raise BitextError(f"pair {pair_id!r}: no such pair in {store.path}")
    return row


def _reviewer(name: str) -> str:
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


def _insert(
    conn: sqlite3.Connection,
    pair: sqlite3.Row,
    *,
    reviewer: str,
    status: str,
    before: str,
    after: str | None,
    comment: str | None,
    parent: int | None,
) -> int:
    cur = conn.execute(
        "INSERT INTO reviews(pair_id, reviewer, at, status, before, after, comment, source, parent_id, pair_target)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (pair["id"], reviewer, utcnow(), status, before, after, comment, pair["source"], parent, pair["target"]),
    )
    return int(cur.lastrowid)


def _effective_status(status: str, text: str, before: str) -> str:
    # An accept that changes the text is an edit (never drop it); an edit that changes nothing is an accept.
    if status == "accepted" and text != before:
        return "edited"
    if status == "edited" and text == before:
        return "accepted"
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
) -> int:
    """Record a decision on a pair and return the new review id (committed durably on return).

    ``status`` is 'accepted', 'edited' or 'rejected'. ``after`` is the English the reviewer wants
    (default: the current English); it is cleaned with :func:`clean_text`. An 'accepted' decision whose
    text differs from the current English is stored as 'edited' (the edit is never dropped), and an
    'edited' one with unchanged text as 'accepted'. ``parent_id`` is the newest review id the reviewer
    saw (0: none); if the pair's newest row differs, :class:`Conflict` is raised and nothing is written,
    except when that newest row is this very decision already saved (a resubmitted form), whose id is
    returned.
    """
    if status not in DECISIONS:
        raise BitextError(f"unknown decision {status!r}; use one of {', '.join(DECISIONS)}", exit_code=2)
    reviewer = _reviewer(reviewer)
    comment = clean_text(comment) if comment else None
    comment = comment or None
    with _durable_tx(store) as conn:
        pair = _pair(conn, store, pair_id)
        current = _newest(conn, pair_id)
        before = _english(current, pair)
        current_id = current["id"] if current is not None else 0
        if parent_id is not None and current_id != parent_id:
            # The same form submitted twice (double click, retried POST) is already saved: not a conflict.
            if current is not None and (current["parent_id"] or 0) == parent_id and current["before"] is not None:
                seen = current["before"]
                text = seen if after is None else clean_text(after)
                if (current["reviewer"], current["status"], current["after"], current["comment"]) == (
                    reviewer, _effective_status(status, text, seen), text, comment
                ):
                    return int(current["id"])
            raise _conflict(pair_id, current, parent_id)
        text = before if after is None else clean_text(after)
        if not text:
            raise BitextError(f"pair {pair_id!r}: the English text is empty; reject the pair instead")
        status = _effective_status(status, text, before)
        return _insert(
            conn,
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
    reviewer = _reviewer(reviewer)
    with _durable_tx(store) as conn:
        pair = _pair(conn, store, pair_id)
        rows = conn.execute(
            "SELECT * FROM reviews WHERE pair_id = ? ORDER BY id DESC LIMIT 2", (pair_id,)
        ).fetchall()
        if not rows:
            raise BitextError(f"pair {pair_id!r}: nothing to undo (no review yet)")
        newest = rows[0]
        if parent_id is not None and newest["id"] != parent_id:
            raise _conflict(pair_id, newest, parent_id)
        before = _english(newest, pair)
        prev = rows[1] if len(rows) > 1 else None
        if prev is not None and not review_applies(prev, pair["source"], pair["target"]):
            prev = None  # made on other content (stale): restoring it would revive another sentence's English
        return _insert(
            conn,
            pair,
            reviewer=reviewer,
            status=prev["status"] if prev is not None else "pending",
            before=before,
            after=prev["after"] if prev is not None else None,
            comment=prev["comment"] if prev is not None else None,
            parent=newest["id"],
        )


CARRY_COMMENT = "carried over from {old} after re-alignment"


def _kind_of(pair_id: str) -> str:
    """'reference' or 'mt' from a pair id (reference ids have ``ref-`` after the article id's colon)."""
    return "reference" if pair_id.rsplit(":", 1)[-1].startswith("ref-") else "mt"


def carry_reviews(conn: sqlite3.Connection, article_id: str) -> int:
    """Let reviews follow their content after an article's pairs were (re)inserted; returns rows added.

    Pair ids are positions, so after re-segmentation or re-alignment an unchanged sentence may have a
    new id. For each pair of the article without an applying review, the newest decisive review
    (accepted/edited/rejected; the newest row of its pair id) of the same article and kind that no
    longer applies to its own pair id, and whose content matches (same source; for a 0-1 bead the same
    aligned English) is copied to the pair as a new row (history stays append-only). Its ``parent_id``
    is the copied row, so one decision is carried once. Call inside the write transaction that inserted
    the pairs.
    """
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
        base = None
        if r["source"] == "":
            base = r["before"] if _col(r, "pair_target") is None else r["pair_target"]
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
        conn.execute(
            "INSERT INTO reviews(pair_id, reviewer, at, status, before, after, comment, source, parent_id,"
            " pair_target) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (p["id"], old["reviewer"], now, old["status"], old["before"], old["after"],
             CARRY_COMMENT.format(old=old["pair_id"]), old["source"], old["id"], p["target"]),
        )  # fmt: skip
        added += 1
    return added


# -- spreadsheet export ---------------------------------------------------------------------


def select_pairs(
    store: Store, *, only_clean: bool = False, min_score: float | None = None, exclude_flags: Iterable[str] = ()
) -> list[PairRecord]:
    """Pairs in corpus order for export: :func:`bitext.export.iter_pairs` with a
    :class:`bitext.export.PairFilter` (see there for the meaning of the filters)."""
    from bitext.export import PairFilter, iter_pairs

    filters = PairFilter(only_clean=only_clean, min_score=min_score, exclude_flags=tuple(exclude_flags))
    return list(iter_pairs(store, filters))


def export_review_csv(
    store: Store,
    path: str | Path,
    *,
    only_clean: bool = False,
    min_score: float | None = None,
    exclude_flags: Iterable[str] = (),
    delimiter: str | None = None,
) -> int:
    """Write pairs to a CSV (or TSV: ``.tsv`` suffix or ``delimiter='\\t'``) for editing in a
    spreadsheet; columns :data:`CSV_COLUMNS` (see the module docstring). Returns the number of rows.
    CSV is quoted as Excel does; TSV uses the project's backslash escapes (one record per line)."""
    from bitext.export import atomic_writer, tsv_escape

    path = Path(path)
    if delimiter is None:
        delimiter = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    items = select_pairs(store, only_clean=only_clean, min_score=min_score, exclude_flags=exclude_flags)
    with atomic_writer(path, newline="") as fh:  # OSError -> BitextError naming the path (exit code 2)
        rows = (
            [it.id, it.source, it.target, "", str(it.review_id or ""), it.review_status, " ".join(it.flags),
             it.review_comment or ""]
            for it in items
        )
        if delimiter == "\t":  # the project's TSV convention (see bitext.export.tsv_escape)
            for row in (list(CSV_COLUMNS), *rows):
                fh.write("\t".join(tsv_escape(f) for f in row) + "\n")
        else:
            w = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
            w.writerow(CSV_COLUMNS)
            w.writerows(rows)
    return len(items)


# -- import of edits made elsewhere ---------------------------------------------------------


@dataclass
class ImportRecord:
    """One edited row/unit read from a file, before it is checked against the store."""

    where: str  # 'FILE:LINE' or "FILE: unit 'ID'", the prefix of problem lines
    pair_id: str
    new_target: str | None  # None: the file says nothing about the English (no change)
    base_hash: str | None = None  # text_hash of the English at export time, if the file carries it
    base_review_id: int | None = None  # newest review id at export (0: none), if the file carries it
    comment: str | None = None
    problem: str | None = None  # the record could not be read; reported as is


@dataclass
class ImportResult:
    """What :func:`import_review` did: new review ids, unchanged rows, and one line per problem."""

    applied: list[int] = field(default_factory=list)
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _table_rows(fh: IO[str], path: Path, tsv: bool) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of each record, header included."""
    if tsv:
        from bitext.export import tsv_unescape

        # The project's TSV (bitext.export.write_tsv): one record per line, backslash escapes, no quoting.
        for number, line in enumerate(fh, 1):
            yield number, [tsv_unescape(f) for f in line.rstrip("\r\n").split("\t")]
        return
    reader = csv.reader(fh)
    start = 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as e:
        raise BitextError(f"{path}:{reader.line_num}: not valid CSV: {e}") from e


def read_review_table(path: str | Path) -> list[ImportRecord]:
    """Read a CSV or TSV file in the format of the module docstring, or a ``bitext export --format tsv`` file."""
    path = Path(path)
    try:
        fh = open(path, encoding="utf-8-sig", newline="")
    except OSError as e:
        raise BitextError(f"{path}: cannot read: {e.strerror}", exit_code=2) from e
    records: list[ImportRecord] = []
    with fh:
        try:
            first = fh.readline()
            fh.seek(0)
            tsv = path.suffix.lower() in (".tsv", ".tab") or ("\t" in first and "," not in first)
            rows = _table_rows(fh, path, tsv)
            _, header = next(rows, (1, []))
            if not header or header == [""]:
                raise BitextError(f"{path}:1: empty file (expected a header row with an 'id' column)")
            cols = {name.strip().lower(): i for i, name in enumerate(header)}
            # bitext export --format tsv: pair_id ... id (Indonesian) en (English).
            id_col = "pair_id" if "pair_id" in cols else "id"
            target_col = "target" if "target" in cols else "en" if "pair_id" in cols and "en" in cols else None
            if id_col not in cols or (target_col is None and "edited" not in cols):
                raise BitextError(
                    f"{path}:1: header must have 'id' and 'target' (and 'edited' for edits); got {', '.join(header)}"
                )
            for number, row in rows:
                if not any(cell.strip() for cell in row):
                    continue

                def cell(name: str | None, row: list[str] = row) -> str | None:
                    i = cols.get(name) if name else None
                    return row[i] if i is not None and i < len(row) else None

                pair_id = (cell(id_col) or "").strip()
                rec = ImportRecord(where=f"{path}:{number}", pair_id=pair_id, new_target=None,
                                   comment=cell("comment") or None)
                if len(row) != len(header):
                    rec.problem = f"{len(row)} fields, the header has {len(header)} (a quote or separator is off)"
                elif not pair_id:
                    rec.problem = f"empty {id_col}"
                elif "edited" in cols:
                    edited = cell("edited") or ""
                    rec.new_target = edited if edited.strip() else None
                    if target_col is not None:
                        rec.base_hash = text_hash(cell(target_col) or "")
                else:
                    rec.new_target = cell(target_col)
                if rec.problem is None and "review_id" in cols:
                    marker = (cell("review_id") or "").strip()
                    if marker and not marker.isdigit():
                        rec.problem = f"review_id {marker!r} is not a number"
                    else:
                        rec.base_review_id = int(marker) if marker else 0
                records.append(rec)
        except UnicodeDecodeError as e:
            raise BitextError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from e
    return records


def import_review(
    store: Store, path: str | Path, *, reviewer: str, fmt: str = "auto", dry_run: bool = False
) -> ImportResult:
    """Apply English edits from an XLIFF 2 file (from :func:`bitext.xliff.export_xliff`) or a CSV/TSV file.

    A target that differs from the export-time (or current) English becomes an 'edited' decision by
    ``reviewer``; an unchanged one writes nothing, so importing the same file twice is harmless.
    Unknown ids, repeated ids, unreadable rows and conflicts (the pair's review state or English
    changed since the export) are reported in ``problems``, one line each, and not applied; the other
    rows are applied in one transaction (none with ``dry_run``).
    """
    reviewer = _reviewer(reviewer)
    path = Path(path)
    if fmt == "auto":
        fmt = "xliff" if path.suffix.lower() in (".xlf", ".xliff", ".xml") else "csv"
    if fmt == "xliff":
        from bitext.xliff import read_xliff

        records = read_xliff(path)
    elif fmt in ("csv", "tsv"):
        records = read_review_table(path)
    else:
        raise BitextError(f"unknown import format {fmt!r}; use xliff, csv or tsv", exit_code=2)

    result = ImportResult()
    seen: dict[str, str] = {}
    with _durable_tx(store) as conn:
        for rec in records:
            if rec.problem:
                result.problems.append(f"{rec.where}: {rec.problem}")
                continue
            if rec.pair_id in seen:
                result.problems.append(f"{rec.where}: pair {rec.pair_id!r} appears twice (first at {seen[rec.pair_id]})")
                continue
            seen[rec.pair_id] = rec.where
            pair = conn.execute("SELECT id, source, target FROM pairs WHERE id = ?", (rec.pair_id,)).fetchone()
            if pair is None:
                result.problems.append(f"{rec.where}: unknown pair id {rec.pair_id!r} (not in {store.path})")
                continue
            current = _newest(conn, rec.pair_id)
            english = _english(current, pair)
            if rec.new_target is None:
                result.unchanged += 1
                continue
            new = clean_text(rec.new_target)
            # Unchanged first: a 1-0 pair exports an empty English, and re-importing it untouched is no error.
            if (rec.base_hash is not None and text_hash(new) == rec.base_hash) or new == clean_text(english):
                result.unchanged += 1  # not edited in the file, or this very edit is already the state
                continue
            if not new:
                result.problems.append(f"{rec.where}: pair {rec.pair_id!r}: empty English; reject it in the review app")
                continue
            current_id = current["id"] if current is not None else 0
            stale = (rec.base_review_id is not None and rec.base_review_id != current_id) or (
                rec.base_hash is not None and rec.base_hash != text_hash(english)
            )
            unmarked = rec.base_review_id is None and rec.base_hash is None
            if unmarked and _status(current, pair) != "pending":
                stale = True  # no state marker: a pair reviewed since could be overwritten; don't guess
            if stale:
                state = "pending" if current is None else f"{current['status']} by {current['reviewer']} at {current['at']}"
                result.problems.append(
                    f"{rec.where}: pair {rec.pair_id!r} changed since export (now {state}); edit not imported"
                )
                continue
            if dry_run:
                result.applied.append(0)
                continue
            comment = clean_text(rec.comment) if rec.comment else None
            result.applied.append(
                _insert(
                    conn,
                    pair,
                    reviewer=reviewer,
                    status="edited",
                    before=english,
                    after=new,
                    comment=comment or None,
                    parent=current["id"] if current is not None else None,
                )
            )
    return result
