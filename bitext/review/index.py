"""Indexes that keep every view of the review app fast at any corpus size, kept current by SQLite
triggers (components ``review_index`` and ``review_index_fts``, on top of :mod:`bitext.review.schema`).

* ``review_index_flags``: one row per (fired check, pair) carrying the pair's queue key (status, worst
  severity, article, kind, bead), so "pairs where check X fired", in queue order, is an index range
  (next/previous inside a flag filter are keyset queries, never scans of the corpus).
* ``review_index_tally``: the number of pairs per (facet, status, article): facet ``:all`` (every pair),
  ``:any`` / ``:none`` (some / no check fired) or a check name; article ``''`` is the sum over articles.
  "N in this queue" is one or a few primary-key reads whatever the filter (except a text search).
* ``review_index_text`` / ``review_index_after``: FTS5 tables with the trigram tokenizer over the
  pairs' Indonesian, English and MT and over reviewers' English, so a substring search reads the
  index, not the corpus (SQLite >= 3.34 with FTS5; elsewhere the search checks pairs one by one and
  :func:`has_search_index` says so). Reviews are indexed by a trigger as they are written; pairs are
  noted as changed by a trigger and indexed by the review app (:func:`search_ready`): indexing them
  as they are written would halve the align stage's speed.

Triggers cannot call Python (other processes write the store too), so the rules are written in SQL
here; :func:`check_index` recomputes every tally and flag row from the tables and reports a difference
(``tests/review/test_index.py`` runs it after every kind of write).
"""

from __future__ import annotations

import sqlite3
import threading
import time

from bitext.errors import BitextError
from bitext.model import NO_FLAG_RANK
from bitext.review.schema import ensure_schema, has_schema
from bitext.store import Store, has_table

COMPONENT = "review_index"
FTS_COMPONENT = "review_index_fts"
TOTAL = ""
"""The article key of a tally row summed over every article."""
ALL, ANY, NONE = ":all", ":any", ":none"
"""Tally facets besides check names: every pair, some check fired, no check fired."""
MIN_TRIGRAM = 3
"""Shortest search (characters) the trigram index can answer; a shorter one scans."""


def _tally(facet: str, row: str, sign: str) -> str:
    """Add ``sign``1 to the tally of ``facet`` for ``row``'s status in its article and in the total."""
    return (f"INSERT INTO review_index_tally(facet, status, article_id, n) VALUES"
            f" ({facet}, {row}.status, {row}.article_id, {sign}1), ({facet}, {row}.status, '{TOTAL}', {sign}1)"
            " ON CONFLICT(facet, status, article_id) DO UPDATE SET n = n + excluded.n;")


def _bucket(row: str) -> str:
    return f"CASE WHEN {row}.sev_rank < {NO_FLAG_RANK} THEN '{ANY}' ELSE '{NONE}' END"


_FLAG_COLS = "check_name, pair_id, status, sev_rank, article_id, kind, bead_idx"
_STATE_KEY_CHANGED = " OR ".join(f"OLD.{c} IS NOT NEW.{c}"
                                 for c in ("pair_id", "status", "sev_rank", "article_id", "kind", "bead_idx"))


def _flag_rows_of(pid: str, row: str) -> str:
    """Index rows of the fired checks of pair ``pid``, keyed as the state row ``row``."""
    return (f"INSERT INTO review_index_flags({_FLAG_COLS}) SELECT f.check_name, {row}.pair_id, {row}.status,"
            f" {row}.sev_rank, {row}.article_id, {row}.kind, {row}.bead_idx FROM pair_flags f"
            f" WHERE f.pair_id = {pid} AND f.fired = 1;")


def _flag_row(flag: str) -> str:
    """The index row of flag row ``flag`` if it fired and its pair has a state row."""
    return (f"INSERT INTO review_index_flags({_FLAG_COLS}) SELECT {flag}.check_name, s.pair_id, s.status,"
            f" s.sev_rank, s.article_id, s.kind, s.bead_idx FROM review_pair_state s"
            f" WHERE s.pair_id = {flag}.pair_id AND {flag}.fired = 1;")


def _drop_flag_row(flag: str) -> str:
    return f"DELETE FROM review_index_flags WHERE check_name = {flag}.check_name AND pair_id = {flag}.pair_id;"


