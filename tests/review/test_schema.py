"""The per-pair state table (kept by SQLite triggers) agrees with review_state() after every kind of write."""

from __future__ import annotations

import random
from pathlib import Path

from bitext import review
from bitext.model import DECISIONS
from bitext.review.schema import ensure_schema
from bitext.store import Store
from tests.factories import CorpusBuilder
from tests.review.corpus import python_state, realign, recounted, rewrite_pair, state_counts, state_table


def test_state_table_agrees_with_review_state_through_random_writes(store: Store) -> None:
    rng = random.Random(7)
    ensure_schema(store)
    b = CorpusBuilder(store)
    b.pair("a1:t9", "", "An extra sentence.", bead_idx=9, bead_type="0-1")
    b.pair("a1:0.10", "Tanpa terjemahan.", "", bead_idx=10, bead_type="1-0")
    for step in range(120):
        ids = [r[0] for r in store.conn.execute("SELECT id FROM pairs ORDER BY id")]
        pid = rng.choice(ids)
        op = rng.randrange(6)
        if op == 0:
            status = rng.choice(DECISIONS)
            item = review.get_item(store, pid)
            after = rng.choice([None, f"Edit {step}."]) if item.target else f"Typed {step}."
            review.decide(store, pid, status, reviewer=rng.choice(["ana", "budi"]), after=after)
        elif op == 1 and review.history(store, pid):
            review.undo(store, pid, reviewer="ana")
        elif op == 2:
            b.flag(pid, rng.choice(["length_ratio", "untranslated", "x"]), fired=rng.random() < 0.6,
                   severity=rng.choice(["info", "warning", "error"]))
        elif op == 3:
            rewrite_pair(store, pid, target=f"Re-aligned {step}.")
        elif op == 4 and pid.startswith("a1:mt:"):
            src = [r[0] for r in store.conn.execute("SELECT source FROM pairs WHERE article_id='a1' AND kind='mt'"
                                                    " ORDER BY bead_idx")]
            rng.shuffle(src)
            realign(store, "a1", [(f"a1:mt:{i}", s, f"T {s}") for i, s in enumerate(src)])
        elif op == 5:
            store.conn.execute("DELETE FROM pair_flags WHERE pair_id = ?", (pid,))  # both layouts' rows
            store.conn.execute("DELETE FROM pair_scores WHERE pair_id = ?", (pid,))
        assert state_table(store) == python_state(store), step
        assert state_counts(store) == recounted(store), step
    assert review.review_progress(store)["pairs"] == len(state_table(store))


def test_migration_backfills_an_existing_store(tmp_path: Path) -> None:
    from tests.review.corpus import make_store

    store = make_store(tmp_path / "c")
    review.decide(store, "a1:mt:0", "accepted", reviewer="ana")  # migrates on first decision
    store.conn.execute("DELETE FROM schema_migrations WHERE component = 'review'")
    for kind, name in store.conn.execute("SELECT type, name FROM sqlite_master WHERE name LIKE 'review%'"
                                         " AND type IN ('table', 'trigger', 'index') AND sql IS NOT NULL").fetchall():
        if name != "reviews" and not name.startswith("reviews_"):
            store.conn.execute(f"DROP {kind.upper()} IF EXISTS {name}")
    other = Store.open(tmp_path / "c")
    ensure_schema(other)
    assert state_table(other) == python_state(other)
    assert [tuple(r) for r in other.conn.execute("SELECT review_id, sentence_id FROM review_sources")] == []


def test_a_failed_bulk_write_leaves_the_triggers_on(store: Store) -> None:
    """flag_writes stands the flag triggers down only inside its own transaction: when the body fails,
    the transaction rolls back and the next plain write (another process, the review app) keeps the
    state current again."""
    import pytest

    from bitext.review.schema import flag_writes

    ensure_schema(store)
    with pytest.raises(RuntimeError), flag_writes(store, ["a1:mt:0"]):
        store.write_flags([("a1:mt:0", "untranslated", 1.0, 1, "error", "copied")])
        raise RuntimeError("measuring failed")
    assert store.count("review_deferred") == 0
    assert store.count("pair_flags", "pair_id='a1:mt:0' AND check_name='untranslated'") == 0
    CorpusBuilder(store).flag("a1:mt:0", "untranslated", fired=True, severity="error")
    assert state_table(store) == python_state(store) and state_table(store)["a1:mt:0"][2] == 0


def test_flag_writes_outside_the_named_pairs_would_be_missed(store: Store) -> None:
    """What the bulk path refreshes is what it is told: the named pairs (the flag stage names every pair
    it writes), or every pair with None."""
    from bitext.review.schema import flag_writes

    ensure_schema(store)
    with flag_writes(store, None):
        store.clear_flags()
    assert state_table(store) == python_state(store)
    with flag_writes(store, ["a1:mt:0"]):
        store.write_flags([("a1:mt:0", "untranslated", 1.0, 1, "error", "copied"),
                           ("a1:mt:1", "untranslated", 1.0, 1, "error", "copied")])
    table, python = state_table(store), python_state(store)
    assert table["a1:mt:0"] == python["a1:mt:0"] and table["a1:mt:0"][2] == 0
    assert table["a1:mt:1"] != python["a1:mt:1"]  # not named: left as it was (the caller's contract)
