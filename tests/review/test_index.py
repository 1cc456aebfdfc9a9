"""The review indexes (bitext.review.index): the flag index, the maintained counts and the trigram search
agree with the corpus after every kind of write, and the queue gives the same pairs through them as
through plain scans."""

from __future__ import annotations

import json
import random
import sqlite3
import time
from pathlib import Path

import pytest

from bitext.model import STATUSES
from bitext.review import decide, index, undo, worklist
from bitext.review.schema import flag_writes, pair_writes
from bitext.review.stats import article_progress
from bitext.store import Store, flag_tuples
from tests.review.corpus import make_store

FILTERS = [dict(flag=f, status=s, article=a)
           for f in (None, "any", "none", "length_ratio", "untranslated", "number_mismatch", "nope")
           for s in (None, *STATUSES) for a in (None, "a1", "a2", "a3")]


def scanned(store: Store, **filters: str | None) -> list[str]:
    """The queue as a scan of the state table computes it (no index): the reference."""
    where, params = [], []
    if filters.get("status"):
        where.append("s.status = ?")
        params.append(filters["status"])
    if filters.get("article"):
        where.append("s.article_id = ?")
        params.append(filters["article"])
    flag = filters.get("flag")
    if flag == "any":
        where.append("s.sev_rank < 3")
    elif flag == "none":
        where.append("s.sev_rank = 3")
    elif flag:
        where.append("EXISTS (SELECT 1 FROM pair_flags f WHERE f.pair_id = s.pair_id AND f.check_name = ?"
                     " AND f.fired = 1)")
        params.append(flag)
    sql = ("SELECT pair_id FROM review_pair_state s" + (" WHERE " + " AND ".join(where) if where else "")
           + " ORDER BY sev_rank, article_id, kind, bead_idx, pair_id")
    return [r[0] for r in store.conn.execute(sql, params)]


