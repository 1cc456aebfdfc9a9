"""The stats page's numbers, computed once per change of the store rather than once per page view.

The numbers (:func:`bitext.review.stats.review_stats`, :func:`bitext.review.typology_stats.typology_stats`
and the per-article counts) are a pure function of the stored rows, and a pass over every decision
costs a few hundred milliseconds at 200k pairs. They are kept per connection (one per server thread)
under a version that changes exactly when the data can have: SQLite's ``PRAGMA data_version`` (changes
when *another* connection, in this process or another, commits) and the connection's ``total_changes``
(changes with every row this connection writes, triggers included). Nothing is kept in the store, so
no writer (the aligner, the CLI, another process) has to know about the cache.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass

from bitext.review.stats import ReviewStats, article_rows, review_stats
from bitext.review.typology_stats import Typology, typology_stats
from bitext.store import Store


@dataclass(frozen=True)
class PageNumbers:
    """What the stats page computes from the data (the leases and the clock are read per view)."""

    stats: ReviewStats
    typology: Typology
    articles: list[tuple[str, int, int]]


def data_version(conn: sqlite3.Connection) -> tuple[int, int]:
    """A value of ``conn``'s view of the database that changes whenever a row may have changed: another
    connection's commit (``PRAGMA data_version``) or a write on this one (``total_changes``)."""
    return conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes


def compute(store: Store) -> PageNumbers:
    """The stats page's numbers, recounted from the tables."""
    return PageNumbers(review_stats(store), typology_stats(store), article_rows(store))


_local = threading.local()  # this thread's (store, connection, version, numbers)


def page_numbers(store: Store) -> PageNumbers:
    """:func:`compute`, reused while :func:`data_version` of this thread's connection is unchanged."""
    conn = store.conn
    version = data_version(conn)
    held = getattr(_local, "held", None)
    if held is not None and held[0] is store and held[1] is conn and held[2] == version:
        return held[3]
    numbers = compute(store)
    # Kept under the version read *before* counting: a commit that lands while counting changes the
    # version, so the next view recounts (never numbers older than their version).
    _local.held = (store, conn, version, numbers)
    return numbers
