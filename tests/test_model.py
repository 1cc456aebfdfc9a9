"""The shared vocabulary: severities, the needs-review rule, signatures; the store's writers."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from bitext.model import (
    BLOCKING_SEVERITIES,
    SEVERITY_RANK,
    Signature,
    needs_review,
    severity_case,
    worst_severity,
)
from bitext.store import Store
from tests.factories import CorpusBuilder, flags_count


@dataclass
class F:
    fired: bool
    severity: str


def test_needs_review_is_a_fired_blocking_flag() -> None:
    assert BLOCKING_SEVERITIES == ("warning", "error")
    assert needs_review([F(True, "warning")]) and needs_review([F(False, "info"), F(True, "error")])
    assert not needs_review([F(True, "info"), F(False, "error")])
    assert not needs_review([])


def test_worst_severity_and_its_sql_agree(tmp_path: Path) -> None:
    assert worst_severity(["info", "error", "warning"]) == "error"
    assert worst_severity([]) is None
    conn = Store.open(tmp_path).conn
    for sev, rank in SEVERITY_RANK.items():
        assert conn.execute(f"SELECT {severity_case('?')}", (sev,)).fetchone()[0] == rank


def test_signature_round_trips_and_keeps_stored_forms() -> None:
    sig = Signature.of(("model", "Helsinki-NLP/opus-mt-id-en@abc"), ("backend", "ctranslate2-int8"),
                       ("beams", 6), ("lp", 1.0), ("split", "clause-v1/512"))
    assert str(sig) == "model:Helsinki-NLP/opus-mt-id-en@abc|backend:ctranslate2-int8|beams:6|lp:1|split:clause-v1/512"
    assert Signature.parse(str(sig)) == sig
    assert sig.get("beams") == "6" and sig.get("nope") is None
    seg = Signature.of(("", "bitext-id-seg/1"), ("", "norm/1"), ("dateline", "field"))
    assert str(seg) == "bitext-id-seg/1|norm/1|dateline:field"
    assert Signature.parse(str(seg)) == seg
    # A nested signature stays one field: the outer one still splits on '|'.
    outer = Signature.of(("seg", seg), ("align", "align-1"))
    assert str(outer) == "seg:bitext-id-seg/1,norm/1,dateline:field|align:align-1"
    assert Signature.parse(str(outer)).get("align") == "align-1"


def test_builder_writes_through_the_store_writers(tmp_path: Path) -> None:
    b = CorpusBuilder(tmp_path)
    ids = b.article("a1", [["Satu.", "Dua."], ["Tiga."]])
    assert ids == ["a1:0:0", "a1:0:1", "a1:1:0"]
    b.translation("Satu.", "One.", logprob=-0.5)
    b.pair("a1:0.0", "Satu.", "One.", src_ids=["a1:0:0"], tgt_idx=[0], signature=b.signature)
    b.flag("a1:0.0", "numbers", fired=False, score=0.0)
    rid = b.review("a1:0.0", "accepted", source="Satu.", after="One.")
    s = b.store
    assert s.count("sentences") == 3 and s.count("pairs") == 1 and flags_count(s) == 1
    assert s.translations(b.signature, ["Satu.", "Dua."])["Satu."]["text"] == "One."
    assert s.review_states()["a1:0.0"]["id"] == rid
    # Re-writing an article replaces its sentences and drops its pairs (with their flags), never reviews.
    b.article("a1", ["Satu."])
    assert s.count("sentences") == 1 and s.count("pairs") == 0 and flags_count(s) == 0
    assert s.count("reviews") == 1
    # A translation already cached is kept as it is.
    assert s.add_translations([("k", "sig", "x", "y", None, None, 0, 0, 0, "now")]) == 1
    assert s.add_translations([("k", "sig", "x", "changed", None, None, 0, 0, 0, "now")]) == 0


def test_replace_pairs_replaces_one_article_and_kind(tmp_path: Path) -> None:
    b = CorpusBuilder(tmp_path)
    b.article("a1", ["Satu."])
    b.pair("a1:0.0", "Satu.", "One.")
    b.pair("a1:ref-0.0", "Satu.", "One!", kind="reference")
    row = ("a1:t0", "a1", "mt", 0, "[]", "[0]", "", "Extra.", None, "0-1", None, None, "now")
    b.store.replace_pairs("a1", "mt", [row])
    ids = [r[0] for r in b.store.conn.execute("SELECT id FROM pairs ORDER BY id")]
    assert ids == ["a1:ref-0.0", "a1:t0"]
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        b.store.add_pairs([row])


def test_meta_writes_nothing_when_the_value_is_already_there(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.set_meta("k", "v")
    changes = store.conn.total_changes
    store.set_meta("k", "v")
    store.delete_meta("absent")
    assert store.conn.total_changes == changes
    store.set_meta("k", "w")
    store.delete_meta("k")
    assert store.conn.total_changes == changes + 2 and store.get_meta("k") is None
