"""Leases: two ``bitext translate`` processes on one corpus split the work instead of doubling it.

Before translating a chunk of pending sentences (a range of ``sentences`` rowids) a process records a
lease (its pid, host and an expiry) in the same store, inside a write transaction, so of two processes
reaching for the same range only one gets it; the other skips ranges leased by a live process. The
lease is renewed with every committed batch and released when its chunk is done. A lease whose
process is gone (same host, pid not alive) or whose expiry has passed (any host) counts as free, so
a killed run never blocks the next one. Leases are a side table of the translate stage (component
``translate``); the translations themselves stay keyed by (signature, source), so two processes that
meet the same sentence in two ranges still store it once.
"""

from __future__ import annotations

import os
import sqlite3
import time

from bitext.procs import host_name, pid_alive
from bitext.store import Store, has_column, has_table

SOURCE_INDEX = "translations_signature_source"
"""Index on translations(signature, source), translate migration v3 (a store the translate stage has not
run on since lacks it: readers check with :func:`has_source_index`)."""

LEASE_MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE translate_leases (
            signature    TEXT NOT NULL,
            first_rowid  INTEGER NOT NULL,   -- sentences.rowid range [first, last] of the chunk
            last_rowid   INTEGER NOT NULL,
            pid          INTEGER NOT NULL,
            host         TEXT NOT NULL,
            expires      REAL NOT NULL,      -- unix time
            PRIMARY KEY (signature, first_rowid)
        );
        """,
    ),
    # v2: the retry of runaway outputs (bounded decoding, issue 12) is recorded per translation:
    # 1 = the output reached its length bound or looped and was generated again with repetition
    # penalties (the better-scored of the two is the stored text). Rows made before stay 0.
    (2, "ALTER TABLE translations ADD COLUMN retried INTEGER NOT NULL DEFAULT 0;"),
    # v3: "which sentences have a translation under this signature" (``bitext status``, the translate
    # stage's pending scan) as one covering-index probe per sentence on (signature, source), instead of
    # hashing each sentence's text into its key in Python and probing the primary key; and the retried
    # count (``bitext status``) from a partial index that holds only the retried rows, not a scan of every
    # translation of the signature.
    (3, f"CREATE INDEX IF NOT EXISTS {SOURCE_INDEX} ON translations(signature, source);\n"
        "CREATE INDEX IF NOT EXISTS translations_retried ON translations(signature) WHERE retried != 0;"),
    # v4: the count of outputs that hit their length bound (``bitext status``, ``bitext run``'s summary) from a
    # partial index holding only those rows, as the retried count.
    (4, "CREATE INDEX IF NOT EXISTS translations_hit_bound ON translations(signature) WHERE hit_max_length != 0;"),
    # v5: the core's translations_signature (signature) is a prefix of the v3 index (signature, source), which
    # serves every query it served: dropped (~60 bytes per sentence; the pages are reused in place).
    (5, "DROP INDEX IF EXISTS translations_signature;"),
]
TRANSLATE_MIGRATIONS = LEASE_MIGRATIONS
"""The migrations of component ``translate`` (leases, the ``retried`` column, the (signature, source) and
retried indexes)."""

LEASE_SECONDS = 900.0
"""How long a lease lasts without renewal: far longer than one batch takes, even on a slow CPU."""


def has_source_index(conn: sqlite3.Connection) -> bool:
    """Whether the store has translate migration v3's index on translations(signature, source)."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type='index' AND name=?", (SOURCE_INDEX,)).fetchone() is not None


def runaway_counts(conn: sqlite3.Connection, signature: str | None) -> tuple[int, int | None]:
    """(outputs that hit their length bound, outputs retried) among ``signature``'s translations; retried
    is None in a store made before ``translations.retried`` (translate v2)."""
    if not signature:
        return 0, None
    hit = conn.execute("SELECT COUNT(*) FROM translations WHERE signature = ? AND hit_max_length != 0",
                       (signature,)).fetchone()[0]
    if not has_column(conn, "translations", "retried"):
        return hit, None
    retried = conn.execute("SELECT COUNT(*) FROM translations WHERE signature = ? AND retried != 0",
                           (signature,)).fetchone()[0]
    return hit, retried


