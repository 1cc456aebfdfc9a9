"""The corpus store: one SQLite file that is the single source of truth for every stage.

Layout (see ``docs/ARCHITECTURE.md``)::

    articles      one row per input article (raw text, content hash, dateline, source path)
    sentences     Indonesian sentences with stable ids and offsets into ``articles.raw_text``
    translations  MT output, keyed by (signature, source text): a cache shared by all sentences
    pairs         aligned source/target beads, the unit that is flagged, reviewed and published
    pair_scores   one row per flagged pair: every check's score, fired bit and severity, packed
    pair_flags    one row per fired (pair, check): score, severity and a readable reason
    reviews       append-only review history; the newest row of a pair is its state
    meta          key/value settings of the corpus (e.g. the current translation signature)

Schema changes are versioned migrations per *component* (``core`` here; a stage module may
add its own with :meth:`Store.migrate`), recorded in ``schema_migrations``. Every write
happens inside a transaction (``with store.tx():``) so a run killed at any moment leaves a
consistent store; WAL mode lets a reviewer read while a batch job writes.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import sqlite3
import struct
import sys
import threading
import time
import uuid
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from .errors import StoreError, is_fault, store_error
from .model import SEVERITIES, MetaKey

DB_NAME = "bitext.sqlite"

CORE_MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE meta (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE articles (
            id            TEXT PRIMARY KEY,
            source_path   TEXT NOT NULL,
            source_line   INTEGER,            -- 1-based line for JSONL/CSV rows, NULL for .txt
            title         TEXT,
            url           TEXT,
            date          TEXT,
            lang          TEXT,
            dateline      TEXT,               -- e.g. 'Mamuju (ANTARA) - ', NULL if none
            raw_text      TEXT NOT NULL,      -- decoded text; sentence offsets point into it
            content_hash  TEXT NOT NULL,      -- sha256 of raw_text and metadata
            segmenter     TEXT NOT NULL,      -- segmenter signature used for its sentences
            ingested_at   TEXT NOT NULL
        );
        CREATE TABLE sentences (
            id          TEXT PRIMARY KEY,     -- '{article_id}:{para_idx}:{sent_idx}'
            article_id  TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            para_idx    INTEGER NOT NULL,
            sent_idx    INTEGER NOT NULL,     -- index within the paragraph
            text        TEXT NOT NULL,        -- normalised sentence text
            start       INTEGER NOT NULL,     -- [start, end) into articles.raw_text
            end         INTEGER NOT NULL,
            UNIQUE (article_id, para_idx, sent_idx)
        );
        CREATE INDEX sentences_article ON sentences(article_id, para_idx, sent_idx);  -- dropped by v3

        -- Machine translations, deduplicated: key = sha256(signature NUL source).
        CREATE TABLE translations (
            key             TEXT PRIMARY KEY,
            signature       TEXT NOT NULL,    -- model fingerprint + generation settings
            source          TEXT NOT NULL,
            text            TEXT NOT NULL,
            logprob         REAL,             -- length-normalised log-probability
            n_tokens        INTEGER,
            n_unk           INTEGER,          -- <unk> pieces in the tokenised source
            hit_max_length  INTEGER NOT NULL DEFAULT 0,
            source_split    INTEGER NOT NULL DEFAULT 0,
            created_at      TEXT NOT NULL
        );
        CREATE INDEX translations_signature ON translations(signature);

        -- Aligned beads. kind='mt': Indonesian vs. the re-segmented machine translation;
        -- kind='reference': Indonesian vs. a human translation (mt kept as the bridge).
        CREATE TABLE pairs (
            id            TEXT PRIMARY KEY,
            article_id    TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            kind          TEXT NOT NULL DEFAULT 'mt',
            bead_idx      INTEGER NOT NULL,   -- order within the article
            src_ids       TEXT NOT NULL,      -- JSON list of sentence ids (may be empty)
            tgt_idx       TEXT NOT NULL,      -- JSON list of target sentence indices
            source        TEXT NOT NULL,
            target        TEXT NOT NULL,
            mt            TEXT,               -- machine translation of source (bridge)
            bead_type     TEXT NOT NULL,      -- '1-1', '1-2', '2-1', '2-2', '1-0', '0-1'
            align_score   REAL,
            signature     TEXT,               -- translation signature the pair came from
            created_at    TEXT NOT NULL,
            UNIQUE (article_id, kind, bead_idx)
        );
        CREATE INDEX pairs_article ON pairs(article_id, kind, bead_idx);  -- dropped by v3 (the UNIQUE index)

        -- One row per (pair, check) that was computed.
        CREATE TABLE pair_flags (
            pair_id   TEXT NOT NULL REFERENCES pairs(id) ON DELETE CASCADE,
            check_name TEXT NOT NULL,
            score     REAL,
            fired     INTEGER NOT NULL,
            severity  TEXT NOT NULL,          -- 'info' | 'warning' | 'error'
            reason    TEXT,
            PRIMARY KEY (pair_id, check_name)
        );
        CREATE INDEX pair_flags_fired ON pair_flags(fired, check_name);

        -- Append-only: never UPDATE or DELETE. No foreign key on purpose: a review
        -- outlives re-alignment and re-ingestion of its pair.
        CREATE TABLE reviews (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            pair_id     TEXT NOT NULL,
            reviewer    TEXT NOT NULL,
            at          TEXT NOT NULL,
            status      TEXT NOT NULL,        -- 'accepted' | 'edited' | 'rejected' | 'pending' (undo of a first decision)
            before      TEXT,                 -- target text the reviewer saw
            after       TEXT,                 -- target text after the decision
            comment     TEXT,
            source      TEXT,                 -- source text the reviewer saw
            parent_id   INTEGER               -- review this one replaces (optimistic locking)
        );
        CREATE INDEX reviews_pair ON reviews(pair_id, id);
        """,
    ),
    (
        2,
        # pairs.target when the review row was written: a 0-1 bead has no source text, so this
        # is what tells whether a review still applies to the pair (see bitext.review).
        "ALTER TABLE reviews ADD COLUMN pair_target TEXT",
    ),
    (
        3,
        # Packed flag scores: one row per flagged pair instead of one per (pair, check); pair_flags keeps the
        # fired checks (see PACKED_FLAGS below). The rows of an older store move in chunks afterwards
        # (bitext.flags.scores.convert_flags, run by the flag stage), not in this transaction.
        """
        CREATE TABLE flag_checks (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
        CREATE TABLE pair_scores (
            pair_id  TEXT PRIMARY KEY REFERENCES pairs(id) ON DELETE CASCADE,
            scores   BLOB NOT NULL,     -- per check: id, bits (fired, NULL score, severity), score (double)
            evidence BLOB               -- JSON {check name: evidence} of the checks that did not fire, deflated
        ) WITHOUT ROWID;
        -- Same columns as the UNIQUE constraints' own indexes (sqlite_autoindex_*): one copy is enough.
        DROP INDEX pairs_article;
        DROP INDEX sentences_article;
        """,
    ),
]


