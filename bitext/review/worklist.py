"""Reads of the review queue: pairs in order of need, filters, neighbours, history and progress counts
(for the web app and ``bitext status``).

SQL only picks and orders pair ids; what a pair looks like comes from the read model
(:func:`bitext.records.pair_records`), so the queue, the pair page and every export show the same
English, status and staleness (all computed by :func:`bitext.review.state.review_state`).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bitext.errors import BitextError
from bitext.model import (
    APPROVED,
    DECISIONS,
    INFO,
    NO_FLAG_RANK,
    PENDING,
    SEVERITY_RANK,
    STATUSES,
    severity_case,
)
from bitext.records import Finding, PairRecord, pair_records
from bitext.review import index
from bitext.review.schema import ensure_schema, has_schema
from bitext.store import Store, flag_tuples, has_table

__all__ = [
    "QueueItem", "queue", "queue_ids", "queue_count", "queue_size", "get_item", "neighbours", "pair_flags", "flag_counts", "history",
    "review_row", "review_progress",
]  # fmt: skip


def _rank(severity: str) -> int:
    # As severity_case() in SQL: a severity outside the vocabulary sorts like 'info'.
    return SEVERITY_RANK.get(severity, SEVERITY_RANK[INFO])


def _record_field(name: str, doc: str) -> property:
    return property(lambda self: getattr(self.record, name), doc=doc)


@dataclass(frozen=True)
class QueueItem:
    """A pair as the queue and the web app show it: a view of its :class:`~bitext.records.PairRecord`.

    The record's names are kept (``item.record.review_status``); the properties below are the names
    the queue, the templates and scripts use.
    """

    record: PairRecord

    id = _record_field("id", "Pair id.")
    article_id = _record_field("doc_id", "Article id.")
    kind = _record_field("kind", "'mt' or 'reference'.")
    bead_idx = _record_field("bead_idx", "Position in the article's beads of this kind.")
    bead_type = _record_field("bead_type", "'1-1', '2-1', ...")
    align_score = _record_field("align_score", "Alignment score, None if none.")
    source = _record_field("source", "Indonesian text.")
    target = _record_field("target", "Current English: the reviewer's text when accepted/edited, else aligned.")
    original_target = _record_field("aligned_target", "``pairs.target`` as aligned.")
    mt = _record_field("mt", "Machine translation of the source.")
    status = _record_field("review_status", "'pending', 'accepted', 'edited' or 'rejected'.")
    review_id = _record_field("review_id", "Newest review row id (applying or not), None if none.")
    reviewer = _record_field("reviewer", "Reviewer of the applying decision, None when pending.")
    at = _record_field("reviewed_at", "Time of the applying decision, None when pending.")
    comment = _record_field("review_comment", "Comment of the applying decision.")
    stale = _record_field("review_stale", "The newest review was made on other content: pending again.")

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every computed check: fired first, worst severity first, then by name (the page's order)."""
        return tuple(sorted(self.record.findings, key=lambda f: (not f.fired, _rank(f.severity), f.name)))

    @property
    def flags(self) -> tuple[str, ...]:
        """Names of the checks that fired, worst first."""
        return tuple(f.name for f in self.findings if f.fired)

    @property
    def severity(self) -> str | None:
        """Severity of the worst fired check, None if no check fired."""
        first = next(iter(self.findings), None)
        return first.severity if first is not None and first.fired else None

    @property
    def parent_id(self) -> int:
        """The ``parent_id`` a decision made on this view of the pair must carry (0: no review yet)."""
        return self.review_id or 0


def _conn(store: Store) -> sqlite3.Connection:
    """This thread's connection, the review tables and their indexes made (or upgraded) first."""
    ensure_schema(store)
    index.ensure_index(store)
    return store.conn


_SEV_CASE = severity_case("severity")
_RANK_SEVERITY = {rank: sev for sev, rank in SEVERITY_RANK.items()}

