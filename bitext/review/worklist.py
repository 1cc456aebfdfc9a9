"""Reads of the review queue: pairs in order of need with their state and fired flags, filters,
neighbours, history and progress counts (for the web app and ``bitext status``)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

from bitext.errors import BitextError
from bitext.model import (
    BLOCKING_SEVERITIES,
    NO_FLAG_RANK,
    PENDING,
    SEVERITY_RANK,
    STATUSES,
    severity_case,
)
from bitext.review.state import SQL_FUNCTION, register_sql
from bitext.store import Store


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



def _conn(store: Store) -> sqlite3.Connection:
    """This thread's connection with the review-state SQL function registered."""
    return register_sql(store.conn)


_SEV_CASE = severity_case("severity")

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
       {SQL_FUNCTION}('status', {_ST}) AS status,
       st.id AS review_id, st.reviewer, st.at, st.comment,
       {SQL_FUNCTION}('stale', {_ST}) AS stale,
       {SQL_FUNCTION}('english', {_ST}) AS target,
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
    worst = max(SEVERITY_RANK[x] for x in BLOCKING_SEVERITIES)
    rows = _conn(store).execute(
        f"SELECT status, sev_rank <= {worst} AS flagged, COUNT(*) AS n FROM ({_BASE}) GROUP BY 1, 2"
    ).fetchall()
    out = {"pairs": 0, "reviewed": 0, "accepted": 0, "edited": 0, "rejected": 0, "pending": 0, "needs_review": 0}
    for r in rows:
        status = r["status"] if r["status"] in STATUSES else PENDING
        out["pairs"] += r["n"]
        out[status] += r["n"]
        if status == PENDING and r["flagged"]:
            out["needs_review"] += r["n"]
    out["reviewed"] = out["accepted"] + out["edited"] + out["rejected"]
    return out