def utcnow() -> str:
    """Current UTC time as an ISO-8601 string with seconds precision."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


# Column order of the per-table writers' rows (tuples keep bulk writes fast).
ARTICLE_COLUMNS = ("id", "source_path", "source_line", "title", "url", "date", "lang", "dateline", "raw_text",
                   "content_hash", "segmenter", "ingested_at")
SENTENCE_COLUMNS = ("id", "article_id", "para_idx", "sent_idx", "text", "start", "end")
TRANSLATION_COLUMNS = ("key", "signature", "source", "text", "logprob", "n_tokens", "n_unk", "hit_max_length",
                       "source_split", "created_at")
PAIR_COLUMNS = ("id", "article_id", "kind", "bead_idx", "src_ids", "tgt_idx", "source", "target", "mt",
                "bead_type", "align_score", "signature", "created_at")
FLAG_COLUMNS = ("pair_id", "check_name", "score", "fired", "severity", "reason")
FLAG_EVIDENCE_COLUMNS = (*FLAG_COLUMNS, "evidence")
"""A flag row with the evidence its reason is written from (column added by the ``flags`` migration)."""
REVIEW_COLUMNS = ("pair_id", "reviewer", "at", "status", "before", "after", "comment", "source", "parent_id",
                  "pair_target")


BACKUP_MAX_BYTES = 2 * 2**30
"""Stores up to this size are copied beside themselves before a migration (:meth:`Store.migrate`)."""


def need_free_space(path: Path, need: int, what: str) -> None:
    """Refuse, in one line, to start ``what`` when the file system of ``path`` has less than ``need`` bytes free."""
    free = shutil.disk_usage(path.parent).free
    if free < need:
        raise StoreError(f"{path}: {what} needs {need / 2**20:,.0f} MiB free on its file system, only "
                         f"{free / 2**20:,.0f} MiB are: free some space, then run the command again")


LOCK_WAIT_S = 300.0
"""How long a write waits for another process's write lock before it gives up with one line."""
_LOCK_POLL_MS = 2000  # SQLite's own wait per attempt; between attempts the store may report progress


def on_lock_wait(message: str) -> None:
    """Tell the user that a write waits for another process (once per transaction); replaceable."""
    print(f"bitext: {message}", file=sys.stderr, flush=True)


def _insert_sql(table: str, columns: Sequence[str], verb: str = "INSERT") -> str:
    return f"{verb} INTO {table}({', '.join(columns)}) VALUES ({','.join('?' * len(columns))})"