# The queue reads the per-pair state table (bitext.review.schema, kept current by triggers), so picking
# the next pair is one index range scan whatever the corpus size; what a pair looks like still comes
# from the read model (records), so the queue, the page and every export agree.
_ORDER = "sev_rank, article_id, kind, bead_idx, pair_id"
MAX_SEARCH = 500
"""Longest search text (characters); a longer one is refused with a clear line."""


def _items(conn: sqlite3.Connection, ids: Sequence[str], reasons: bool = False) -> list[QueueItem]:
    return [QueueItem(rec) for rec in pair_records(conn, ids, reasons=reasons)]


COMMON_MATCHES = 4000
"""A search with more trigram matches than this is common: checked along the queue order instead."""
COUNT_CAP = 500
"""Counts of a common search stop past this many pairs (shown as "more than 500")."""
_RARE: dict[tuple[str, str], tuple[float, bool]] = {}  # (store, search) -> (when, rare): the plan, not results


def _rare(store: Store, search: str) -> bool:
    """Whether ``search`` has few enough matches in the trigram index to drive the query from them
    (asked once a minute per text: it only picks the plan, both plans give the same pairs)."""
    import time

    if len(search) < index.MIN_TRIGRAM or not index.search_ready(store):
        return False
    key, now = (str(store.path), search), time.monotonic()
    hit = _RARE.get(key)
    if hit is not None and now - hit[0] < 60:
        return hit[1]
    phrase = '"' + search.replace('"', '""') + '"'
    n = store.conn.execute("SELECT COUNT(*) FROM (SELECT 1 FROM review_index_text WHERE review_index_text MATCH ?"
                           " LIMIT ?)", (phrase, COMMON_MATCHES + 1)).fetchone()[0]
    if len(_RARE) > 256:
        _RARE.clear()
    _RARE[key] = (now, n <= COMMON_MATCHES)
    return n <= COMMON_MATCHES