_INDEX_SQL = f"""
CREATE TABLE review_index_flags (
    check_name TEXT NOT NULL,
    pair_id    TEXT NOT NULL,
    status     TEXT NOT NULL,
    sev_rank   INTEGER NOT NULL,
    article_id TEXT NOT NULL,
    kind       TEXT NOT NULL,
    bead_idx   INTEGER NOT NULL,
    PRIMARY KEY (check_name, pair_id)
) WITHOUT ROWID;
CREATE INDEX review_index_flags_queue ON review_index_flags(check_name, status, sev_rank, article_id, kind, bead_idx,
                                                             pair_id);
CREATE INDEX review_index_flags_order ON review_index_flags(check_name, sev_rank, article_id, kind, bead_idx, pair_id);
CREATE INDEX review_index_flags_article ON review_index_flags(article_id, check_name);
CREATE INDEX review_index_flags_pair ON review_index_flags(pair_id);
CREATE TABLE review_index_tally (
    facet      TEXT NOT NULL,   -- ':all' | ':any' | ':none' | a check name
    status     TEXT NOT NULL,
    article_id TEXT NOT NULL,   -- '' = every article
    n          INTEGER NOT NULL,
    PRIMARY KEY (facet, status, article_id)
) WITHOUT ROWID;

CREATE TRIGGER review_index_flags_ins AFTER INSERT ON review_index_flags BEGIN {_tally('NEW.check_name', 'NEW', '+')} END;
CREATE TRIGGER review_index_flags_del AFTER DELETE ON review_index_flags BEGIN {_tally('OLD.check_name', 'OLD', '-')} END;
CREATE TRIGGER review_index_flags_upd AFTER UPDATE ON review_index_flags BEGIN
  {_tally('OLD.check_name', 'OLD', '-')} {_tally('NEW.check_name', 'NEW', '+')}
END;

CREATE TRIGGER review_index_state_ins AFTER INSERT ON review_pair_state BEGIN
  {_tally(f"'{ALL}'", 'NEW', '+')} {_tally(_bucket('NEW'), 'NEW', '+')}
  DELETE FROM review_index_flags WHERE pair_id = NEW.pair_id;
  {_flag_rows_of('NEW.pair_id', 'NEW')}
END;
CREATE TRIGGER review_index_state_del AFTER DELETE ON review_pair_state BEGIN
  {_tally(f"'{ALL}'", 'OLD', '-')} {_tally(_bucket('OLD'), 'OLD', '-')}
  DELETE FROM review_index_flags WHERE pair_id = OLD.pair_id;
END;
CREATE TRIGGER review_index_state_upd AFTER UPDATE ON review_pair_state WHEN {_STATE_KEY_CHANGED} BEGIN
  {_tally(f"'{ALL}'", 'OLD', '-')} {_tally(_bucket('OLD'), 'OLD', '-')}
  {_tally(f"'{ALL}'", 'NEW', '+')} {_tally(_bucket('NEW'), 'NEW', '+')}
  UPDATE review_index_flags SET (pair_id, status, sev_rank, article_id, kind, bead_idx)
    = (NEW.pair_id, NEW.status, NEW.sev_rank, NEW.article_id, NEW.kind, NEW.bead_idx) WHERE pair_id = OLD.pair_id;
END;

-- INSERT OR REPLACE into pair_flags (the flag stage) fires no delete trigger: the insert trigger drops
-- the old index row itself.
-- (WHEN: most flag rows did not fire and replace none that did: they cost one key lookup.)
CREATE TRIGGER review_index_pflags_ins AFTER INSERT ON pair_flags WHEN NEW.fired = 1 OR EXISTS
  (SELECT 1 FROM review_index_flags WHERE check_name = NEW.check_name AND pair_id = NEW.pair_id) BEGIN
  {_drop_flag_row('NEW')} {_flag_row('NEW')}
END;
CREATE TRIGGER review_index_pflags_del AFTER DELETE ON pair_flags WHEN OLD.fired = 1 BEGIN {_drop_flag_row('OLD')} END;
CREATE TRIGGER review_index_pflags_upd AFTER UPDATE ON pair_flags BEGIN
  {_drop_flag_row('OLD')} {_drop_flag_row('NEW')} {_flag_row('NEW')}
END;
"""