class Store:
    """A connection to a corpus store (``<folder>/bitext.sqlite``).

    Open with :meth:`Store.open`; use as a context manager to close it.
    Each thread gets its own SQLite connection, so a web server can share one Store.
    """

    def __init__(self, path: Path, *, read_only: bool = False, create: bool = True) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._local = threading.local()
        self._check_is_bitext(create=create and not read_only)
        if read_only:
            self._check_not_newer("core", CORE_MIGRATIONS)
        else:
            self.migrate("core", CORE_MIGRATIONS)

    @classmethod
    def open(cls, folder: str | Path, create: bool = True, read_only: bool = False) -> Store:
        """Open (or create) the store inside ``folder``.

        ``folder`` may also be the path of the ``.sqlite`` file itself. ``read_only`` opens an existing
        store without ever writing to it (``mode=ro``): for commands that only read (status, export,
        publish, review of a copy), on a read-only folder or medium too. A store written by a newer
        bitext (migrations this version does not know) is refused before anything touches it.
        """
        folder = Path(folder)
        path = folder if folder.suffix == ".sqlite" else folder / DB_NAME
        if not path.exists():
            from .shards import sharded_refusal  # the root of a sharded corpus holds no store of its own

            refusal = sharded_refusal(path.parent)
            if refusal is not None:
                raise StoreError(refusal)
            if not create or read_only:
                raise StoreError(f"{path}: no corpus store here (run 'bitext segment' first)")
            path.parent.mkdir(parents=True, exist_ok=True)
        elif path.is_dir():
            raise StoreError(f"{path}: is a folder, not a corpus store")
        return cls(path, read_only=read_only, create=create)

    # -- connections and transactions -------------------------------------------------

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (autocommit mode; use :meth:`tx` for writes)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            with self.errors():
                conn = self._connect()
            self._local.conn = conn
        return conn

    def _connect(self) -> sqlite3.Connection:
        if self.read_only:
            conn = self._connect_read_only()
        else:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        _add_sql_functions(conn)
        try:
            # A file that is not SQLite fails here, on the first read of its header.
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if not self.read_only and mode != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute(f"PRAGMA busy_timeout={_LOCK_POLL_MS}")
        except BaseException:
            conn.close()
            raise
        return conn

    def _connect_read_only(self) -> sqlite3.Connection:
        uri = self.path.resolve().as_uri()
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
            return conn
        except sqlite3.OperationalError as e:
            conn.close()
            if "unable to open" not in str(e):
                raise
        # A WAL store on a read-only folder or medium: SQLite cannot create the -shm file it needs to
        # read. Nothing can write there either, so the file is read as immutable — unless committed
        # pages still sit in the -wal file, which an immutable read would not see.
        wal = self.path.with_name(self.path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise StoreError(f"{self.path}: the folder is read-only and {wal.name} holds changes not yet in the store: "
                             "copy the corpus folder somewhere writable and run the command there")
        return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=30, isolation_level=None,
                               check_same_thread=False)

    @contextmanager
    def errors(self) -> Iterator[None]:
        """Turn an ``sqlite3`` error inside the block into a one-line :class:`StoreError` naming the store."""
        try:
            yield
        except sqlite3.Error as exc:
            if not is_fault(exc):
                raise
            raise store_error(exc, self.path) from exc

    def _begin(self, conn: sqlite3.Connection) -> None:
        """``BEGIN IMMEDIATE``, waiting up to :data:`LOCK_WAIT_S` for another writer, and saying so once
        (a silent 30 s wait looks like a hang)."""
        deadline = time.monotonic() + LOCK_WAIT_S
        told = False
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")  # busy_timeout: each try waits up to _LOCK_POLL_MS
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise store_error(exc, self.path) from exc
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"{self.path}: locked by another process for over {LOCK_WAIT_S:g} s (a bitext stage or the "
                        "review app writing?): wait for it to finish, then re-run; nothing was lost"
                    ) from exc
                if not told:
                    on_lock_wait(f"{self.path}: another process is writing to this corpus; waiting for it "
                                 f"(up to {LOCK_WAIT_S:g} s)")
                    told = True

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: committed on success, rolled back on any exception.

        ``BEGIN IMMEDIATE`` takes the write lock up front so two writers queue
        instead of failing half-way. Nested calls join the outer transaction.
        """
        conn = self.conn
        if conn.in_transaction:
            yield conn
            return
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only; this command cannot write to it")
        self._begin(conn)
        try:
            yield conn
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if not is_fault(exc):
                raise
            raise store_error(exc, self.path) from exc
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            with self.errors():
                conn.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection holding one read transaction, so a long read (an export, publishing)
        sees one consistent state even while a translate or review job writes (WAL mode)."""
        with self.errors():
            conn = self._connect_read_only()
        conn.row_factory = sqlite3.Row
        _add_sql_functions(conn)
        try:
            conn.execute("BEGIN")
            yield conn
        finally:
            conn.close()  # closing ends the read transaction

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- migrations -------------------------------------------------------------------

    def migrate(self, component: str, migrations: Sequence[tuple[int, str]]) -> None:
        """Apply a component's migrations that are not applied yet.

        Nothing is written when the store is current. A store whose ``component`` is newer than
        ``migrations`` (written by a newer bitext) is refused. Before an existing store is migrated, a
        copy is saved beside it (``bitext.sqlite.bak-<component>-v<version>``, as sqlite-utils' migrations
        do) when the store is at most :data:`BACKUP_MAX_BYTES` (a copy needs as much free space again, which
        a 1 TB store rarely has; a bigger store relies on the transaction alone); the migration then runs in
        one transaction, so a failure leaves the store as it was. A migration that moves data in chunks
        (e.g. :func:`bitext.flags.scores.convert_flags`) runs after this, each chunk a transaction of its own.
        """
        done = self._check_not_newer(component, migrations)
        if all(v in done for v, _ in migrations):
            return
        if done and self.path.stat().st_size <= BACKUP_MAX_BYTES:
            self._backup(f"{component}-v{max(done)}")
        with self.tx() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " component TEXT NOT NULL, version INTEGER NOT NULL, applied_at TEXT NOT NULL,"
                " PRIMARY KEY (component, version))"
            )
            # Read again under the write lock: another process may have migrated meanwhile.
            done = self._applied(conn, component)
            for version, sql in sorted(migrations):
                if version in done:
                    continue
                # executescript() would COMMIT our transaction; run statement by statement.
                for stmt in _split_sql(sql):
                    conn.execute(stmt)
                conn.execute(
                    "INSERT INTO schema_migrations(component, version, applied_at) VALUES (?,?,?)",
                    (component, version, utcnow()),
                )

    def _check_is_bitext(self, *, create: bool) -> None:
        """Refuse, in one line saying what to do, a file that is not a bitext store: an SQLite database of
        something else, or an empty file (0 bytes or no tables; made into a store only by a command that
        creates one, ``create``). A file that is not SQLite at all fails here too (the store is damaged)."""
        empty = not self.path.exists() or self.path.stat().st_size == 0  # a new store, or a 0-byte file
        tables: list[str] = []
        if not empty:
            # Asked through a read-only connection: the writable one switches the file to WAL on connect.
            conn = self.conn if self.read_only else None
            with self.errors():
                try:
                    if conn is None:
                        conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
                    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                                         "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
                finally:
                    if conn is not None and not self.read_only:
                        conn.close()
        if "schema_migrations" in tables or (create and not tables):
            return
        if tables:
            shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
            raise StoreError(f"{self.path}: an SQLite database of something else (tables: {shown}), not a bitext "
                             f"store: move it away, then run 'bitext segment INPUTS --out {self.path.parent}'")
        what = "an empty file (0 bytes)" if empty else "an empty SQLite database"
        raise StoreError(f"{self.path}: {what}, not a bitext store (nothing to read): restore the store if you "
                         f"have a copy, or run 'bitext segment INPUTS --out {self.path.parent}' to make the corpus")

    def _check_not_newer(self, component: str, migrations: Sequence[tuple[int, str]]) -> set[int]:
        """Applied versions of ``component``; StoreError when the store has versions this bitext lacks."""
        with self.errors():
            done = self._applied(self.conn, component)
        known = {v for v, _ in migrations}
        unknown = sorted(done - known)
        if unknown:
            raise StoreError(
                f"{self.path}: written by a newer bitext ({component} v{unknown[-1]}, this bitext knows up to "
                f"v{max(known, default=0)}); upgrade bitext (pip install -U bitext) to use this corpus"
            )
        return done

    @staticmethod
    def _applied(conn: sqlite3.Connection, component: str) -> set[int]:
        if not has_table(conn, "schema_migrations"):
            return set()
        return {r[0] for r in conn.execute("SELECT version FROM schema_migrations WHERE component=?", (component,))}

    def _backup(self, label: str) -> Path:
        """A consistent copy of the store beside it (SQLite's online backup), before a migration."""
        dest = self.path.with_name(f"{self.path.name}.bak-{label}")
        need_free_space(self.path, self.path.stat().st_size, f"a copy of the store before migrating ({label})")
        with self.errors():
            target = sqlite3.connect(dest)
            try:
                self.conn.backup(target)
            finally:
                target.close()
        return dest

    def schema_version(self, component: str = "core") -> int:
        row = self.conn.execute(
            "SELECT MAX(version) FROM schema_migrations WHERE component=?", (component,)
        ).fetchone()
        return row[0] or 0

    # -- meta -------------------------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``; nothing is written when it is already the value (a re-run that
        has nothing to do leaves the store untouched, also on a read-only medium)."""
        if self.get_meta(key) == value:
            return
        with self.tx() as conn:
            conn.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                (key, value),
            )

    def corpus_id(self, *, create: bool = False) -> str | None:
        """This corpus's identity (:attr:`MetaKey.CORPUS_ID`, random hex made once), carried by review
        exports so that ``import-review`` refuses a file from another corpus with the same article names.

        None for a store that has none yet (made before the key existed, and never segmented or imported
        into since); ``create`` makes it then (segment and import-review do, as they write anyway)."""
        cid = self.get_meta(MetaKey.CORPUS_ID)
        if cid is None and create:
            with self.tx() as conn:  # OR IGNORE: two processes creating it at once agree on the first
                conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)",
                             (MetaKey.CORPUS_ID, uuid.uuid4().hex))
            cid = self.get_meta(MetaKey.CORPUS_ID)
        return cid

    def delete_meta(self, *keys: str) -> None:
        """Remove meta ``keys`` (absent ones are fine; nothing is written when none is there)."""
        if all(self.get_meta(k) is None for k in keys):
            return
        with self.tx() as conn:
            conn.executemany("DELETE FROM meta WHERE key=?", [(k,) for k in keys])

    def get_meta_json(self, key: str, default: object = None) -> object:
        value = self.get_meta(key)
        return default if value is None else json.loads(value)

    def set_meta_json(self, key: str, value: object) -> None:
        self.set_meta(key, json.dumps(value, sort_keys=True, ensure_ascii=False))

    # -- per-table writers: the only SQL that writes the core tables --------------------
    # Each joins the caller's transaction (``with store.tx():``) or runs in one of its own.

    def write_article(self, article: Sequence[object], sentences: Iterable[Sequence[object]]) -> None:
        """Write one article (a row in :data:`ARTICLE_COLUMNS` order) and its sentences
        (:data:`SENTENCE_COLUMNS`), replacing an article of the same id with its sentences and pairs."""
        article_id = article[0]
        with self.tx() as conn:
            conn.execute("DELETE FROM pairs WHERE article_id=?", (article_id,))
            conn.execute("DELETE FROM sentences WHERE article_id=?", (article_id,))
            conn.execute("DELETE FROM articles WHERE id=?", (article_id,))
            conn.execute(_insert_sql("articles", ARTICLE_COLUMNS), tuple(article))
            conn.executemany(_insert_sql("sentences", SENTENCE_COLUMNS), (tuple(s) for s in sentences))

    def add_translations(self, rows: Iterable[Sequence[object]]) -> int:
        """Add translation rows (:data:`TRANSLATION_COLUMNS`); a key already stored is kept as it is.
        Returns the number of rows added."""
        with self.tx() as conn:
            before = conn.total_changes
            conn.executemany(_insert_sql("translations", TRANSLATION_COLUMNS, "INSERT OR IGNORE"),
                             [tuple(r) for r in rows])
            return conn.total_changes - before

    def replace_pairs(self, article_id: str, kind: str, rows: Iterable[Sequence[object]]) -> None:
        """Replace the pairs of one article and kind by ``rows`` (:data:`PAIR_COLUMNS`). Their flags go
        with them (foreign key); reviews never do (see :mod:`bitext.review.carry`)."""
        with self.tx() as conn:
            conn.execute("DELETE FROM pairs WHERE article_id=? AND kind=?", (article_id, kind))
            self.add_pairs(rows)

    def add_pairs(self, rows: Iterable[Sequence[object]]) -> None:
        """Insert pair rows (:data:`PAIR_COLUMNS`); an existing id is an error (use :meth:`replace_pairs`)."""
        with self.tx() as conn:
            conn.executemany(_insert_sql("pairs", PAIR_COLUMNS), [tuple(r) for r in rows])

    def write_flags(self, rows: Iterable[Sequence[object]], columns: Sequence[str] = FLAG_COLUMNS) -> None:
        """Store flag rows (``columns``: :data:`FLAG_COLUMNS`, or :data:`FLAG_EVIDENCE_COLUMNS` on a store with
        the ``flags`` migration), replacing the same (pair, check).

        On a store with packed scores (``flags`` v2, :data:`PACKED_FLAGS`) every row's score, fired bit and
        severity go into its pair's ``pair_scores`` row (merged with the checks already there) and only a
        fired row keeps a ``pair_flags`` row, with its reason; a row that no longer fires loses it."""
        with self.tx() as conn:
            rows = [tuple(r) for r in rows]
            if not has_packed_flags(conn):
                conn.executemany(_insert_sql("pair_flags", columns, "INSERT OR REPLACE"), rows)
                return
            if len(columns) < len(FLAG_EVIDENCE_COLUMNS):
                rows = [(*r, None) for r in rows]
            _write_packed(conn, rows)

    def clear_flags(self, checks: Sequence[str] | None = None) -> None:
        """Remove every stored flag (a changed flag config recomputes them all), or those of ``checks``
        (checks turned off)."""
        with self.tx() as conn:
            packed = has_packed_flags(conn)
            if checks is None:
                conn.execute("DELETE FROM pair_flags")
                if packed:
                    conn.execute("DELETE FROM pair_scores")
                    conn.execute("DELETE FROM flag_checks")  # no entry names one any more
                return
            conn.executemany("DELETE FROM pair_flags WHERE fired IN (0, 1) AND check_name = ?",
                             [(c,) for c in checks])
            if packed:
                _strip_packed(conn, checks)

    def add_review(self, pair_id: str, reviewer: str, status: str, *, before: str | None = None,
                   after: str | None = None, comment: str | None = None, source: str | None = None,
                   parent_id: int | None = None, pair_target: str | None = None, at: str | None = None) -> int:
        """Append one review row (the table is append-only: nothing ever updates or deletes one);
        returns its id."""
        row = (pair_id, reviewer, at or utcnow(), status, before, after, comment, source, parent_id, pair_target)
        with self.tx() as conn:
            return int(conn.execute(_insert_sql("reviews", REVIEW_COLUMNS), row).lastrowid)

    # -- reads shared by several stages -----------------------------------------------

    def article_ids(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT id FROM articles ORDER BY id")]

    def article(self, article_id: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM articles WHERE id=?", (article_id,)).fetchone()

    def sentences(self, article_id: str) -> list[sqlite3.Row]:
        """Sentences of one article in reading order."""
        return self.conn.execute(
            "SELECT * FROM sentences WHERE article_id=? ORDER BY para_idx, sent_idx", (article_id,)
        ).fetchall()

    def review_states(self) -> dict[str, sqlite3.Row]:
        """The newest review row of every reviewed pair (raw rows, for inspection and tests).

        Whether that row still applies to the pair (its text may have changed since) is decided
        by :func:`bitext.review.review_state`, which the app, exports and publishing use.
        """
        rows = self.conn.execute(
            "SELECT r.* FROM reviews r JOIN (SELECT pair_id, MAX(id) AS id FROM reviews GROUP BY pair_id) m"
            " ON r.id = m.id"
        )
        return {r["pair_id"]: r for r in rows}

    def sentence_texts(self, ids: Iterable[str]) -> dict[str, str]:
        """Sentence id -> text, for the ids that exist."""
        return sentence_texts(self.conn, ids)

    def translations(self, signature: str, texts: Iterable[str]) -> dict[str, sqlite3.Row]:
        """Source text -> its ``translations`` row under ``signature`` (see :func:`translations`)."""
        return translations(self.conn, signature, texts)

    def count(self, table: str, where: str = "", params: Sequence[object] = ()) -> int:
        sql = f"SELECT COUNT(*) FROM {table}" + (f" WHERE {where}" if where else "")
        return self.conn.execute(sql, tuple(params)).fetchone()[0]


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    """Whether table ``name`` exists (a component's tables appear with its first migration; a read-only
    connection or snapshot of an older store may lack them)."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() is not None


