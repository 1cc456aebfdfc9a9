"""Packed flag scores (core v3): one ``pair_scores`` row per pair, ``pair_flags`` for fired checks only; an older
store (one ``pair_flags`` row per check) reads the same before, during and after its in-place conversion."""

from __future__ import annotations

import shutil
from collections import namedtuple
from pathlib import Path

import pytest

from bitext import flags as F
from bitext.errors import StoreError
from bitext.flags import scores
from bitext.flags.checks import CHECKS
from bitext.records import iter_pairs
from bitext.store import DB_NAME, Store, flag_tuples, pack_entries, unpack_entries
from tests.factories import dies_on_call
from tests.flags.test_scores import THRESHOLDS, corpus


def as_older_store(store: Store) -> None:
    """Make ``store`` look as bitext made it before core v3: no packed tables, the indexes v3 drops."""
    with store.tx() as conn:
        conn.execute("DROP TABLE pair_scores")
        conn.execute("DROP TABLE flag_checks")
        conn.execute("DELETE FROM schema_migrations WHERE component = 'core' AND version = 3")
        conn.execute("CREATE INDEX pairs_article ON pairs(article_id, kind, bead_idx)")
        conn.execute("CREATE INDEX sentences_article ON sentences(article_id, para_idx, sent_idx)")


def older_flagged(tmp_path: Path, monkeypatch) -> Path:
    """A corpus flagged as an older bitext left it: one ``pair_flags`` row per (pair, check) with its reason,
    evidence only for the checks whose reason names a threshold."""
    store = corpus(tmp_path, n=30)
    folder = store.path.parent
    if store.count("pairs") == 0:
        raise AssertionError("no pairs")
    as_older_store(store)
    with monkeypatch.context() as m:
        m.setattr(scores, "convert_flags", lambda s: 0)  # the older layout is what gets written
        F.flag_corpus(store, quiet=True, workers=0)
    quiet = [n for n, c in CHECKS.items() if not c.reason_names_threshold]
    with store.tx() as conn:
        conn.executemany("UPDATE pair_flags SET evidence = NULL WHERE check_name = ?", [(n,) for n in quiet])
    assert store.count("pair_flags") > 10 * store.count("pairs")  # every check a row
    store.close()
    for bak in folder.glob(f"{DB_NAME}.bak-*"):
        bak.unlink()
    return folder


Rec = namedtuple("Rec", "id findings scores needs_review clean")


def records(store: Store, *, quiet_reasons: bool = True) -> list[Rec]:
    """What every reader sees: the records with their findings (reasons of checks that did not fire left out
    unless ``quiet_reasons``: the packed layout keeps none)."""
    out = []
    for r in iter_pairs(store, reasons=True):
        found = tuple((f.name, f.severity, f.score, f.fired, f.reason if f.fired or quiet_reasons else None)
                      for f in r.findings)
        out.append(Rec(r.id, found, r.scores, r.needs_review, r.clean))
    return out


def stored(store: Store) -> list[tuple]:
    """Every stored check with its reason; scores to 12 digits (lingua's P(English) of a short text varies in
    its last bit from one process to the next)."""
    ids = [r[0] for r in store.conn.execute("SELECT id FROM pairs")]
    return [(*r[:2], None if r[2] is None else round(r[2], 12), *r[3:]) for r in flag_tuples(store.conn, ids,
                                                                                              reasons=True)]


def test_entries_keep_every_score_exactly() -> None:
    entries = [(1, 0.0, 0, "info"), (2, None, 1, "error"), (3, 2.0, 1, "warning"), (4, 0.1, 0, "warning"),
               (5, 0.5, 0, "info"), (6, -3.0, 0, "info"), (7, 1e300, 0, "error"), (8, 300.0, 1, "info"),
               (9, float("inf"), 0, "info"), (10, 7.0, 0, "notice")]
    blob = pack_entries(entries)
    assert len(blob) == 2 * 10 + 1 + 0 + 1 + 8 + 4 + 4 + 8 + 4 + 8 + 1  # NULL 0, 0..255 1, float32 4, else 8 bytes
    got = unpack_entries(blob)
    assert [(c, s, f) for c, s, f, _ in got] == [(c, s, f) for c, s, f, _ in entries]
    assert [sev for *_, sev in got] == ["info", "error", "warning", "warning", "info", "info", "error", "info", "info",
                                        None]  # outside the vocabulary: its pair_flags row says it