class _Plan:
    """Where a queue query reads its pairs from and its conditions (SQL text and parameters).

    ``source`` is ``review_pair_state s``, or the flag index ``review_index_flags s`` (same columns)
    when the filter is one check, or the matches of a text search joined to the state table; every
    other filter and the keyset anchor are conditions on ``s``, which all three sources index in queue
    order.
    """

    def __init__(self, store: Store, flag: str | None, status: str | None, article: str | None,
                 search: str | None, kind: str | None, discussion: bool = False) -> None:  # fmt: skip
        self.source = "review_pair_state s"
        self.where: list[str] = []
        self.params: list[object] = []
        self.source_params: list[object] = []
        indexed = index.has_index(store)
        if status:
            if status not in STATUSES:
                raise BitextError(f"unknown review status {status!r}; use one of {', '.join(STATUSES)}", 2)
            self.add("s.status = ?", status)
        if search is not None:
            search = search.strip()
            if len(search) > MAX_SEARCH:
                raise BitextError(f"the search is {len(search):,} characters; search for at most {MAX_SEARCH}", 2)
        self.walk = bool(search) and not _rare(store, search or "")
        """The search is checked pair by pair along the queue order (a common or short text), not driven
        by its matches: then a count stops at a cap (:func:`queue_count`)."""
        if flag == "any":
            self.add(f"s.sev_rank < {NO_FLAG_RANK}")
        elif flag == "none":
            self.add(f"s.sev_rank = {NO_FLAG_RANK}")
        elif flag and indexed and (self.walk or not search):
            self.source = "review_index_flags s"
            self.add("s.check_name = ?", flag)
        elif flag:
            self.add("EXISTS (SELECT 1 FROM pair_flags f WHERE f.pair_id = s.pair_id AND f.check_name = ?"
                     " AND f.fired = 1)", flag)
        if article:
            self.add("s.article_id = ?", article)
        if kind:
            self.add("s.kind = ?", kind)
        if search:
            self._search(search)
        if discussion:  # pairs whose discussion is open (bitext.review.discussion; none in an older store)
            if not has_table(store.conn, "review_discussion_open"):
                self.add("0")
            elif self.source == "review_pair_state s":  # the few open ones drive the query
                self.source = ("(SELECT pair_id AS id FROM review_discussion_open) d"
                               " CROSS JOIN review_pair_state s ON s.pair_id = d.id")
            else:
                self.add("s.pair_id IN (SELECT pair_id FROM review_discussion_open)")

    def add(self, cond: str, *params: object) -> None:
        self.where.append(cond)
        self.params += params

    def _search(self, search: str) -> None:
        # LIKE with escaped wildcards: the user's % and _ are literal characters. The reviewer's English
        # is the applying review's 'after' (approved pairs only).
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", search) + "%"
        like = "LIKE ? ESCAPE '\\'"
        if not self.walk:
            # A rare text: the trigram index finds the candidates (Unicode case folding: a superset of
            # LIKE's ASCII one), LIKE on those keeps the exact meaning, and the matches drive the query.
            phrase = '"' + search.replace('"', '""') + '"'
            self.source = (
                "(SELECT ? AS id UNION SELECT i.pair_id FROM review_index_text t JOIN review_index_ids i"
                " ON i.rid = t.rowid JOIN pairs p ON p.id = i.pair_id WHERE review_index_text MATCH ?"
                f" AND (p.source {like} OR p.target {like} OR p.mt {like})"
                " UNION SELECT x.pair_id FROM review_index_after a JOIN reviews r ON r.id = a.rowid"
                " JOIN review_pair_state x ON x.pair_id = r.pair_id AND x.review_id = r.id"
                f" WHERE review_index_after MATCH ? AND r.after {like} AND x.status IN {_APPROVED_SQL}) m"
                " CROSS JOIN review_pair_state s ON s.pair_id = m.id"
            )
            self.source_params = [search, phrase, pattern, pattern, pattern, phrase, pattern]
            return
        # A common (or short) text: walk the queue order and test each pair; matches are dense there.
        self.add(f"(s.pair_id = ? OR EXISTS (SELECT 1 FROM pairs p WHERE p.id = s.pair_id AND (p.source {like}"
                 f" OR p.target {like} OR p.mt {like})) OR (s.status IN {_APPROVED_SQL} AND EXISTS (SELECT 1"
                 " FROM review_pair_state x JOIN reviews r ON r.id = x.review_id WHERE x.pair_id = s.pair_id"
                 f" AND r.after {like})))",
                 search, pattern, pattern, pattern, pattern)

    def sql(self, columns: str, tail: str = "") -> tuple[str, list[object]]:
        where = " WHERE " + " AND ".join(self.where) if self.where else ""
        return f"SELECT {columns} FROM {self.source}{where}{tail}", self.source_params + self.params


_APPROVED_SQL = "(" + ", ".join(f"'{a}'" for a in APPROVED) + ")"
_KEY = _ORDER.split(", ")


def queue(store: Store, **filters: Any) -> list[QueueItem]:
    """Pairs in order of need: fired flags first (error, warning, info), then article order.

    Keyword arguments (all optional), combined with AND: ``flag`` is a check name whose flag fired, or
    ``'any'`` (some flag fired) or ``'none'`` (no flag fired); ``status`` one of
    :data:`~bitext.model.STATUSES`; ``article`` an article id; ``kind`` 'mt' or 'reference'; ``discussion``
    pairs whose discussion is open; ``search``
    a case-insensitive (ASCII) substring of the source, current or original English, or MT, or an exact
    pair id (at most :data:`MAX_SEARCH` characters). ``after`` starts the page after that pair's place in
    the order (whether or not the pair itself matches the filters), for "next pair" navigation;
    ``before`` gives the pairs just before it, nearest first ("previous pair"); both are keyset reads of
    an index in queue order. ``limit`` (default 50; None: all) and ``offset`` page the result.
    """
    return _items(_conn(store), queue_ids(store, **filters))