def store_list(stores: Store | Sequence[Store]) -> list[Store]:
    """One store, or the stores of one corpus (its shards), as a list."""
    return [stores] if isinstance(stores, Store) else list(stores)


def has_column(conn: sqlite3.Connection, table: str, column: str) -> bool:
    """Whether ``table`` has ``column`` (a later migration adds it; an older store lacks it)."""
    return any(r[1] == column for r in conn.execute(f"PRAGMA table_info({table})"))


# -- packed flag scores (flags v2) ---------------------------------------------------------------------
# A pair's checks are one ``pair_scores`` row: ``scores`` packs one entry per check (its ``flag_checks`` id,
# a byte of bits: fired, severity, how the score is kept; the score, exactly as the REAL column kept it)
# and ``evidence`` is a JSON object {check name: evidence} of the checks that did not fire (what a re-decision
# writes a reason from, should the row fire under other thresholds; a string there is the reason a row
# converted from an older store kept instead). A fired check keeps its ``pair_flags`` row too (reason and
# evidence): the review queue, its indexes and triggers read only fired rows. Rows of an older store (every
# check a ``pair_flags`` row) read the same until converted (:func:`convert_flags`).

PACKED_FLAGS = "pair_scores"
_EVIDENCE_V1 = b"\x01"
_ZDICT_V1 = (
    b'{"length_ratio":{"target_chars": 55, "source_chars": 55, "kind": "mt"},"length_z":{"chars": 1.044585'
    b'9872611465, "words": 0.49720786851216975, "source_chars": 55, "kind": "mt"},"numbers":{"source_only"'
    b': ["1,5 miliar"], "target_only": ["2.5 billion"]},"repetition":{"run": 1, "gram": "", "source_run": '
    b'1},"truncation":{"hit_max_length": false, "cut": false, "tail": "n Jakarta on Monday."},"not_english'
    b'":{"best": "en", "short": false},"bead_type":{"bead": "1-1", "sources": 1, "targets": 1},"missing_na'
    b'mes":{"names": ["Jakarta"], "missing": [], "translated": []},"quotes":{"source": 0, "target": 0},"qu'
    b'estion_mark":{"source": 0, "target": 0},"markup":{"markup": []},"mojibake":{"sides": [], "fixed": []'
    b'},"control_chars":{"chars": []},"duplicate":{"first_seen": "a1:0:0"}}'
)
"""Preset dictionary of the deflated evidence, format 1: the evidence of the default checks on one made-up pair,
as :meth:`Store.write_flags` writes it (frozen: a stored form; a new dictionary is a new format byte).
Deflate with it takes a pair's ~600 bytes of evidence JSON to ~100."""


