"""The review component's own tables, kept current by SQLite triggers (``Store.migrate("review", ...)``).

* ``review_pair_state``: one row per pair with what the queue, the filters and the progress header
  need (status, stale, worst fired severity as a rank, needs-review, reviewer). Triggers on ``pairs``,
  ``reviews``, ``pair_flags`` and ``review_stale`` keep it current whoever writes those tables (the
  aligner, the flag stage, another process), so no page ever recomputes it over the corpus.
* ``review_counts``: the progress counts by (status, needs_review, stale), kept by triggers on the
  state table, so the header is O(1).
* ``review_sources``: the Indonesian sentence ids a review row was made on (captured from
  ``pairs.src_ids`` when the row is written): the identity a decision keeps through re-alignment.
* ``review_carried``: which decision rows were carried into which new row (one new row may take
  several old ones: a merge), so a decision is carried once.
* ``review_stale``: decisions that could not be carried as they were (the bead was merged, split or
  reshaped, or its Indonesian changed), linked to every pair that now holds their sentences, so the old
  decision stays visible there.

The status rule in SQL below is :func:`bitext.review.state.review_state` written out (triggers cannot
call Python: other processes write the store too); ``tests/review/test_schema.py`` checks both agree.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator

from bitext.model import BLOCKING_SEVERITIES, DECISIONS, NO_FLAG_RANK, severity_case
from bitext.store import FLAGGED_SQL, Store, has_table

COMPONENT = "review"


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


# Whether review row r applies to pair p (review_applies), and the status it gives (review_state).
APPLIES = ("(r.source IS NULL OR (r.source = p.source AND CASE WHEN r.source = '' THEN"
           " COALESCE(r.pair_target, r.before) = p.target ELSE (r.pair_target IS NULL OR r.pair_target = p.target)"
           " END))")
STATUS = f"CASE WHEN r.id IS NOT NULL AND {APPLIES} AND r.status IN {_in(DECISIONS)} THEN r.status ELSE 'pending' END"
_NEWEST = "r.id = (SELECT MAX(x.id) FROM reviews x WHERE x.pair_id = p.id)"
_SEV = (f"COALESCE((SELECT MIN({severity_case('f.severity')}) FROM pair_flags f WHERE f.pair_id = p.id"
        f" AND +f.fired = 1), {NO_FLAG_RANK})")
_NEEDS = (f"EXISTS (SELECT 1 FROM pair_flags f WHERE f.pair_id = p.id AND +f.fired = 1"
          f" AND f.severity IN {_in(BLOCKING_SEVERITIES)})")
_FLAGGED = FLAGGED_SQL.format(pid="p.id")  # a pair_flags row (fired, or an older store's) or packed scores
_STALE = (f"(({STATUS}) = 'pending' AND ((r.id IS NOT NULL AND NOT {APPLIES})"
          " OR EXISTS (SELECT 1 FROM review_stale s WHERE s.pair_id = p.id)))")
_DECIDED = f"({STATUS}) != 'pending'"

# The full state row of the pairs selected by WHERE (p: pairs, r: its newest review row).
_STATE_SELECT = f"""
SELECT p.id, p.article_id, p.kind, p.bead_idx, p.bead_type, {STATUS}, r.id,
       CASE WHEN {_DECIDED} THEN r.reviewer END, CASE WHEN {_DECIDED} THEN r.at END,
       {_STALE}, {_SEV}, {_NEEDS}, {_FLAGGED}
FROM pairs p LEFT JOIN reviews r ON {_NEWEST}
"""
_STATE_COLS = ("pair_id, article_id, kind, bead_idx, bead_type, status, review_id, reviewer, at, stale, sev_rank,"
               " needs_review, flagged")
_REVIEW_UPDATE = f"""
UPDATE review_pair_state SET (status, review_id, reviewer, at, stale) = (
  SELECT {STATUS}, r.id, CASE WHEN {_DECIDED} THEN r.reviewer END, CASE WHEN {_DECIDED} THEN r.at END, {_STALE}
  FROM pairs p LEFT JOIN reviews r ON {_NEWEST} WHERE p.id = review_pair_state.pair_id)
