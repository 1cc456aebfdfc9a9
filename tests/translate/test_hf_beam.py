"""bitext's own beam search (backends/hf_beam.py) makes the choices of generate()."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from bitext.testing import TINY_SOURCES as KNOWN
from bitext.translate import load_engine
from bitext.translate.backends.hf_beam import plain_beam_config

from .corpora import synthetic_sentences


@pytest.mark.parametrize(("length_penalty", "early_stopping"), [(1.0, None), (0.6, True), (1.5, "never")])
def test_beam_search_makes_the_choices_of_generate(
    tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch, length_penalty: float, early_stopping: bool | str | None
) -> None:
    """The own loop returns what generate() + re-scoring returns, finished or cut at the limit."""
    eng = load_engine(str(tiny_model_dir), backend="transformers", beams=3, compute_type="float32", threads=1,
                      max_new_tokens=34, length_penalty=length_penalty)
    backend = eng.backend
    monkeypatch.setattr(backend.generation_config, "early_stopping", early_stopping)
    batch = eng.tokenizer(KNOWN[:6] + synthetic_sentences(4) + ["Ωmega 日本 rumah"])["input_ids"]
    fast = backend.generate(batch, eng.opts)
    backend.own_beam_search = False  # generate()
    slow = backend.generate(batch, eng.opts)
    assert any(o.hit_max_length for o in slow) and any(not o.hit_max_length for o in slow)
    assert [(o.ids, o.hit_max_length) for o in fast] == [(o.ids, o.hit_max_length) for o in slow]
    assert [o.logprob for o in fast] == pytest.approx([o.logprob for o in slow], abs=1e-5)


def test_beam_search_falls_back_to_generate_for_other_processing(tiny_model_dir: Path) -> None:
    eng = load_engine(str(tiny_model_dir), backend="transformers", beams=3, compute_type="float32", threads=1)
    backend = eng.backend
    gc = copy.deepcopy(backend.generation_config)
    assert plain_beam_config(gc, backend.eos_id, backend.pad_id)
    gc.repetition_penalty = 1.2
    assert not plain_beam_config(gc, backend.eos_id, backend.pad_id)