def pack_evidence(text: str | None) -> bytes | None:
    """A ``pair_scores.evidence`` value: the JSON text deflated with :data:`_ZDICT_V1` behind a format byte."""
    if text is None:
        return None
    c = zlib.compressobj(1, zlib.DEFLATED, -11, 2, zlib.Z_DEFAULT_STRATEGY, _ZDICT_V1)  # small window: fast
    return _EVIDENCE_V1 + c.compress(text.encode()) + c.flush()


def unpack_evidence(blob: bytes | None) -> dict[str, Any]:
    """:func:`pack_evidence` read back as {check id: evidence} ({} for none)."""
    if not blob:
        return {}
    if blob[:1] != _EVIDENCE_V1:
        raise StoreError(f"pair_scores: evidence in an unknown format ({blob[:1]!r}); upgrade bitext")
    d = zlib.decompressobj(-11, _ZDICT_V1)
    return json.loads(d.decompress(blob[1:]) + d.flush())
_F32, _F64 = struct.Struct("<f"), struct.Struct("<d")
_FIRED = 1
_HOW, _DOUBLE, _NULL, _BYTE, _FLOAT = 0b110000, 0b000000, 0b010000, 0b100000, 0b110000  # how the score is kept
_SEV_CODE = {s: i << 2 for i, s in enumerate(SEVERITIES)}
_SEV_MASK = 0b1100
_SEV_OTHER = _SEV_MASK  # a severity outside the vocabulary: the row keeps its pair_flags row, which says it
_CODE_SEV: dict[int, str | None] = {**{i << 2: s for i, s in enumerate(SEVERITIES)}, _SEV_OTHER: None}


