"""The backend registry and the agreement of the two backends on the tiny model."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

import bitext.translate.backends as backends
from bitext.errors import BitextError, EnvironmentProblem
from bitext.testing import TINY_SOURCES as KNOWN
from bitext.translate import load_engine, translate_texts
from bitext.translate.backends import BACKEND_CHOICES, BACKENDS
from bitext.translate.backends.ct2 import CT2Backend, ct2_convert
from bitext.translate.backends.hf import TransformersBackend

from .corpora import synthetic_sentences


def test_registry_names_the_backends_in_order_of_preference() -> None:
    assert BACKENDS == {"ctranslate2": CT2Backend, "transformers": TransformersBackend}
    assert BACKEND_CHOICES == ("auto", "ctranslate2", "transformers")
    assert all(name == cls.name for name, cls in BACKENDS.items())
    with pytest.raises(BitextError, match="--backend onnx: expected one of auto, ctranslate2, transformers"):
        backends.check_backend("onnx")


def test_auto_falls_back_and_explicit_choice_fails(tiny_model_dir: Path, monkeypatch, caplog) -> None:
    class Broken(CT2Backend):
        def __init__(self, *a: object, **k: object) -> None:
            raise EnvironmentProblem("tiny: cannot convert to CTranslate2: no")

    monkeypatch.setitem(BACKENDS, "ctranslate2", Broken)
    with caplog.at_level(logging.WARNING, logger="bitext.translate"):
        eng = load_engine(str(tiny_model_dir), beams=1, threads=1, compute_type="int8")
    assert eng.backend.name == "transformers"
    assert eng.backend.compute_type in ("float32", "bfloat16")  # int8 was meant for the preferred backend
    assert "cannot convert to CTranslate2: no; using transformers" in caplog.text
    with pytest.raises(EnvironmentProblem, match="cannot convert"):
        load_engine(str(tiny_model_dir), backend="ctranslate2", beams=1)
    monkeypatch.setattr(Broken, "available", classmethod(lambda cls: False))
    with pytest.raises(EnvironmentProblem, match="--backend ctranslate2: the ctranslate2 package is not installed"):
        load_engine(str(tiny_model_dir), backend="ctranslate2", beams=1)


def test_transformers_rejects_an_unknown_compute_type(tiny_model_dir: Path) -> None:
    with pytest.raises(BitextError, match="--compute-type int8: transformers supports") as e:
        load_engine(str(tiny_model_dir), backend="transformers", compute_type="int8")
    assert e.value.exit_code == 2


def test_ctranslate2_float32_greedy_equals_transformers(tiny_model_dir: Path, engine) -> None:
    texts = KNOWN[:5] + synthetic_sentences(5) + ["; ".join(s.rstrip(".") for s in KNOWN[10:14])]
    ref = engine.translate(texts)
    ct2 = load_engine(str(tiny_model_dir), backend="ctranslate2", beams=1, compute_type="float32", threads=1)
    assert ct2.backend.name == "ctranslate2"
    got = ct2.translate(texts)
    assert any(t.hit_max_length for t in ref) and any(not t.hit_max_length for t in ref)
    assert any(t.source_split for t in ref)
    for a, b in zip(ref, got, strict=True):
        assert (a.text, a.n_tokens, a.hit_max_length, a.source_split, a.n_unk) == (
            b.text, b.n_tokens, b.hit_max_length, b.source_split, b.n_unk)
        assert a.logprob == pytest.approx(b.logprob, abs=2e-4)
    assert "backend:ctranslate2-float32" in str(ct2.signature)
    assert "backend:transformers-float32" in str(engine.signature)
    # Converted once: the cache folder is reused.
    ct2_dirs = list((Path(os.environ["BITEXT_CACHE"]) / "ct2").iterdir())
    # This model's float32 folder (other tests' models may have theirs in the session's cache too).
    assert ct2_convert(ct2.ref, "float32") in ct2_dirs
    load_engine(str(tiny_model_dir), backend="ctranslate2", beams=1, compute_type="float32")
    assert list((Path(os.environ["BITEXT_CACHE"]) / "ct2").iterdir()) == ct2_dirs


def test_beam_logprob_same_definition_in_both_backends(tiny_model_dir: Path) -> None:
    texts = KNOWN[:3]
    opts = dict(model=str(tiny_model_dir), beams=3, compute_type="float32")
    a = translate_texts(texts, backend="transformers", **opts)
    b = translate_texts(texts, backend="ctranslate2", **opts)
    for x, y in zip(a, b, strict=True):
        assert x.text == y.text
        assert x.logprob == pytest.approx(y.logprob, abs=2e-4)


def test_beam_min_new_tokens_logprob_agrees_with_ctranslate2(tiny_model_dir: Path) -> None:
    """With min_new_tokens both backends leave </s> out of the softmax while it is banned."""
    texts = KNOWN[3:6]
    opts = dict(model=str(tiny_model_dir), beams=3, compute_type="float32", min_new_tokens=4)
    a = translate_texts(texts, backend="transformers", **opts)
    b = translate_texts(texts, backend="ctranslate2", **opts)
    assert not any(t.hit_max_length for t in a)
    for x, y in zip(a, b, strict=True):
        assert (x.text, x.n_tokens) == (y.text, y.n_tokens)
        assert x.logprob == pytest.approx(y.logprob, abs=2e-4)