# (The flag rows' own triggers move the tallies as they are written; the tallies are then counted afresh.)
_BACKFILL_SQL = f"""
DELETE FROM review_index_flags;
INSERT INTO review_index_flags({_FLAG_COLS}) SELECT f.check_name, s.pair_id, s.status, s.sev_rank, s.article_id,
  s.kind, s.bead_idx FROM pair_flags f JOIN review_pair_state s ON s.pair_id = f.pair_id WHERE f.fired = 1;
DELETE FROM review_index_tally;
INSERT INTO review_index_tally(facet, status, article_id, n)
  SELECT facet, status, article_id, COUNT(*) FROM (
    SELECT '{ALL}' AS facet, status, article_id FROM review_pair_state
    UNION ALL SELECT '{ALL}', status, '{TOTAL}' FROM review_pair_state
    UNION ALL SELECT {_bucket('s')}, status, article_id FROM review_pair_state s
    UNION ALL SELECT {_bucket('s')}, status, '{TOTAL}' FROM review_pair_state s
    UNION ALL SELECT check_name, status, article_id FROM review_index_flags
    UNION ALL SELECT check_name, status, '{TOTAL}' FROM review_index_flags
  ) GROUP BY 1, 2, 3;
"""

MIGRATIONS: list[tuple[int, str]] = [(1, _INDEX_SQL + _BACKFILL_SQL)]

# Search: a trigram FTS5 table per text source. Pairs have a TEXT key (and a rowid VACUUM may renumber),
# so review_index_ids gives each pair id a stable integer, the FTS rowid. Reviews have an INTEGER PRIMARY
# KEY: their English is indexed as external content (no copy of the text), as each is written (people
# write them one at a time). Pairs are indexed later, by the review app (:func:`catch_up`): trigram
# indexing costs ~0.15 ms a pair, as much as aligning it, so the align stage only notes which pairs
# changed (review_index_dirty) and keeps its speed. The MT is indexed only where it differs from the
# English (an MT pair's English is its MT re-segmented): the same matches for a third less.
_DIRTY = "INSERT OR IGNORE INTO review_index_dirty(pair_id) VALUES ({});"
_AFTER_OUT = ("INSERT INTO review_index_after(review_index_after, rowid, after) VALUES ('delete', OLD.id, OLD.after);")
FTS_MIGRATIONS: list[tuple[int, str]] = [(1, f"""
CREATE TABLE review_index_ids (rid INTEGER PRIMARY KEY, pair_id TEXT NOT NULL UNIQUE);
CREATE TABLE review_index_dirty (pair_id TEXT PRIMARY KEY) WITHOUT ROWID;  -- pairs changed since indexed
CREATE VIRTUAL TABLE review_index_text USING fts5(source, target, mt, tokenize='trigram');
CREATE VIRTUAL TABLE review_index_after USING fts5(after, content='reviews', content_rowid='id', tokenize='trigram');
CREATE TRIGGER review_index_pairs_ins AFTER INSERT ON pairs BEGIN {_DIRTY.format('NEW.id')} END;
CREATE TRIGGER review_index_pairs_del AFTER DELETE ON pairs BEGIN {_DIRTY.format('OLD.id')} END;
CREATE TRIGGER review_index_pairs_upd AFTER UPDATE OF id, source, target, mt ON pairs BEGIN
  {_DIRTY.format('OLD.id')} {_DIRTY.format('NEW.id')}
END;
CREATE TRIGGER review_index_reviews_ins AFTER INSERT ON reviews BEGIN
  INSERT INTO review_index_after(rowid, after) VALUES (NEW.id, NEW.after);
END;
CREATE TRIGGER review_index_reviews_del AFTER DELETE ON reviews BEGIN {_AFTER_OUT} END;
CREATE TRIGGER review_index_reviews_upd AFTER UPDATE ON reviews BEGIN
  {_AFTER_OUT} INSERT INTO review_index_after(rowid, after) VALUES (NEW.id, NEW.after);
END;
INSERT INTO review_index_dirty(pair_id) SELECT id FROM pairs;
INSERT INTO review_index_after(review_index_after) VALUES ('rebuild');
""")]
_BATCH = "(SELECT pair_id FROM temp.review_index_batch)"
_CATCH_UP = [
    "DELETE FROM temp.review_index_batch",
    "INSERT INTO temp.review_index_batch(pair_id) SELECT pair_id FROM review_index_dirty LIMIT ?",
    f"DELETE FROM review_index_text WHERE rowid IN (SELECT rid FROM review_index_ids WHERE pair_id IN {_BATCH})",
    f"DELETE FROM review_index_ids WHERE pair_id IN {_BATCH}",
    f"INSERT INTO review_index_ids(pair_id) SELECT id FROM pairs WHERE id IN {_BATCH}",
    "INSERT INTO review_index_text(rowid, source, target, mt) SELECT i.rid, p.source, p.target,"
    f" NULLIF(p.mt, p.target) FROM review_index_ids i JOIN pairs p ON p.id = i.pair_id WHERE i.pair_id IN {_BATCH}",
    f"DELETE FROM review_index_dirty WHERE pair_id IN {_BATCH}",
]
INLINE = 2000
"""Changed pairs a search indexes itself before it runs (~0.3 s); more are indexed in the background."""
BATCH = 2000
"""Pairs indexed per write transaction in the background (short: a reviewer's save waits for it)."""


