"""Translate migration v3: the (signature, source) index that ``bitext status`` and the pending scan probe.

A store gets it on its next translate run (also one with nothing pending), once; status counts the same
with and without it and never writes (a read-only store made before v3 keeps working, by key hashing).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from bitext.cli import main
from bitext.model import MetaKey
from bitext.pipeline import corpus_status
from bitext.store import Store
from bitext.translate import translate_corpus
from bitext.translate.engine import Translation
from bitext.translate.leases import SOURCE_INDEX, TRANSLATE_MIGRATIONS, has_source_index
from tests.factories import CorpusBuilder

SIG = "model:fake@test|backend:none|beams:1|it's quoted"  # a quote: the scan writes it as an SQL literal


class _Upper:
    """An engine without a model: the translation is the upper-cased source."""

    signature = SIG
    settings: dict[str, object] = {}

    def __init__(self) -> None:
        self.seen: list[str] = []

    def iter_translate(self, texts: list[str]) -> Iterator[list[Translation]]:
        self.seen += texts
        yield [Translation(t, t.upper(), -0.5, 3, 0, False, False) for t in texts]


def _corpus(tmp_path: Path) -> CorpusBuilder:
    b = CorpusBuilder(tmp_path / "c", signature=SIG)
    b.article("a1", ["Satu.", "Dua.", "Tiga.", "Satu."])
    b.article("a2", ["Empat.", "Dua."])
    return b


def _translate_versions(path: Path) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute(
            "SELECT version FROM schema_migrations WHERE component = 'translate' ORDER BY version")]
    finally:
        conn.close()


def _pre_v3(b: CorpusBuilder) -> None:
    """Make the store look like one a translate run of before v3 left (leases and retried, no index)."""
    b.store.migrate("translate", TRANSLATE_MIGRATIONS[:2])
    assert not has_source_index(b.store.conn)


def test_pending_scan_and_status_with_the_index(tmp_path: Path) -> None:
    b = _corpus(tmp_path)
    b.translation("Dua.", "Two.")
    b.translation("Tiga.", "Three.", signature="model:other|backend:none|beams:1")  # not this signature
    _pre_v3(b)
    engine = _Upper()
    report = translate_corpus(b.store, engine=engine, quiet=True)
    assert sorted(engine.seen) == ["Empat.", "Satu.", "Tiga."]  # 'Dua.' was cached under this signature
    assert (report.sentences, report.distinct, report.cached, report.translated) == (6, 4, 1, 3)
    assert has_source_index(b.store.conn)
    plan = b.store.conn.execute(
        "EXPLAIN QUERY PLAN SELECT 1 FROM translations t WHERE t.signature = ? AND t.source = ?", (SIG, "x")
    ).fetchall()
    assert any(SOURCE_INDEX in row[-1] for row in plan)
    assert corpus_status(b.store)["translate"] | {"signature": None} == {
        "signature": None, "translated": 6, "left": 0, "cached_translations": 5, "retried": 0,
        "hit_max_length": 0}


def test_migration_applied_once_even_with_nothing_pending(tmp_path: Path) -> None:
    b = _corpus(tmp_path)
    for text in ("Satu.", "Dua.", "Tiga.", "Empat."):
        b.translation(text, text.upper())
    _pre_v3(b)
    engine = _Upper()
    translate_corpus(b.store, engine=engine, quiet=True)
    assert engine.seen == [] and has_source_index(b.store.conn)
    translate_corpus(b.store, engine=engine, quiet=True)
    assert _translate_versions(b.store.path) == [1, 2, 3, 4, 5]
    indexes = [r[0] for r in b.store.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'translations'")]
    assert indexes.count(SOURCE_INDEX) == 1


def test_status_counts_equal_with_and_without_the_index(tmp_path: Path) -> None:
    b = _corpus(tmp_path)
    b.translation("Satu.", "One.").translation("Empat.", "Four.")
    b.translation("Dua.", "Two.", signature="model:other|backend:none|beams:1")
    b.store.set_meta(MetaKey.TRANSLATE_SIGNATURE, SIG)
    _pre_v3(b)
    without = corpus_status(b.store)
    b.store.migrate("translate", TRANSLATE_MIGRATIONS)
    assert has_source_index(b.store.conn)
    with_index = corpus_status(b.store)
    assert without == with_index
    assert with_index["translate"]["translated"] == 3 and with_index["translate"]["left"] == 3


def test_status_of_a_read_only_store_without_the_index_writes_nothing(tmp_path: Path, capsys) -> None:
    b = _corpus(tmp_path)
    b.translation("Satu.", "One.")
    b.store.set_meta(MetaKey.TRANSLATE_SIGNATURE, SIG)
    _pre_v3(b)
    path = b.store.path
    b.store.close()
    before = path.read_bytes()
    path.chmod(0o444)
    try:
        with Store.open(path, read_only=True) as store:
            assert not has_source_index(store.conn)
            assert corpus_status(store)["translate"]["translated"] == 2
        assert main(["status", str(path.parent)]) == 0
        assert "translate   2/6 sentences translated (4 left)" in capsys.readouterr().out
    finally:
        path.chmod(0o644)
    assert path.read_bytes() == before and _translate_versions(path) == [1, 2]