def assert_agrees(store: Store) -> None:
    index.ensure_index(store)
    assert index.check_index(store) == []
    # per-article progress (the stats page) from the tallies, as a scan of the state table counts it
    scan = {a: (n, d) for a, n, d in store.conn.execute(
        "SELECT article_id, COUNT(*), SUM(status != 'pending') FROM review_pair_state GROUP BY article_id")}
    assert {p.article_id: (p.pairs, p.decided) for p in article_progress(store, limit=10**9)} == scan
    for f in FILTERS:
        expect = scanned(store, **f)
        assert worklist.queue_ids(store, **f, limit=None) == expect, f
        assert worklist.queue_count(store, **f) == len(expect), f
        if len(expect) > 2:  # next / previous from the middle: keyset reads of the index
            mid = expect[len(expect) // 2]
            assert worklist.queue_ids(store, **f, after=mid, limit=2) == expect[len(expect) // 2 + 1:][:2], f
            assert worklist.queue_ids(store, **f, before=mid, limit=2) == expect[:len(expect) // 2][::-1][:2], f


def pair_row(pid: str, aid: str, bead: int, src: str, tgt: str) -> tuple:
    return (pid, aid, "mt", bead, json.dumps([f"{aid}:s{bead}"]), "[0]", src, tgt, tgt, "1-1", 0.5, None,
            "2024-01-01T00:00:00+00:00")


def test_counts_and_flag_index_follow_every_write(store: Store) -> None:
    rng = random.Random(7)
    assert_agrees(store)  # the backfill of an existing corpus
    decide(store, "a1:mt:1", "accepted", reviewer="ana")
    decide(store, "a2:mt:2", "edited", reviewer="ana", after="The market is crowded.")
    decide(store, "a2:mt:0", "rejected", reviewer="ana")
    assert_agrees(store)
    undo(store, "a2:mt:0", reviewer="ana", parent_id=worklist.history(store, "a2:mt:0")[-1]["id"])
    assert_agrees(store)
    # the flag stage: INSERT OR REPLACE of flag rows, with and without the deferred state triggers
    store.write_flags([("a1:mt:0", "untranslated", 1.0, 1, "error", "x"), ("a1:mt:1", "length_ratio", 1.0, 0,
                                                                          "warning", None)])
    assert_agrees(store)
    with flag_writes(store, ["a2:mt:1", "a1:mt:2"]):
        store.write_flags([("a2:mt:1", "number_mismatch", 0.0, 1, "info", "x"),
                           ("a1:mt:2", "number_mismatch", 0.0, 0, "info", None)])
    assert_agrees(store)
    store.write_flags([(*r[:3], 1 - r[3], r[4], r[5] or "flipped") for r in flag_tuples(store.conn, ["a2:mt:2"],
                                                                                         reasons=True)])
    assert_agrees(store)
    # a third article, aligned in bulk (deferred triggers), then re-aligned with fewer pairs
    store.write_article(("a3", "a3.txt", None, "T", None, None, "id", None, "x", "h3", "test",
                         "2024-01-01T00:00:00+00:00"), [])
    rows = [pair_row(f"a3:mt:{i}", "a3", i, f"Kalimat {i} ÉTAT.", f"Sentence {i}.") for i in range(6)]
    with pair_writes(store, "a3", "mt"):
        store.add_pairs(rows)
    store.write_flags([(r[0], "length_ratio", 1.0, int(rng.random() < 0.5), "warning", None) for r in rows])
    decide(store, "a3:mt:4", "accepted", reviewer="bo")
    assert_agrees(store)
    store.replace_pairs("a3", "mt", rows[:3])
    assert_agrees(store)
    store.clear_flags()
    assert_agrees(store)
    store.write_article(("a3", "a3.txt", None, "T", None, None, "id", None, "x", "h4", "test",
                         "2024-01-01T00:00:00+00:00"), [])  # re-ingested: its pairs go
    assert_agrees(store)


def test_search_reads_the_trigram_index_and_finds_what_a_scan_finds(store: Store, monkeypatch) -> None:
    assert index.has_search_index(store)  # SQLite >= 3.34 with FTS5 here
    decide(store, "a2:mt:2", "edited", reviewer="ana", after="The market is crowded.")
    decide(store, "a1:mt:0", "edited", reviewer="ana", after="Crowded no more.")
    decide(store, "a1:mt:0", "edited", reviewer="ana", after="A new bridge.",
           parent_id=worklist.history(store, "a1:mt:0")[-1]["id"])
    searches = ["JEMBATAN", "50%_", "%", "a1:mt:2", "crowded", "bridge", "ÉTAT", "état", "Pe", "naik 10 per"]
    store.write_article(("a3", "a3.txt", None, "T", None, None, "id", None, "x", "h3", "test",
                         "2024-01-01T00:00:00+00:00"), [])
    store.add_pairs([pair_row("a3:mt:0", "a3", 0, "Kata ÉTAT di sini.", "The word ÉTAT here.")])
    got = {q: worklist.queue_ids(store, search=q, limit=None) for q in searches}
    monkeypatch.setattr(worklist, "_rare", lambda store, search: False)  # force the pair-by-pair check
    assert {q: worklist.queue_ids(store, search=q, limit=None) for q in searches} == got
    assert got["crowded"] == ["a2:mt:2"]  # a1:mt:0's "Crowded" was edited away: not its English any more
    assert got["ÉTAT"] == ["a3:mt:0"] and got["état"] == []  # LIKE's meaning kept: ASCII case only
    assert got["JEMBATAN"] == ["a1:mt:1", "a1:mt:0"]


def test_a_common_search_counts_up_to_a_cap(store: Store, monkeypatch) -> None:
    monkeypatch.setattr(worklist, "COUNT_CAP", 2)
    monkeypatch.setattr(worklist, "COMMON_MATCHES", 2)  # more trigram matches than this: a common text
    monkeypatch.setattr(worklist, "_RARE", {})
    assert worklist.queue_size(store, search="The") == "more than 2"
    assert worklist.queue_count(store, search="The") == 3  # without a cap: exact
    assert worklist.queue_size(store, search="bridge") == "2"  # rare: exact
    assert worklist.queue_size(store, status="pending") == "6"


def test_index_is_made_again_when_its_triggers_went(tmp_path: Path) -> None:
    with make_store(tmp_path / "c") as s:
        index.ensure_index(s)
        # as a migration re-making review_pair_state would: its triggers go with the table
        s.conn.execute("DROP TRIGGER review_index_state_upd")
        decide(s, "a1:mt:1", "accepted", reviewer="ana")  # a write the dropped trigger misses
        assert index.check_index(s) != []
    with Store.open(tmp_path / "c") as s:  # the next open of the review app makes them again
        assert worklist.queue_count(s, status="accepted") == 1
        assert index.check_index(s) == []


def test_a_read_only_store_without_the_index_is_scanned(tmp_path: Path) -> None:
    with make_store(tmp_path / "c") as s:
        from bitext.review.schema import ensure_schema

        ensure_schema(s)
        assert not s.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'review_index_tally'").fetchone()
    with Store.open(tmp_path / "c", read_only=True) as ro:
        assert worklist.queue_ids(ro, flag="length_ratio", limit=None) == ["a2:mt:0", "a1:mt:1"]
        assert worklist.queue_count(ro, flag="length_ratio", status="pending") == 2
        assert worklist.queue_ids(ro, search="jembatan", limit=None) == ["a1:mt:1", "a1:mt:0"]
        with pytest.raises(sqlite3.OperationalError):
            ro.conn.execute("CREATE TABLE x(y)")


def dirty(store: Store) -> int:
    return store.conn.execute("SELECT COUNT(*) FROM review_index_dirty").fetchone()[0]


def test_pairs_are_indexed_for_search_by_the_review_app_not_by_their_writer(store: Store, monkeypatch) -> None:
    index.ensure_index(store)
    assert dirty(store) == 6  # noted by the migration; a writer of pairs only notes which changed
    assert worklist.queue_ids(store, search="jembatan", limit=None) == ["a1:mt:1", "a1:mt:0"]
    assert dirty(store) == 0 and index.check_index(store) == []  # the search indexed them first
    store.conn.execute("UPDATE pairs SET target = 'A brand new bridge.' WHERE id = 'a2:mt:2'")
    assert dirty(store) == 1
    assert worklist.queue_ids(store, search="brand new", limit=None) == ["a2:mt:2"]
    assert worklist.queue_ids(store, search="market", limit=None) == ["a2:mt:2"]  # still its MT (indexed apart)
    # a large backlog: indexed in the background; meanwhile searches check pair by pair, same results
    monkeypatch.setattr(index, "INLINE", 0)
    monkeypatch.setattr(worklist, "_RARE", {})
    store.replace_pairs("a1", "mt", [pair_row("a1:mt:0", "a1", 0, "Jembatan lama.", "The old bridge.")])
    assert worklist.queue_ids(store, search="old bridge", limit=None) == ["a1:mt:0"]
    for _ in range(200):
        if not dirty(store) and not index._CATCHING_UP:
            break
        time.sleep(0.02)
    assert dirty(store) == 0 and index.check_index(store) == []
    assert worklist.queue_ids(store, search="old bridge", limit=None) == ["a1:mt:0"]