_TRIGGERS = ("review_index_flags_ins", "review_index_flags_del", "review_index_flags_upd", "review_index_state_ins",
             "review_index_state_del", "review_index_state_upd", "review_index_pflags_ins", "review_index_pflags_del",
             "review_index_pflags_upd")


def fts_supported(conn: sqlite3.Connection) -> bool:
    """Whether this SQLite has FTS5 with the trigram tokenizer (SQLite >= 3.34 built with FTS5)."""
    if sqlite3.sqlite_version_info < (3, 34, 0):
        return False
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.review_index_probe USING fts5(x, tokenize='trigram')")
        conn.execute("DROP TABLE temp.review_index_probe")
        return True
    except sqlite3.OperationalError:
        return False


def ensure_index(store: Store) -> None:
    """Create the review tables and these indexes (backfilled from the corpus) if missing, and rebuild
    them if a migration of the review tables dropped their triggers. Once per Store; a no-op when
    current. A read-only store is only looked at: the queries fall back to scans where it lacks them."""
    if getattr(store, "_review_index", None) is not None:
        return
    if store.read_only:
        store._review_index = has_table(store.conn, "review_index_tally")  # type: ignore[attr-defined]
        store._review_fts = has_table(store.conn, "review_index_text")  # type: ignore[attr-defined]
        return
    ensure_schema(store)
    store.migrate(COMPONENT, MIGRATIONS)
    present = {r[0] for r in store.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'review\\_index\\_%' ESCAPE '\\'")}
    if not set(_TRIGGERS) <= present:  # a table the triggers hang on was re-made: make them again
        rebuild_index(store)
    fts = has_table(store.conn, "review_index_text")
    if not fts and fts_supported(store.conn):
        store.migrate(FTS_COMPONENT, FTS_MIGRATIONS)
        fts = True
    store._review_index = True  # type: ignore[attr-defined]
    store._review_fts = fts  # type: ignore[attr-defined]


def rebuild_index(store: Store) -> None:
    """Drop and make again the flag index, the tallies and their triggers, from the corpus as it is."""
    from bitext.store import _split_sql

    with store.tx() as conn:
        for name in _TRIGGERS:
            conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        conn.execute("DROP TABLE IF EXISTS review_index_flags")
        conn.execute("DROP TABLE IF EXISTS review_index_tally")
        for stmt in _split_sql(_INDEX_SQL + _BACKFILL_SQL):
            conn.execute(stmt)


def has_index(store: Store) -> bool:
    """Whether the flag index and the tallies can be used (made on first use; a read-only store may lack them)."""
    ensure_index(store)
    return bool(store._review_index)  # type: ignore[attr-defined]


def has_search_index(store: Store) -> bool:
    """Whether text search reads the trigram index (False: this SQLite lacks FTS5 trigram; search scans)."""
    ensure_index(store)
    return bool(store._review_fts)  # type: ignore[attr-defined]


def tally(store: Store, facet: str, status: str | None, article: str | None) -> int:
    """Number of pairs of ``facet`` (:data:`ALL`, :data:`ANY`, :data:`NONE` or a check name) with ``status``
    (None: any) in ``article`` (None: every article): primary-key reads only."""
    sql = "SELECT COALESCE(SUM(n), 0) FROM review_index_tally WHERE facet = ? AND article_id = ?"
    params: list[object] = [facet, article or TOTAL]
    if status:
        sql += " AND status = ?"
        params.append(status)
    return store.conn.execute(sql, params).fetchone()[0]


def catch_up(store: Store, limit: int | None = None) -> int:
    """Index the text of pairs changed since they were indexed (at most ``limit``, in one write
    transaction); returns how many are left."""
    with store.tx() as conn:
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS review_index_batch (pair_id TEXT PRIMARY KEY)")
        for sql in _CATCH_UP:
            params = (-1 if limit is None else limit,) if "?" in sql else ()
            conn.execute(sql, params)
        return conn.execute("SELECT COUNT(*) FROM review_index_dirty").fetchone()[0]


_CATCHING_UP: set[int] = set()  # id() of the Stores a background thread indexes
_CATCHING_LOCK = threading.Lock()


def _background(store: Store) -> None:
    try:
        while catch_up(store, BATCH):
            time.sleep(0.05)  # let a reviewer's save take the write lock between batches
    except (BitextError, sqlite3.Error):
        pass  # searches keep checking pair by pair; the next search starts it again
    finally:
        with _CATCHING_LOCK:
            _CATCHING_UP.discard(id(store))


def search_ready(store: Store) -> bool:
    """Whether the trigram index holds every pair's current text, so a search may read it.

    A few changed pairs (up to :data:`INLINE`) are indexed right here; more start a background thread
    (one per Store) that indexes them in batches, and until it is done the answer is False (the search
    then checks pairs one by one: the same results, slower). False where there is no search index.
    """
    if not has_search_index(store):
        return False
    conn = store.conn
    pending = conn.execute("SELECT COUNT(*) FROM (SELECT 1 FROM review_index_dirty LIMIT ?)", (INLINE + 1,)).fetchone()[0]
    if not pending:
        return True
    if store.read_only:
        return False
    with _CATCHING_LOCK:
        busy = id(store) in _CATCHING_UP
        if not busy and pending > INLINE:
            _CATCHING_UP.add(id(store))
            threading.Thread(target=_background, args=(store,), name="bitext-search-index", daemon=True).start()
            return False
    if busy:
        return False
    return catch_up(store, INLINE) == 0


def check_index(store: Store) -> list[str]:
    """Differences between the indexes and the corpus (empty when they agree): for tests and the doctor."""
    conn = store.conn
    if not has_schema(conn) or not has_table(conn, "review_index_tally"):
        return []
    out: list[str] = []
    expect_flags = set(conn.execute(
        "SELECT f.check_name, s.pair_id, s.status, s.sev_rank, s.article_id, s.kind, s.bead_idx FROM pair_flags f"
        " JOIN review_pair_state s ON s.pair_id = f.pair_id WHERE f.fired = 1").fetchall())
    have_flags = set(conn.execute(f"SELECT {_FLAG_COLS} FROM review_index_flags").fetchall())
    out += [f"flag row missing: {tuple(r)}" for r in sorted(map(tuple, expect_flags - have_flags))]
    out += [f"flag row extra: {tuple(r)}" for r in sorted(map(tuple, have_flags - expect_flags))]
    have = {(r[0], r[1], r[2]): r[3] for r in conn.execute("SELECT facet, status, article_id, n FROM review_index_tally")
            if r[3]}
    expect: dict[tuple[str, str, str], int] = {}
    rows = conn.execute(f"SELECT '{ALL}', status, article_id FROM review_pair_state UNION ALL SELECT {_bucket('s')},"
                        " status, article_id FROM review_pair_state s UNION ALL SELECT check_name, status, article_id"
                        " FROM pair_flags f JOIN review_pair_state s ON s.pair_id = f.pair_id WHERE f.fired = 1")
    for facet, status, article in rows:
        for key in ((facet, status, article), (facet, status, TOTAL)):
            expect[key] = expect.get(key, 0) + 1
    out += [f"tally {k}: {have.get(k, 0)}, counted {expect.get(k, 0)}" for k in sorted(set(have) | set(expect))
            if have.get(k, 0) != expect.get(k, 0)]
    if has_table(conn, "review_index_text"):  # pairs changed since indexed are noted as such
        missing = conn.execute("SELECT COUNT(*) FROM pairs p WHERE NOT EXISTS (SELECT 1 FROM review_index_ids i"
                               " WHERE i.pair_id = p.id) AND p.id NOT IN (SELECT pair_id FROM review_index_dirty)"
                               ).fetchone()[0]
        extra = conn.execute("SELECT COUNT(*) FROM review_index_ids i WHERE NOT EXISTS (SELECT 1 FROM pairs p"
                             " WHERE p.id = i.pair_id) AND i.pair_id NOT IN (SELECT pair_id FROM review_index_dirty)"
                             ).fetchone()[0]
        if missing or extra:
            out.append(f"search index: {missing} pairs missing, {extra} extra")
        differ = conn.execute("SELECT COUNT(*) FROM review_index_ids i JOIN review_index_text t ON t.rowid = i.rid"
                              " JOIN pairs p ON p.id = i.pair_id WHERE i.pair_id NOT IN (SELECT pair_id FROM"
                              " review_index_dirty) AND (t.source IS NOT p.source"
                              " OR t.target IS NOT p.target OR t.mt IS NOT NULLIF(p.mt, p.target))").fetchone()[0]
        if differ:
            out.append(f"search index: {differ} pairs with other text")
    return out