def has_packed_flags(conn: sqlite3.Connection) -> bool:
    """Whether the store keeps packed scores (``flags`` migration v2)."""
    return has_table(conn, PACKED_FLAGS)


def pack_entries(entries: Iterable[tuple[int, object, int, str | None]]) -> bytes:
    """``(check id, score, fired, severity)`` entries as a ``pair_scores.scores`` blob (ids ascending). Each
    entry: the id, a byte of bits (fired, severity, how the score is kept) and the score in as few bytes as
    keep it exactly: none for NULL, one for a whole number 0..255, four for a float32 that is the same
    double, else eight."""
    out = bytearray()
    for cid, score, fired, severity in sorted(entries, key=itemgetter(0)):
        bits = (_FIRED if fired else 0) | _SEV_CODE.get(severity or "", _SEV_OTHER)
        if score is None:
            out += bytes((cid, bits | _NULL))
            continue
        x = float(score)  # type: ignore[arg-type]
        if x.is_integer() and 0 <= x <= 255 and not (x == 0 and math.copysign(1, x) < 0):
            out += bytes((cid, bits | _BYTE, int(x)))
        elif _F32.unpack(_F32.pack(x))[0] == x if math.isfinite(x) and abs(x) < 3e38 else False:
            out += bytes((cid, bits | _FLOAT)) + _F32.pack(x)
        else:
            out += bytes((cid, bits | _DOUBLE)) + _F64.pack(x)
    return bytes(out)


def unpack_entries(blob: bytes) -> list[tuple[int, float | None, int, str | None]]:
    """A ``pair_scores.scores`` blob as ``(check id, score, fired, severity)`` entries."""
    out = []
    i, n = 0, len(blob)
    while i < n:
        cid, bits = blob[i], blob[i + 1]
        how = bits & _HOW
        if how == _BYTE:
            score: float | None = float(blob[i + 2])
            i += 3
        elif how == _FLOAT:
            score = _F32.unpack_from(blob, i + 2)[0]
            i += 6
        elif how == _DOUBLE:
            score = _F64.unpack_from(blob, i + 2)[0]
            i += 10
        else:
            score = None
            i += 2
        out.append((cid, score, bits & _FIRED, _CODE_SEV[bits & _SEV_MASK]))
    return out


def check_ids(conn: sqlite3.Connection, names: Iterable[str] = ()) -> dict[str, int]:
    """Check name -> its ``flag_checks`` id, giving ``names`` that have none one (inside a write transaction)."""
    ids = {r[1]: r[0] for r in conn.execute("SELECT id, name FROM flag_checks")}
    missing = sorted(set(names) - set(ids))
    if missing:
        conn.executemany("INSERT INTO flag_checks(name) VALUES (?)", [(n,) for n in missing])
        ids = {r[1]: r[0] for r in conn.execute("SELECT id, name FROM flag_checks")}
        if max(ids.values()) > 255:
            raise StoreError("flag_checks: more than 255 check names; run 'bitext flag CORPUS --config default'")
    return ids