WHERE pair_id = {{pid}} AND EXISTS (SELECT 1 FROM pairs WHERE id = {{pid}})
"""
_FLAG_UPDATE = f"""
UPDATE review_pair_state SET (sev_rank, needs_review, flagged) = (
  SELECT {_SEV}, {_NEEDS}, {_FLAGGED} FROM pairs p WHERE p.id = review_pair_state.pair_id)
WHERE pair_id = {{pid}} AND EXISTS (SELECT 1 FROM pairs WHERE id = {{pid}})
"""


def _count(sign: str, row: str) -> str:
    return (f"INSERT INTO review_counts(status, needs_review, stale, n) VALUES ({row}.status, {row}.needs_review,"
            f" {row}.stale, {sign}1) ON CONFLICT(status, needs_review, stale) DO UPDATE SET n = n {sign} 1;")


# The triggers that compute a pair's review status from its newest review (made by v1, made again by v3).
_STATUS_TRIGGERS = f"""
CREATE TRIGGER review_pairs_upd AFTER UPDATE ON pairs BEGIN
  DELETE FROM review_pair_state WHERE pair_id IN (OLD.id, NEW.id);
  INSERT INTO review_pair_state({_STATE_COLS}) {_STATE_SELECT} WHERE p.id = NEW.id;
END;
CREATE TRIGGER review_reviews_ins AFTER INSERT ON reviews BEGIN
  INSERT OR IGNORE INTO review_sources(review_id, pos, sentence_id)
    SELECT NEW.id, j.key, j.value FROM pairs p, json_each(p.src_ids) j
    WHERE p.id = NEW.pair_id AND p.source IS NEW.source;
  {_REVIEW_UPDATE.format(pid='NEW.pair_id')};