def test_an_older_store_reads_the_same_before_during_and_after_its_conversion(tmp_path: Path, monkeypatch) -> None:
    folder = older_flagged(tmp_path / "old", monkeypatch)
    old = Store.open(folder)  # core v3: the packed tables, nothing moved yet
    assert old.schema_version() == 3 and old.count("pair_scores") == 0
    before = records(old, quiet_reasons=False)
    assert any(f[4] is not None for r in records(old) for f in r.findings if not f[3])  # older rows: every reason

    # Killed during the conversion: what was packed and what was not read alike, and the next run goes on.
    monkeypatch.setattr(scores, "CONVERT_CHUNK", 7)
    real = dies_on_call(monkeypatch, Store, "write_flags", 3)
    with pytest.raises(KeyboardInterrupt):
        scores.convert_flags(old)
    monkeypatch.setattr(Store, "write_flags", real)
    assert old.count("pair_scores") == 14  # two chunks, the third rolled back
    assert records(old, quiet_reasons=False) == before

    report = F.flag_corpus(old, quiet=True, workers=0)  # converts the rest, then has nothing to do
    assert report.flagged == 0 and report.redecided == 0
    assert old.count("pair_scores") == old.count("pairs")
    assert old.count("pair_flags") == old.count("pair_flags", "fired = 1")
    assert records(old) == before
    assert records(old, quiet_reasons=False) == before

    # The same as a store flagged under the packed layout from the start, also after a threshold change that
    # makes rows of every kind fire (their reasons written from the stored evidence or the kept reason).
    fresh = Store.open(shutil.copytree(folder, tmp_path / "fresh"))
    fresh.clear_flags()
    F.flag_corpus(fresh, config_path="default", quiet=True, workers=0)
    assert stored(old) == stored(fresh)
    cfg = tmp_path / "t.toml"
    cfg.write_text(THRESHOLDS)
    F.flag_corpus(old, config_path=cfg, quiet=True, workers=0)
    F.flag_corpus(fresh, config_path=cfg, quiet=True, workers=0)
    assert stored(old) == stored(fresh)
    assert [r.id for r in records(old)] == [r.id for r in records(fresh)]
    old.close()
    fresh.close()


def test_the_conversion_says_how_much_space_it_needs(tmp_path: Path, monkeypatch) -> None:
    folder = older_flagged(tmp_path / "old", monkeypatch)
    store = Store.open(folder)
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(10 * 2**20, 9 * 2**20, 2**20))
    with pytest.raises(StoreError, match=r"packing the flag scores \(flags v2\) needs 64 MiB free on its file system,"
                                         r" only 1 MiB are: free some space"):
        scores.convert_flags(store)
    assert store.count("pair_scores") == 0
    store.close()


def test_a_big_store_is_migrated_without_a_copy(tmp_path: Path, monkeypatch) -> None:
    import bitext.store as store_module

    store = Store.open(tmp_path)
    store.migrate("demo", [(1, "CREATE TABLE demo (x INTEGER)")])
    monkeypatch.setattr(store_module, "BACKUP_MAX_BYTES", 0)  # every store is "big"
    store.migrate("demo", [(1, "CREATE TABLE demo (x INTEGER)"), (2, "ALTER TABLE demo ADD COLUMN y TEXT")])
    assert not list(tmp_path.glob(f"{DB_NAME}.bak-*")) and store.schema_version("demo") == 2
    monkeypatch.setattr(store_module, "BACKUP_MAX_BYTES", 2**40)
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(1, 1, 0))
    with pytest.raises(StoreError, match=r"a copy of the store before migrating \(demo-v2\) needs .* MiB free"):
        store.migrate("demo", [(1, ""), (2, ""), (3, "ALTER TABLE demo ADD COLUMN z")])
    assert store.schema_version("demo") == 2
    store.close()
