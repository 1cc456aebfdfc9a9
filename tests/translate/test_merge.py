"""Shards (--shard I/N) and merging their translations back into one store."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bitext.errors import BitextError
from bitext.model import MetaKey
from bitext.store import Store
from bitext.translate import MergeReport, merge_stores, parse_shard, shard_of, translate_corpus

from .corpora import make_store, synthetic_sentences


def test_parse_shard_and_shard_of() -> None:
    assert parse_shard("0/4") == (0, 4)
    assert parse_shard("3/4") == (3, 4)
    for bad in ("4/4", "1", "-1/2", "a/b", "0/0"):
        with pytest.raises(BitextError) as e:
            parse_shard(bad)
        assert e.value.exit_code == 2
    # Absurd sizes are one line, not an SQLite overflow deep inside the stage.
    with pytest.raises(BitextError, match=r"^--shard '99999999999999999999/9+': expected I/N"):
        parse_shard("99999999999999999999/99999999999999999999999")
    with pytest.raises(BitextError, match=r"^--shard 0/1000001: at most 1000000 shards$"):
        parse_shard("0/1000001")
    assert parse_shard("999999/1000000") == (999999, 1000000)
    # Deterministic (a hash of the text, not Python's salted hash()).
    assert shard_of("Selamat pagi.", 7) == int.from_bytes(hashlib.sha256(b"Selamat pagi.").digest()[:8], "big") % 7


def test_shards_partition_and_merge(tmp_path: Path, engine) -> None:
    texts = synthetic_sentences(30) + ["Baca juga."] * 3
    shards = [make_store(tmp_path / f"s{i}", texts) for i in range(3)]
    seen: list[set[str]] = []
    for i, st in enumerate(shards):
        report = translate_corpus(st, engine=engine, shard=(i, 3), quiet=True)
        got = {r[0] for r in st.conn.execute("SELECT source FROM translations")}
        assert report.translated == len(got) and all(shard_of(t, 3) == i for t in got)
        assert st.get_meta_json(MetaKey.TRANSLATE_SETTINGS)["shard"] == [i, 3]
        seen.append(got)
    assert set().union(*seen) == set(texts)
    assert sum(len(s) for s in seen) == len(set(texts))  # disjoint
    assert all(seen)  # 31 texts over 3 shards: none empty

    target = make_store(tmp_path / "t", texts)
    report = merge_stores(target, [s.path.parent for s in shards])
    assert report == MergeReport(sources=3, copied=31, skipped=0)
    assert report.as_dict() == {"sources": 3, "copied": 31, "skipped": 0}
    # The retried mark travels (random weights: most synthetic sentences loop and are retried).
    marks = {r[0]: r[1] for s in shards for r in s.conn.execute("SELECT key, retried FROM translations")}
    assert dict(target.conn.execute("SELECT key, retried FROM translations").fetchall()) == marks
    assert set(marks.values()) == {0, 1}  # both kinds of rows were merged
    assert target.get_meta(MetaKey.TRANSLATE_SIGNATURE) == str(engine.signature)
    assert target.get_meta_json(MetaKey.TRANSLATE_SETTINGS)["shard"] == [0, 3]  # adopted with the signature
    assert merge_stores(target, [shards[0]]).as_dict() == {"sources": 1, "copied": 0, "skipped": len(seen[0])}
    assert translate_corpus(target, engine=engine, quiet=True).translated == 0  # complete

    other = make_store(tmp_path / "o", texts[:-5])
    before = target.count("translations")
    with pytest.raises(BitextError, match="does not hold the same articles"):
        merge_stores(target, [shards[2], other])
    assert target.count("translations") == before  # a refused merge changes nothing
    with pytest.raises(BitextError, match="is the target itself") as e:
        merge_stores(target, [target])
    assert e.value.exit_code == 2
    with pytest.raises(BitextError, match="no source corpus"):
        merge_stores(target, [])
    shards[1].set_meta(MetaKey.TRANSLATE_SIGNATURE, "model:x|backend:y")
    with pytest.raises(BitextError, match="another model or settings"):
        merge_stores(target, [shards[1]])
    untranslated = make_store(tmp_path / "u", texts)
    with pytest.raises(BitextError, match="has no translations"):
        merge_stores(target, [untranslated])


def test_merge_cli(tmp_path: Path, engine, capsys) -> None:
    from bitext.cli import main

    texts = synthetic_sentences(6)
    a, b = make_store(tmp_path / "a", texts), make_store(tmp_path / "b", texts)
    translate_corpus(a, engine=engine, quiet=True)
    a.close()
    b.close()
    assert main(["merge", str(tmp_path / "b"), str(tmp_path / "a")]) == 0
    assert capsys.readouterr().out == "merge: sources=1 copied=6 skipped=0\n"
    assert Store.open(tmp_path / "b").count("translations") == 6
