"""``bitext status`` scores the MT against human English when the corpus has some."""

from __future__ import annotations

import json
from pathlib import Path

from bitext.cli import main
from bitext.model import MetaKey
from bitext.pipeline import corpus_status, format_status, status_json
from bitext.translate.leases import TRANSLATE_MIGRATIONS
from tests.factories import CorpusBuilder


def test_status_prints_mt_quality_only_with_human_english(tmp_path: Path, capsys) -> None:
    b = CorpusBuilder(tmp_path)
    b.article("a1", ["Pemerintah membangun jembatan baru."])
    b.pair("a1:0.0", "Pemerintah membangun jembatan baru.", "The government builds a new bridge.",
           mt="The government builds a new bridge.")
    assert main(["status", str(tmp_path)]) == 0
    assert "\nquality " not in capsys.readouterr().out
    b.pair("a1:ref-0.0", "Pemerintah membangun jembatan baru.", "The government is building a new bridge.",
           kind="reference", mt="The government builds a new bridge.")
    assert main(["status", str(tmp_path)]) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("quality")]
    assert len(lines) == 1 and lines[0].startswith("quality     mt-vs-reference: chrF ")
    assert lines[0].endswith("over 1 segment(s) in 1 article(s)")
    assert main(["status", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["mt_quality"] == [lines[0].removeprefix("quality     ")]


def _translated_store(tmp_path: Path) -> CorpusBuilder:
    b = CorpusBuilder(tmp_path)
    b.article("a1", ["Satu.", "Dua.", "Tiga.", "Satu."])
    b.translation("Satu.", "One.").translation("Dua.", "Two.")
    b.translation("Tiga.", "Three.", signature="model:other|backend:none|beams:1")  # not the current signature
    b.store.set_meta(MetaKey.TRANSLATE_SIGNATURE, b.signature)
    return b


def test_status_counts_retried_translations(tmp_path: Path) -> None:
    b = _translated_store(tmp_path)
    b.store.migrate("translate", TRANSLATE_MIGRATIONS)  # v2 adds translations.retried
    with b.store.tx() as conn:
        conn.execute("UPDATE translations SET retried = 1 WHERE source IN ('Dua.', 'Tiga.')")
    status = corpus_status(b.store)
    # Only the current signature's translations count: 'Tiga.' was retried under another model.
    assert status["translate"] | {"signature": None} == {
        "signature": None, "translated": 3, "left": 1, "cached_translations": 3, "retried": 1,
        "hit_max_length": 0}
    assert "translate   3/4 sentences translated (1 left), 1 retried  [" in format_status(status)
    assert json.loads(status_json(status))["translate"]["retried"] == 1
    with b.store.tx() as conn:
        conn.execute("UPDATE translations SET retried = 0")
    status = corpus_status(b.store)
    assert status["translate"]["retried"] == 0 and " retried " not in format_status(status)


def test_status_of_a_store_without_the_retried_column(tmp_path: Path) -> None:
    b = _translated_store(tmp_path)
    assert "retried" not in {r[1] for r in b.store.conn.execute("PRAGMA table_info(translations)")}
    status = corpus_status(b.store)
    assert "retried" not in status["translate"] and status["translate"]["translated"] == 3
    assert " retried " not in format_status(status)


def test_status_counts_pairs_from_the_review_state_as_from_the_pairs(tmp_path: Path, monkeypatch) -> None:
    """With the review tables, pairs, bead types and checked pairs come from review_pair_state; without
    them (a store never aligned by this bitext), from pairs and pair_flags: the same numbers."""
    from bitext import pipeline
    from bitext.review.schema import ensure_schema

    b = CorpusBuilder(tmp_path)
    ensure_schema(b.store)
    b.article("a1", ["Satu.", "Dua.", "Tiga."])
    b.pair("a1:mt:0", "Satu.", "One.", bead_idx=0)
    b.pair("a1:mt:1", "Dua. Tiga.", "Two and three.", bead_idx=1, bead_type="2-1")
    b.pair("a1:mt:2", "", "Extra.", bead_idx=2, bead_type="0-1")
    b.pair("a1:ref:0", "Satu.", "One!", bead_idx=0, kind="reference")
    b.flag("a1:mt:0", "length_ratio", fired=False).flag("a1:mt:0", "numbers", fired=True)
    b.flag("a1:mt:2", "empty_target", fired=False)
    fast = corpus_status(b.store)
    monkeypatch.setattr(pipeline, "has_schema", lambda conn: False)
    slow = corpus_status(b.store)
    assert fast["align"] == slow["align"] and fast["flag"] == slow["flag"]
    assert fast["align"]["bead_types"] == {"0-1": 1, "1-1": 2, "2-1": 1}
    assert (fast["align"]["pairs"], fast["flag"]["pairs_checked"], fast["flag"]["left"]) == (4, 2, 2)