def queue_ids(
    store: Store,
    *,
    flag: str | None = None,
    status: str | None = None,
    article: str | None = None,
    search: str | None = None,
    kind: str | None = None,
    discussion: bool = False,
    after: str | None = None,
    before: str | None = None,
    limit: int | None = 50,
    offset: int = 0,
) -> list[str]:
    """The pair ids :func:`queue` returns (same arguments), without reading the pairs."""
    conn = _conn(store)
    plan = _Plan(store, flag, status, article, search, kind, discussion)
    order = ", ".join(f"s.{c}" for c in _KEY)
    for anchor, op in ((after, ">"), (before, "<")):
        if anchor is None:
            continue
        key = conn.execute(f"SELECT {_ORDER} FROM review_pair_state WHERE pair_id = ?", (anchor,)).fetchone()
        if key is None:
            raise BitextError(f"pair {anchor!r}: no such pair in {store.path}")
        plan.add(f"({', '.join('s.' + c for c in _KEY)}) {op} (?, ?, ?, ?, ?)", *key)
        if op == "<":  # nearest first: the index read backwards
            order = ", ".join(f"s.{c} DESC" for c in _KEY)
    sql, params = plan.sql("s.pair_id", f" ORDER BY {order} LIMIT ? OFFSET ?")
    return [r[0] for r in conn.execute(sql, [*params, -1 if limit is None else limit, offset])]


def queue_count(
    store: Store,
    *,
    flag: str | None = None,
    status: str | None = None,
    article: str | None = None,
    search: str | None = None,
    kind: str | None = None,
    discussion: bool = False,
    cap: int | None = None,
) -> int:
    """Number of pairs :func:`queue` would return with these filters and no limit: read from the tallies
    (:mod:`bitext.review.index`) unless the filter has a text search or a kind, which count their matches.
    ``cap``: a common search (see :data:`COMMON_MATCHES`) stops counting past ``cap`` and returns ``cap + 1``."""
    conn = _conn(store)
    if status and status not in STATUSES:
        raise BitextError(f"unknown review status {status!r}; use one of {', '.join(STATUSES)}", 2)
    if not (search or kind or discussion) and index.has_index(store):
        facet = {None: index.ALL, "": index.ALL, "any": index.ANY, "none": index.NONE}.get(flag, flag)
        return index.tally(store, facet or index.ALL, status, article)
    if not (flag or article or search or kind or discussion):  # the counts table: O(1)
        sql, params = "SELECT COALESCE(SUM(n), 0) FROM review_counts", []
        if status:
            sql, params = sql + " WHERE status = ?", [status]
        return conn.execute(sql, params).fetchone()[0]
    plan = _Plan(store, flag, status, article, search, kind, discussion)
    if cap is not None and plan.walk:
        sql, params = plan.sql("1", " LIMIT ?")
        return conn.execute(f"SELECT COUNT(*) FROM ({sql})", [*params, cap + 1]).fetchone()[0]
    sql, params = plan.sql("COUNT(*)")
    return conn.execute(sql, params).fetchone()[0]


def queue_size(store: Store, **filters: str | None) -> str:
    """"N" pairs in the queue of these filters (those of :func:`queue_count`), as the page shows it:
    exact, except a common search's count, which stops past :data:`COUNT_CAP` ("more than 500")."""
    n = queue_count(store, **filters, cap=COUNT_CAP)  # type: ignore[arg-type]
    return f"more than {COUNT_CAP}" if filters.get("search") and n > COUNT_CAP else str(n)


def get_item(store: Store, pair_id: str) -> QueueItem | None:
    """One pair with its current state and every finding's reason, or None if there is no such pair."""
    found = _items(store.conn, [pair_id], reasons=True)
    return found[0] if found else None


def neighbours(store: Store, item: QueueItem, before: int = 2, after: int = 2) -> tuple[list[QueueItem], list[QueueItem]]:
    """The pairs just before and after ``item`` in its article (same kind), in reading order."""
    conn = store.conn
    sql = "SELECT id FROM pairs WHERE article_id = ? AND kind = ? AND bead_idx {} ? ORDER BY bead_idx {} LIMIT ?"
    prev = [r[0] for r in conn.execute(sql.format("<", "DESC"), (item.article_id, item.kind, item.bead_idx, before))]
    nxt = [r[0] for r in conn.execute(sql.format(">", "ASC"), (item.article_id, item.kind, item.bead_idx, after))]
    return _items(conn, prev[::-1]), _items(conn, nxt)