END;
CREATE TRIGGER review_stale_ins AFTER INSERT ON review_stale BEGIN {_REVIEW_UPDATE.format(pid='NEW.pair_id')}; END;
CREATE TRIGGER review_stale_del AFTER DELETE ON review_stale BEGIN {_REVIEW_UPDATE.format(pid='OLD.pair_id')}; END;
"""

MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        f"""
        CREATE TABLE review_pair_state (
            pair_id      TEXT PRIMARY KEY,
            article_id   TEXT NOT NULL,
            kind         TEXT NOT NULL,
            bead_idx     INTEGER NOT NULL,
            bead_type    TEXT NOT NULL,
            status       TEXT NOT NULL,      -- review_state(): pending | accepted | edited | rejected
            review_id    INTEGER,            -- newest review row, applying or not
            reviewer     TEXT,               -- of the applying decision
            at           TEXT,
            stale        INTEGER NOT NULL,   -- pending, and an earlier decision on its sentences exists
            sev_rank     INTEGER NOT NULL,   -- worst fired severity (SEVERITY_RANK), NO_FLAG_RANK if none
            needs_review INTEGER NOT NULL,   -- a blocking check fired
            flagged      INTEGER NOT NULL    -- the checks ran on it
        );
        CREATE INDEX review_state_queue ON review_pair_state(status, sev_rank, article_id, kind, bead_idx, pair_id);
        CREATE INDEX review_state_order ON review_pair_state(sev_rank, article_id, kind, bead_idx, pair_id);
        CREATE INDEX review_state_article ON review_pair_state(article_id, kind, bead_idx);
        CREATE INDEX review_state_reviewer ON review_pair_state(reviewer, at);
        CREATE TABLE review_counts (
            status TEXT NOT NULL, needs_review INTEGER NOT NULL, stale INTEGER NOT NULL, n INTEGER NOT NULL,
            PRIMARY KEY (status, needs_review, stale)
        );
        CREATE TABLE review_sources (
            review_id   INTEGER NOT NULL,
            pos         INTEGER NOT NULL,
            sentence_id TEXT NOT NULL,
            PRIMARY KEY (review_id, pos)
        );
        CREATE INDEX review_sources_sentence ON review_sources(sentence_id);
        CREATE TABLE review_carried (
            review_id  INTEGER PRIMARY KEY,  -- the old decision
            carried_to INTEGER NOT NULL      -- the row that carries it now
        );
        CREATE TABLE review_stale (
            pair_id    TEXT NOT NULL,        -- a current pair holding (some of) the old decision's sentences
            review_id  INTEGER NOT NULL,     -- the old decision, not carried
            article_id TEXT NOT NULL,
            reason     TEXT NOT NULL,        -- 'bead' (merged/split/reshaped) | 'source' | 'english'
            PRIMARY KEY (pair_id, review_id)
        );
        CREATE INDEX review_stale_article ON review_stale(article_id);
        CREATE INDEX review_stale_review ON review_stale(review_id);
        CREATE TABLE review_propagated (
            review_id   INTEGER PRIMARY KEY,  -- a decision applied to a pair with the same Indonesian
            from_review INTEGER NOT NULL      -- the reviewer's edit it copies
        );
        CREATE INDEX review_propagated_from ON review_propagated(from_review);
        CREATE TABLE review_signoff (
            review_id  INTEGER PRIMARY KEY,  -- the decision signed off (a second pass: XLIFF 'final')
            pair_id    TEXT NOT NULL,
            reviewer   TEXT NOT NULL,        -- another person than the decision's reviewer
            at         TEXT NOT NULL
        );
        CREATE INDEX review_signoff_pair ON review_signoff(pair_id);
        -- Propagation finds the other pairs with the same Indonesian without reading every pair.
        CREATE INDEX review_pairs_source ON pairs(source);

        CREATE TRIGGER review_state_counts_ins AFTER INSERT ON review_pair_state BEGIN {_count('+', 'NEW')} END;
        CREATE TRIGGER review_state_counts_del AFTER DELETE ON review_pair_state BEGIN {_count('-', 'OLD')} END;
        CREATE TRIGGER review_state_counts_upd AFTER UPDATE OF status, needs_review, stale ON review_pair_state
        WHEN OLD.status IS NOT NEW.status OR OLD.needs_review IS NOT NEW.needs_review OR OLD.stale IS NOT NEW.stale
        BEGIN {_count('-', 'OLD')} {_count('+', 'NEW')} END;

        CREATE TRIGGER review_pairs_ins AFTER INSERT ON pairs BEGIN
          DELETE FROM review_pair_state WHERE pair_id = NEW.id;
          INSERT INTO review_pair_state({_STATE_COLS}) {_STATE_SELECT} WHERE p.id = NEW.id;
        END;
        CREATE TRIGGER review_pairs_del AFTER DELETE ON pairs BEGIN
          DELETE FROM review_pair_state WHERE pair_id = OLD.id;
          DELETE FROM review_stale WHERE pair_id = OLD.id;
        END;
        {_STATUS_TRIGGERS}
        CREATE TRIGGER review_flags_ins AFTER INSERT ON pair_flags BEGIN {_FLAG_UPDATE.format(pid='NEW.pair_id')}; END;
        CREATE TRIGGER review_flags_del AFTER DELETE ON pair_flags BEGIN {_FLAG_UPDATE.format(pid='OLD.pair_id')}; END;
        CREATE TRIGGER review_flags_upd AFTER UPDATE ON pair_flags BEGIN {_FLAG_UPDATE.format(pid='NEW.pair_id')}; END;

        -- Backfill: the state of every pair there is, and the sentences of reviews whose pair still has
        -- the source they were made on.
        INSERT INTO review_pair_state({_STATE_COLS}) {_STATE_SELECT};
        INSERT OR IGNORE INTO review_sources(review_id, pos, sentence_id)
          SELECT r.id, j.key, j.value FROM reviews r JOIN pairs p ON p.id = r.pair_id AND p.source IS r.source,
          json_each(p.src_ids) j;
        """,
    ),
]


# v2: a bulk writer (the align and flag stages) can stand the per-row triggers on ``pairs`` inserts and on
# ``pair_flags`` down for its own transaction and bring the state up to date once per pair afterwards
# (:func:`pair_writes`, :func:`flag_writes`): the flag trigger recomputed a pair's state once per check row
# (about 60 % of the flag stage). ``review_deferred`` holds a row only inside that writer's transaction,
# so every other connection (another process, the review app) never sees one and keeps its triggers.
_UNLESS = "WHEN NOT EXISTS (SELECT 1 FROM review_deferred WHERE tbl = '{tbl}')"

def _deferrable_flag_triggers() -> str:
    """The flag triggers made again so a bulk writer can stand them down (v2; v7 with the new "flagged")."""
    return f"""
    DROP TRIGGER review_flags_ins;
    DROP TRIGGER review_flags_del;
    DROP TRIGGER review_flags_upd;
    CREATE TRIGGER review_flags_ins AFTER INSERT ON pair_flags {_UNLESS.format(tbl='pair_flags')}
    BEGIN {_FLAG_UPDATE.format(pid='NEW.pair_id')}; END;
    CREATE TRIGGER review_flags_del AFTER DELETE ON pair_flags {_UNLESS.format(tbl='pair_flags')}
    BEGIN {_FLAG_UPDATE.format(pid='OLD.pair_id')}; END;
    CREATE TRIGGER review_flags_upd AFTER UPDATE ON pair_flags {_UNLESS.format(tbl='pair_flags')}
    BEGIN {_FLAG_UPDATE.format(pid='NEW.pair_id')}; END;
    """


_DEFERRABLE_FLAG_TRIGGERS = _deferrable_flag_triggers()
MIGRATIONS.append((
    2,
    f"""
    CREATE TABLE review_deferred (tbl TEXT PRIMARY KEY);  -- empty outside a bulk writer's transaction
    DROP TRIGGER review_pairs_ins;
    CREATE TRIGGER review_pairs_ins AFTER INSERT ON pairs {_UNLESS.format(tbl='pairs')} BEGIN
      DELETE FROM review_pair_state WHERE pair_id = NEW.id;
      INSERT INTO review_pair_state({_STATE_COLS}) {_STATE_SELECT} WHERE p.id = NEW.id;
    END;
    {_DEFERRABLE_FLAG_TRIGGERS}
    """,
))


# v3: a decision is bound to both sides it was made on (review.state.review_applies): the triggers that
# compute a pair's status are made again with the new APPLIES (the insert trigger on pairs by v4), and every
# pair's state is computed anew (decisions made on English the pair no longer has become stale).
_REVIEW_REFRESH_ALL = _REVIEW_UPDATE.format(pid="review_pair_state.pair_id")
MIGRATIONS.append((
    3,
    f"""
    DROP TRIGGER review_pairs_upd;
    DROP TRIGGER review_reviews_ins;
    DROP TRIGGER review_stale_ins;
    DROP TRIGGER review_stale_del;
    {_STATUS_TRIGGERS}
    {_REVIEW_REFRESH_ALL};
    """,
))


# v4: decisions never vanish while an article is re-processed. Re-segmenting a changed article deletes its
# pairs until ``align`` writes new ones; a deleted pair with a decision (or a stale decision shown on it) keeps
# its state row in ``review_waiting`` -- still counted in ``review_counts`` (so the progress and the reviewed
# count do not drop) and its stale links kept -- and its page says "waiting for alignment".
# ``carry.carry_reviews``, which runs when the article is aligned, places the decisions and empties it.
_WAITING_COLS = "pair_id, article_id, kind, bead_idx, status, review_id, reviewer, at, stale, needs_review"
MIGRATIONS.append((
    4,
    f"""
    CREATE TABLE review_waiting (
        pair_id      TEXT PRIMARY KEY,   -- a pair deleted by re-segmentation, not aligned again yet
        article_id   TEXT NOT NULL,
        kind         TEXT NOT NULL,
        bead_idx     INTEGER NOT NULL,
        status       TEXT NOT NULL,      -- its review_pair_state row when it was deleted
        review_id    INTEGER,
        reviewer     TEXT,
        at           TEXT,
        stale        INTEGER NOT NULL,
        needs_review INTEGER NOT NULL,
        source       TEXT NOT NULL,
        target       TEXT NOT NULL,
        since        TEXT NOT NULL
    );
    CREATE INDEX review_waiting_article ON review_waiting(article_id, kind);
    CREATE TRIGGER review_waiting_counts_ins AFTER INSERT ON review_waiting BEGIN {_count('+', 'NEW')} END;
    CREATE TRIGGER review_waiting_counts_del AFTER DELETE ON review_waiting BEGIN {_count('-', 'OLD')} END;
    DROP TRIGGER review_pairs_ins;
    CREATE TRIGGER review_pairs_ins AFTER INSERT ON pairs {_UNLESS.format(tbl='pairs')} BEGIN
      DELETE FROM review_waiting WHERE pair_id = NEW.id;
      DELETE FROM review_pair_state WHERE pair_id = NEW.id;
      INSERT INTO review_pair_state({_STATE_COLS}) {_STATE_SELECT} WHERE p.id = NEW.id;
    END;
    DROP TRIGGER review_pairs_del;
    CREATE TRIGGER review_pairs_del AFTER DELETE ON pairs BEGIN
      DELETE FROM review_waiting WHERE pair_id = OLD.id;
      INSERT INTO review_waiting({_WAITING_COLS}, source, target, since)
        SELECT {_WAITING_COLS}, OLD.source, OLD.target, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
        FROM review_pair_state WHERE pair_id = OLD.id AND (review_id IS NOT NULL OR stale = 1);
      DELETE FROM review_pair_state WHERE pair_id = OLD.id;
      DELETE FROM review_stale WHERE pair_id = OLD.id
        AND NOT EXISTS (SELECT 1 FROM review_waiting WHERE pair_id = OLD.id);
    END;
    """,
))


# v5: the people of a review team and the work split between them (bitext.review.people). Tokens are kept as
# sha256 hashes only; a lease gives one article to one person until it expires (``double``: the lead asked a
# second person to review the same article, for agreement).
MIGRATIONS.append((
    5,
    """
    CREATE TABLE review_users (
        name       TEXT PRIMARY KEY,
        role       TEXT NOT NULL,          -- reviewer | approver | lead
        token_hash TEXT NOT NULL UNIQUE,   -- sha256 of the person's access token (never the token)
        added      TEXT NOT NULL
    );
    CREATE TABLE review_leases (
        article_id TEXT NOT NULL,
        reviewer   TEXT NOT NULL,
        lead       TEXT NOT NULL,          -- who assigned it (the reviewer themselves for a claim)
        at         TEXT NOT NULL,
        expires    TEXT NOT NULL,          -- UTC ISO time; after it the article is back in the pool
        double     INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (article_id, reviewer)
    );
    CREATE INDEX review_leases_reviewer ON review_leases(reviewer, expires);
    """,
))


# v6: merge and split in the app (bitext.review.structure): each edit of the beads, append-only, re-made
# after a re-alignment wherever its sentences and English are unchanged.
MIGRATIONS.append((
    6,
    """
    CREATE TABLE review_structure (
        id         INTEGER PRIMARY KEY,
        article_id TEXT NOT NULL,
        kind       TEXT NOT NULL,
        op         TEXT NOT NULL,      -- join | split | move
        old        TEXT NOT NULL,      -- JSON: the beads before (sentence ids, target indices, texts)
        beads      TEXT NOT NULL,      -- JSON: the beads the reviewer made
        reviewer   TEXT NOT NULL,
        at         TEXT NOT NULL
    );
    CREATE INDEX review_structure_article ON review_structure(article_id, id);
    """,
))


# v7: packed flag scores (core v3, bitext.store.PACKED_FLAGS): "flagged" also counts a pair_scores row, and
# writing one (a pair whose checks all passed has no pair_flags row) refreshes the pair's state.
MIGRATIONS.append((
    7,
    f"""
    {_DEFERRABLE_FLAG_TRIGGERS}
    CREATE TRIGGER review_scores_ins AFTER INSERT ON pair_scores {_UNLESS.format(tbl='pair_flags')}
    BEGIN {_FLAG_UPDATE.format(pid='NEW.pair_id')}; END;
    CREATE TRIGGER review_scores_del AFTER DELETE ON pair_scores {_UNLESS.format(tbl='pair_flags')}
    BEGIN {_FLAG_UPDATE.format(pid='OLD.pair_id')}; END;
    """,
))


def clear_waiting(conn: sqlite3.Connection, article_id: str) -> None:
    """Drop the "waiting for alignment" rows of ``article_id`` for the kinds it has pairs of again (called
    by :func:`bitext.review.carry.carry_reviews` once the article's pairs are written)."""
    conn.execute("DELETE FROM review_waiting WHERE article_id = ? AND kind IN"
                 " (SELECT DISTINCT kind FROM pairs WHERE article_id = ?)", (article_id, article_id))


def ensure_schema(store: Store) -> None:
    """Create or upgrade the review tables (a no-op when current, or on a read-only store; joins an open
    transaction on first use)."""
    if getattr(store, "_review_schema", False):
        return
    if store.read_only:  # never migrates: readers (bitext status, doctor) cope with an older schema
        return
    store.migrate(COMPONENT, MIGRATIONS)
    store._review_schema = True  # type: ignore[attr-defined]


def has_schema(conn: sqlite3.Connection) -> bool:
    """Whether the review tables exist on ``conn`` (a read-only snapshot may predate them)."""
    return has_table(conn, "review_pair_state")


def _can_defer(store: Store) -> bool:
    """Whether the store has review schema v2 (asked once per store: the stages call this per batch or article)."""
    if not getattr(store, "_review_deferred", False):
        store._review_deferred = has_table(store.conn, "review_deferred")  # type: ignore[attr-defined]
    return store._review_deferred  # type: ignore[attr-defined]


def _has_waiting(store: Store) -> bool:
    """Whether the store has review schema v4 (asked once per store)."""
    if not getattr(store, "_review_waiting", False):
        store._review_waiting = has_table(store.conn, "review_waiting")  # type: ignore[attr-defined]
    return store._review_waiting  # type: ignore[attr-defined]


@contextlib.contextmanager
def _deferred(store: Store, table: str, refresh: Callable[[sqlite3.Connection], None]) -> Iterator[None]:
    """Inside one write transaction: the state triggers on ``table`` stand down, ``refresh`` runs on leaving.

    A store without the review tables (or not yet at v2: the stages call :func:`ensure_schema` before their
    transactions) just runs the body, the triggers (if any) doing the work row by row.
    """
    with store.tx() as conn:
        if not _can_defer(store):
            yield
            return
        conn.execute("INSERT OR IGNORE INTO review_deferred(tbl) VALUES (?)", (table,))
        try:
            yield
        finally:  # never left behind, even when the body failed and the caller goes on
            conn.execute("DELETE FROM review_deferred WHERE tbl = ?", (table,))
        refresh(conn)


_FLAG_REFRESH = _FLAG_UPDATE.format(pid=":pid")
_FLAG_REFRESH_ALL = _FLAG_UPDATE.format(pid="review_pair_state.pair_id")


def flag_writes(store: Store, pair_ids: Iterable[str] | None) -> contextlib.AbstractContextManager[None]:
    """Write ``pair_flags`` rows of ``pair_ids`` (None: of any pair) inside this; on leaving, their
    review state (worst severity, needs-review, flagged) is computed once per pair instead of once per
    flag row. Joins (or opens) a write transaction."""
    ids = None if pair_ids is None else sorted(set(pair_ids))

    def refresh(conn: sqlite3.Connection) -> None:
        if ids is None:
            conn.execute(_FLAG_REFRESH_ALL)
        else:
            conn.executemany(_FLAG_REFRESH, ({"pid": i} for i in ids))

    return _deferred(store, "pair_flags", refresh)


def pair_writes(store: Store, article_id: str, kind: str) -> contextlib.AbstractContextManager[None]:
    """Insert pairs of one article and kind inside this (as :meth:`Store.replace_pairs` does); on leaving,
    their state rows are written in one statement instead of one trigger per pair. Pairs of other
    articles or kinds inserted inside would get no state row: write only these. Joins (or opens) a
    write transaction."""

    def refresh(conn: sqlite3.Connection) -> None:
        if _has_waiting(store):
            conn.execute("DELETE FROM review_waiting WHERE pair_id IN"
                         " (SELECT id FROM pairs WHERE article_id = ? AND kind = ?)", (article_id, kind))
        conn.execute("DELETE FROM review_pair_state WHERE pair_id IN"
                     " (SELECT id FROM pairs WHERE article_id = ? AND kind = ?)", (article_id, kind))
        conn.execute(f"INSERT INTO review_pair_state({_STATE_COLS}) {_STATE_SELECT}"
                     " WHERE p.article_id = ? AND p.kind = ?", (article_id, kind))

    return _deferred(store, "pairs", refresh)
