"""Splitting sources longer than the model's maximum input (pure function, then on the tiny model)."""

from __future__ import annotations

from bitext.testing import TINY_SOURCES as KNOWN
from bitext.translate import split_for_model


def test_split_for_model_prefers_clause_boundaries() -> None:
    def fits(t: str) -> bool:
        return len(t.split()) <= 4

    text = "satu dua; tiga empat lima, enam tujuh dan delapan sembilan sepuluh sebelas dua belas"
    assert split_for_model(text, fits, lambda t: [t]) == [
        "satu dua;",
        "tiga empat lima,",
        "enam tujuh",
        "dan delapan sembilan sepuluh",
        "sebelas dua belas",
    ]
    # A unit that fits nowhere goes to the hard splitter.
    assert split_for_model("a b c d e f", lambda t: len(t) <= 1, lambda t: ["HARD:" + t]) == [
        "a", "b", "c", "d", "e", "f"
    ]
    assert split_for_model("abcdef", lambda t: len(t) <= 3, lambda t: [t[:3], t[3:]]) == ["abc", "def"]
    assert split_for_model("pendek", fits, lambda t: []) == ["pendek"]


def test_long_input_is_split_and_joined(engine) -> None:
    long = "; ".join(s.rstrip(".") for s in KNOWN[3:7]) + "."
    assert len(engine.tokenizer(long)["input_ids"]) > engine.max_input_tokens  # 64 for the tiny model
    [t] = engine.translate([long])
    assert t.source_split is True
    pieces = split_for_model(long, engine._fits, engine._hard_split)
    assert len(pieces) >= 2 and " ".join(pieces) == long
    parts = engine.translate(pieces)
    assert t.text == " ".join(p.text for p in parts)
    assert t.n_tokens == sum(p.n_tokens for p in parts)
    assert t.hit_max_length == any(p.hit_max_length for p in parts)
    assert t.n_unk == 0


def test_hard_split_when_no_boundary(engine) -> None:
    blob = "pemerintahdaerahmenangkap" * 12  # one "word" far longer than 64 tokens
    [t] = engine.translate([blob])
    assert t.source_split is True
    assert all(engine._fits(p) for p in engine._hard_split(blob))