def pair_flags(store: Store, pair_id: str) -> list[dict[str, Any]]:
    """All computed checks of a pair as stored rows (``pair_id``, ``check_name``, ``score``, ``fired``,
    ``severity``, ``reason``: fired ones only keep one): fired ones first, worst severity first."""
    cols = ("pair_id", "check_name", "score", "fired", "severity", "reason")
    rows = [dict(zip(cols, r, strict=True)) for r in flag_tuples(store.conn, [pair_id], reasons=True)]
    return sorted(rows, key=lambda r: (-r["fired"], SEVERITY_RANK.get(r["severity"], SEVERITY_RANK[INFO]),
                                       r["check_name"]))


_FLAG_COUNTS: dict[str, tuple[tuple[int, int], list[tuple[str, str, int]]]] = {}


def flag_counts(store: Store) -> list[tuple[str, str, int]]:
    """(check name, worst severity, number of pairs) of every check that fired somewhere.

    Counted once per change of the flags (the newest ``pair_flags`` rowid, which every write of flags
    moves, and the number of pairs), not on every page: at 200k pairs the count reads ~25k rows.
    """
    conn = _conn(store)
    key = (conn.execute("SELECT MAX(rowid) FROM pair_flags").fetchone()[0] or 0,
           conn.execute("SELECT COALESCE(SUM(n), 0) FROM review_counts").fetchone()[0])
    cached = _FLAG_COUNTS.get(str(store.path))
    if cached is not None and cached[0] == key:
        return list(cached[1])
    rows = conn.execute(
        f"SELECT check_name, MIN({_SEV_CASE}) AS r, COUNT(*) FROM pair_flags WHERE fired = 1"
        " GROUP BY check_name ORDER BY r, check_name"
    )
    out = [(r[0], _RANK_SEVERITY[r[1]], r[2]) for r in rows]
    _FLAG_COUNTS[str(store.path)] = (key, out)
    return list(out)


def history(store: Store, pair_id: str) -> list[sqlite3.Row]:
    """Every review row of a pair, oldest first (the last one is its state)."""
    return store.conn.execute("SELECT * FROM reviews WHERE pair_id = ? ORDER BY id", (pair_id,)).fetchall()


def review_row(store: Store, review_id: int) -> sqlite3.Row | None:
    """One review row by id."""
    return store.conn.execute("SELECT * FROM reviews WHERE id = ?", (review_id,)).fetchone()


def review_progress(store: Store) -> dict[str, int]:
    """Counts for ``bitext status`` and the web app header (from the counts table: O(1)).

    Keys: ``pairs`` (all pairs), ``reviewed`` (accepted + edited + rejected), ``accepted``, ``edited``,
    ``rejected``, ``pending`` and ``needs_review``: pending pairs on which a check of a blocking
    severity fired (:func:`bitext.model.needs_review`). Reviews of pairs that no longer exist, or made
    on content the pair no longer has, are not counted (the pair is pending).
    """
    out = {"pairs": 0, "reviewed": 0, **dict.fromkeys((*DECISIONS, PENDING), 0), "needs_review": 0}  # print order
    if store.read_only and not has_schema(store.conn):
        rows = _progress_rows_slow(store)
    else:
        rows = _conn(store).execute("SELECT status, needs_review, SUM(n) FROM review_counts GROUP BY 1, 2").fetchall()
    for status, blocking, n in rows:
        out["pairs"] += n
        out[status] += n
        if status == PENDING and blocking:
            out["needs_review"] += n
    out["reviewed"] = sum(out[d] for d in DECISIONS)
    return out


def _progress_rows_slow(store: Store) -> list[tuple[str, int, int]]:
    """The counts from the pairs themselves, for a read-only store the review tables were never made in."""
    from collections import Counter

    from bitext.records import iter_pairs

    tally = Counter((rec.review_status, int(rec.needs_review)) for rec in iter_pairs(store, checks=()))
    return [(st, nr, n) for (st, nr), n in tally.items()]