def lease_live(pid: int, host: str, expires: float, now: float | None = None) -> bool:
    """Whether a lease still holds: not expired, and (on this host) its process is alive."""
    if expires <= (time.time() if now is None else now):
        return False
    return host != host_name() or pid_alive(pid)


def lease_counts(conn: sqlite3.Connection) -> tuple[int, int]:
    """(live, stale) leases in a store, read-only; (0, 0) when no translate run made the table yet."""
    if not has_table(conn, "translate_leases"):
        return 0, 0
    rows = conn.execute("SELECT pid, host, expires FROM translate_leases").fetchall()
    live = sum(lease_live(r[0], r[1], r[2]) for r in rows)
    return live, len(rows) - live


class Leases:
    """This process's leases on ``signature``'s work in ``store`` (see the module docstring)."""

    def __init__(self, store: Store, signature: str, ttl: float = LEASE_SECONDS) -> None:
        self.store = store
        self.signature = signature
        self.ttl = ttl
        self.pid = os.getpid()
        self.host = host_name()
        store.migrate("translate", LEASE_MIGRATIONS)

    def _live(self, row: tuple[int, int, int, str, float], now: float) -> bool:
        """Whether another process's lease still holds."""
        return (row[2], row[3]) != (self.pid, self.host) and lease_live(row[2], row[3], row[4], now)

    def held_elsewhere(self) -> list[tuple[int, int]]:
        """Rowid ranges leased by other live processes."""
        now = time.time()
        rows = self.store.conn.execute(
            "SELECT first_rowid, last_rowid, pid, host, expires FROM translate_leases WHERE signature = ?",
            (self.signature,),
        ).fetchall()
        return [(r[0], r[1]) for r in rows if self._live(tuple(r), now)]

    def claim(self, first: int, last: int) -> bool:
        """Lease rows ``first..last`` unless a live lease of another process overlaps them."""
        with self.store.tx() as conn:
            now = time.time()
            rows = conn.execute(
                "SELECT first_rowid, last_rowid, pid, host, expires FROM translate_leases"
                " WHERE signature = ? AND first_rowid <= ? AND last_rowid >= ?",
                (self.signature, last, first),
            ).fetchall()
            if any(self._live(tuple(r), now) for r in rows):
                return False
            conn.execute(  # stale overlapping leases (dead or expired) are taken over
                "DELETE FROM translate_leases WHERE signature = ? AND first_rowid <= ? AND last_rowid >= ?",
                (self.signature, last, first),
            )
            conn.execute(
                "INSERT INTO translate_leases(signature, first_rowid, last_rowid, pid, host, expires)"
                " VALUES (?,?,?,?,?,?)",
                (self.signature, first, last, self.pid, self.host, now + self.ttl),
            )
        return True

    def renew(self) -> None:
        """Push this process's leases' expiry forward (joins the caller's transaction)."""
        with self.store.tx() as conn:
            conn.execute(
                "UPDATE translate_leases SET expires = ? WHERE signature = ? AND pid = ? AND host = ?",
                (time.time() + self.ttl, self.signature, self.pid, self.host),
            )

    def release(self, first: int | None = None) -> None:
        """Drop this process's lease starting at ``first`` (all of them when None)."""
        sql = "DELETE FROM translate_leases WHERE signature = ? AND pid = ? AND host = ?"
        params: tuple[object, ...] = (self.signature, self.pid, self.host)
        if first is not None:
            sql += " AND first_rowid = ?"
            params += (first,)
        with self.store.tx() as conn:
            conn.execute(sql, params)