def _write_packed(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    """:meth:`Store.write_flags` on a store with packed scores; ``rows`` in :data:`FLAG_EVIDENCE_COLUMNS` order."""
    ids = check_ids(conn, {r[1] for r in rows})
    by_pair: dict[str, list[tuple]] = {}
    for r in rows:
        by_pair.setdefault(r[0], []).append(r)
    for part in _chunks(list(by_pair)):
        marks = ",".join("?" * len(part))
        old = {r[0]: (r[1], r[2]) for r in conn.execute(
            f"SELECT pair_id, scores, evidence FROM pair_scores WHERE pair_id IN ({marks})", part)}
        stored = {(r[0], r[1]) for r in conn.execute(
            f"SELECT pair_id, check_name FROM pair_flags WHERE pair_id IN ({marks})", part)}
        fired, gone, packed = [], [], []
        for pid in part:
            new = by_pair[pid]
            if pid not in old:  # a pair flagged for the first time (the stage's path): no merging
                ev_parts = []
                for _, name, score, hit, severity, reason, evidence in new:
                    if hit or severity not in _SEV_CODE:
                        fired.append((pid, name, score, hit, severity, reason, evidence))
                    elif evidence is not None:
                        ev_parts.append(f'"{name}":{evidence}')
                    if not hit and (pid, name) in stored:
                        gone.append((pid, name))
                packed.append((pid, pack_entries((ids[r[1]], r[2], r[3], r[4]) for r in new),
                               pack_evidence("{" + ",".join(ev_parts) + "}") if ev_parts else None))
                continue
            entries = {e[0]: e for e in unpack_entries(old[pid][0])}
            ev: dict[str, object] = unpack_evidence(old[pid][1])
            for _, name, score, hit, severity, reason, evidence in new:
                cid = ids[name]
                entries[cid] = (cid, score, hit, severity)
                if hit or severity not in _SEV_CODE:
                    fired.append((pid, name, score, hit, severity, reason, evidence))
                    ev.pop(name, None)
                else:
                    if (pid, name) in stored:
                        gone.append((pid, name))
                    if evidence is not None:
                        ev[name] = json.loads(evidence)
                    else:
                        ev.pop(name, None)
            packed.append((pid, pack_entries(entries.values()), pack_evidence(json.dumps(ev)) if ev else None))
        conn.executemany("DELETE FROM pair_flags WHERE pair_id = ? AND check_name = ?", gone)
        if fired:
            if not has_column(conn, "pair_flags", "evidence"):  # before the flags component's v1
                fired = [r[:6] for r in fired]
            conn.executemany(_insert_sql("pair_flags", FLAG_EVIDENCE_COLUMNS[:len(fired[0])], "INSERT OR REPLACE"),
                             fired)
        conn.executemany("INSERT OR REPLACE INTO pair_scores(pair_id, scores, evidence) VALUES (?, ?, ?)", packed)


def _strip_packed(conn: sqlite3.Connection, checks: Sequence[str]) -> None:
    """Remove the entries of ``checks`` from every packed row (a pair left with none is no longer flagged)."""
    ids = {i for n, i in check_ids(conn).items() if n in set(checks)}
    if not ids:
        return
    after = ""
    while True:
        batch = conn.execute("SELECT pair_id, scores, evidence FROM pair_scores WHERE pair_id > ? ORDER BY pair_id"
                             " LIMIT 2000", (after,)).fetchall()
        if not batch:
            break
        after = batch[-1][0]
        for pid, blob, evidence in batch:
            entries = [e for e in unpack_entries(blob) if e[0] not in ids]
            if not entries:
                conn.execute("DELETE FROM pair_scores WHERE pair_id = ?", (pid,))
                continue
            ev = {k: v for k, v in unpack_evidence(evidence).items() if k not in checks}
            conn.execute("UPDATE pair_scores SET scores = ?, evidence = ? WHERE pair_id = ?",
                         (pack_entries(entries), pack_evidence(json.dumps(ev)) if ev else None, pid))
    conn.executemany("DELETE FROM flag_checks WHERE id = ?", [(i,) for i in sorted(ids)])


def flag_tuples(conn: sqlite3.Connection, pair_ids: Sequence[str], *, reasons: bool = False,
                evidence: bool = False) -> list[tuple]:
    """Every stored check of ``pair_ids`` as ``(pair_id, check_name, score, fired, severity, reason)`` rows
    (``evidence`` too when asked: decoded, or None), ordered by pair and check name, as the one-row-per-check
    ``pair_flags`` of an older store had them; ``reason`` (None unless ``reasons``) is stored for fired checks
    only. Reads both layouts (a store part-way through :func:`convert_flags` too)."""
    out: list[tuple] = []
    packed = has_packed_flags(conn)
    names = {i: n for n, i in check_ids(conn).items()} if packed else {}
    by_name = sorted(names, key=names.__getitem__)  # ids in check-name order
    in_order = by_name == sorted(names)  # ids given in name order (one batch of names): entries need no sort
    has_ev = evidence and has_column(conn, "pair_flags", "evidence")
    cols = f"{'reason' if reasons else 'NULL'}{(', evidence' if has_ev else ', NULL') if evidence else ''}"
    for part in _chunks(sorted(set(pair_ids))):
        marks = ",".join("?" * len(part))
        # pair_flags: fired checks (with their reasons), or every check of a pair not packed yet
        stored: dict[tuple[str, str], tuple] = {}
        for r in conn.execute(f"SELECT pair_id, check_name, score, fired, severity, {cols} FROM pair_flags"
                              f" WHERE pair_id IN ({marks})", part):
            stored[r[0], r[1]] = tuple(r[:6]) + ((json.loads(r[6]) if r[6] else None,) if evidence else ())
        if not packed:
            out.extend(stored[k] for k in sorted(stored))
            continue
        rows: list[tuple] = []
        for pid, blob, ev in conn.execute(
                f"SELECT pair_id, scores, {'evidence' if evidence else 'NULL'} FROM pair_scores"
                f" WHERE pair_id IN ({marks}) ORDER BY pair_id", part):
            kept = unpack_evidence(ev) if evidence else {}
            entries = unpack_entries(blob)
            if not in_order:
                entries.sort(key=lambda e: names[e[0]])
            for cid, score, fired, severity in entries:
                name = names[cid]
                row = stored.pop((pid, name), None) if stored else None
                if row is None:
                    row = (pid, name, score, fired, severity, None, kept.get(name)) if evidence else \
                          (pid, name, score, fired, severity, None)
                rows.append(row)
        if stored:  # pairs not packed yet (a conversion under way): merged in order
            rows.extend(stored.values())
            rows.sort(key=itemgetter(0, 1))
        out.extend(rows)
    return out


def iter_flag_scores(conn: sqlite3.Connection, checks: Iterable[str] | None = None, *, kinds: bool = False
                     ) -> Iterator[tuple[Any, ...]]:
    """``(pair_id, check_name, score, fired, severity)`` of every stored check (of ``checks``), and the pair's
    kind last when ``kinds``; pair by pair, in no set order: one pass over the packed rows and the
    one-row-per-check rows not converted yet."""
    wanted = None if checks is None else set(checks)
    kind, join = (", p.kind", " JOIN pairs p ON p.id = {}.pair_id") if kinds else ("", "")
    if has_packed_flags(conn):
        names = {i: n for n, i in check_ids(conn).items()}
        ids = None if wanted is None else {i for i, n in names.items() if n in wanted}
        for pid, blob, *extra in conn.execute(f"SELECT s.pair_id, s.scores{kind} FROM pair_scores s{join.format('s')}"):
            for cid, score, fired, severity in unpack_entries(blob):
                if ids is None or cid in ids:
                    yield (pid, names[cid], score, fired, severity, *extra)
        legacy = " WHERE NOT EXISTS (SELECT 1 FROM pair_scores s WHERE s.pair_id = f.pair_id)"
    else:
        legacy = ""
    for r in conn.execute(f"SELECT f.pair_id, f.check_name, f.score, f.fired, f.severity{kind} FROM pair_flags f"
                          f"{join.format('f')}{legacy} ORDER BY f.pair_id"):
        if wanted is None or r[1] in wanted:
            yield tuple(r)


FLAGGED_SQL = ("(EXISTS (SELECT 1 FROM pair_flags f WHERE f.pair_id = {pid}) OR EXISTS (SELECT 1 FROM pair_scores s"
               " WHERE s.pair_id = {pid}))")
"""SQL: whether pair ``{pid}`` has stored checks (either layout), on a store with packed scores."""


def flagged_sql(conn: sqlite3.Connection, pid: str) -> str:
    """SQL telling whether the pair ``pid`` (an SQL expression) has any stored check, for this store's layout."""
    if has_packed_flags(conn):
        return FLAGGED_SQL.format(pid=pid)
    return f"EXISTS (SELECT 1 FROM pair_flags f WHERE f.pair_id = {pid})"


def sentence_texts(conn: sqlite3.Connection, ids: Iterable[str]) -> dict[str, str]:
    """Sentence id -> text, for the ids that exist (``conn`` may be a read-only snapshot)."""
    out: dict[str, str] = {}
    for part in _chunks(sorted(set(ids))):
        marks = ",".join("?" * len(part))
        out.update((r[0], r[1]) for r in conn.execute(f"SELECT id, text FROM sentences WHERE id IN ({marks})", part))
    return out


def translations(conn: sqlite3.Connection, signature: str, texts: Iterable[str]) -> dict[str, sqlite3.Row]:
    """Source text -> its ``translations`` row under ``signature``, for the texts that have one.

    The one lookup of the translation cache that the later stages share from Python; a query that
    joins the cache computes the key in SQL with :data:`TRANSLATION_KEY_SQL`.
    """
    keys = {translation_key(signature, t): t for t in texts}
    out: dict[str, sqlite3.Row] = {}
    for part in _chunks(list(keys)):
        marks = ",".join("?" * len(part))
        for row in conn.execute(f"SELECT * FROM translations WHERE key IN ({marks})", part):
            out[keys[row["key"]]] = row
    return out


def _chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    """Slices small enough for SQLite's limit on bound variables."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _split_sql(script: str) -> list[str]:
    """Split a migration script into complete SQL statements."""
    out: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip() and not all(ln.strip().startswith("--") for ln in buf.strip().splitlines()):
        out.append(buf.strip())
    return out


def translation_key(signature: str, source: str) -> str:
    """Key of the translation cache: the same source under the same settings is translated once."""
    return hashlib.sha256(f"{signature}\0{source}".encode()).hexdigest()


TRANSLATION_KEY_SQL = "bitext_translation_key"
"""The SQL function ``bitext_translation_key(signature, source)`` = :func:`translation_key`, on every
connection the Store opens (snapshots included), for queries that join sentences to their translations."""


def _add_sql_functions(conn: sqlite3.Connection) -> None:
    conn.create_function(TRANSLATION_KEY_SQL, 2, translation_key, deterministic=True)
