"""The engine on the tiny model: batching, counts, settings, the signature, loading failures.

The tiny model (bitext.testing.make_tiny_model) memorises 20 sentence pairs: known sentences
end with </s> after a sentence-like length, unknown ones often run to the length limit; its
maximum input is 64 tokens, so long-input splitting is cheap to exercise.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bitext.errors import BitextError, EnvironmentProblem
from bitext.testing import TINY_SOURCES as KNOWN
from bitext.translate import load_engine, translate_texts
from bitext.translate.backends import GenOptions, cuda_available
from bitext.translate.engine import translation_signature
from bitext.translate.models import ModelRef

from .corpora import synthetic_sentences


def test_batched_results_in_input_order_equal_single_translation(engine) -> None:
    texts = KNOWN[:6] + synthetic_sentences(6)
    texts = texts[::2] + texts[1::2]  # mix lengths so sorting by length reorders them
    engine.batch_tokens = 60  # several batches
    try:
        before = engine.batches_run
        batched = engine.translate(texts)
        assert engine.batches_run - before > 2
        assert sum(len(b) for b in engine.batches(texts)) == len(texts)
    finally:
        engine.batch_tokens = 2048
    assert [t.source for t in batched] == texts
    for t in batched:
        alone = engine.translate([t.source])[0]
        assert (alone.text, alone.n_tokens, alone.hit_max_length) == (t.text, t.n_tokens, t.hit_max_length)
        assert alone.logprob == pytest.approx(t.logprob, abs=1e-5)  # padding changes the float sums only
    # The memorised sentences come out as trained (so the model really is conditioned on input).
    assert batched[0].text == "Mamuju (ANTARA) - The West Sulawesi provincial government encouraged civil servants in the region."
    assert batched[0].hit_max_length is False and batched[0].source_split is False


def test_hit_max_length_and_counts(tiny_model_dir: Path) -> None:
    model = str(tiny_model_dir)
    [short] = translate_texts([KNOWN[8]], model=model, backend="transformers", beams=1, compute_type="float32")
    assert short.text == "Bank Indonesia kept its benchmark interest rate at six percent."
    assert short.hit_max_length is False
    assert short.logprob < 0
    [cut] = translate_texts(
        [KNOWN[8]], model=model, backend="transformers", beams=1, max_new_tokens=3, compute_type="float32"
    )
    assert cut.hit_max_length is True
    assert cut.n_tokens == 3
    assert short.text.startswith(cut.text)
    [unk] = translate_texts(["Ωmega 日本"], model=model, backend="transformers", beams=1)
    assert unk.n_unk >= 2


# -- the signature: it keys the translation cache, so its text must never drift -------------


class _Backend:
    def __init__(self, name: str, compute_type: str) -> None:
        self.name, self.compute_type = name, compute_type


def _spelled_signature(fp: str, backend: str, ct: str, opts: GenOptions, max_in: int) -> str:
    """The signature spelled out by hand (the stored form; bounded decoding and punctuation added
    with issue 12 changed it on purpose: stores keep their rows under the old one)."""
    maxlen = f"{opts.max_length_factor:g}x+{opts.max_length_extra}" if opts.max_length_factor else "off"
    return (f"model:{fp}|backend:{backend}-{ct}|beams:{opts.beams}|lp:{opts.length_penalty:g}"
            f"|min_new:{opts.min_new_tokens}|max_new:{opts.max_new_tokens}|maxlen:{maxlen}|retry:off"
            f"|split:clause-v1/{max_in}|punct:moses")


def test_signature_string_is_pinned() -> None:
    ref = ModelRef(Path("/m"), "Helsinki-NLP/opus-mt-id-en@0123abcd", "Helsinki-NLP/opus-mt-id-en", "0123abcd")
    opts = GenOptions(6, 511, 0, 1.0, max_length_factor=3.0)
    retry = GenOptions(6, 511, 0, 1.0, max_length_factor=3.0, no_repeat_ngram_size=3, repetition_penalty=1.2)
    sig = translation_signature(ref, _Backend("ctranslate2", "int8"), opts, 512, retry)
    assert str(sig) == ("model:Helsinki-NLP/opus-mt-id-en@0123abcd|backend:ctranslate2-int8|beams:6|lp:1"
                        "|min_new:0|max_new:511|maxlen:3x+10|retry:nr3,rp1.2|split:clause-v1/512|punct:moses")
    assert sig.get("beams") == "6" and sig.get("model") == "Helsinki-NLP/opus-mt-id-en@0123abcd"
    local = ModelRef(Path("/m"), "folder-sha256:00ff00ff00ff00ff", "m", None)
    for backend, ct, opts, max_in in [
        ("transformers", "bfloat16", GenOptions(4, 32, 32, 0.6), 512),
        ("transformers", "float32", GenOptions(1, 63, 0, 1.0, max_length_factor=1.5, max_length_extra=4), 64),
        ("ctranslate2", "int8_float16", GenOptions(5, 100, 3, 1.25), 256),
    ]:
        got = str(translation_signature(local, _Backend(backend, ct), opts, max_in))
        assert got == _spelled_signature(local.fingerprint, backend, ct, opts, max_in)
    assert "|lp:0.6|" in str(translation_signature(local, _Backend("t", "f"), GenOptions(4, 32, 32, 0.6), 512))


def test_engine_signature_and_settings(engine) -> None:
    assert str(engine.signature) == (f"model:{engine.ref.fingerprint}|backend:transformers-float32|beams:1|lp:1"
                                     "|min_new:0|max_new:63|maxlen:3x+10|retry:nr3,rp1.2|split:clause-v1/64"
                                     "|punct:moses")
    assert engine.ref.fingerprint.startswith("folder-sha256:") and len(engine.ref.fingerprint) == 14 + 16
    s = engine.settings
    assert (s["backend"], s["compute_type"], s["beams"], s["max_new_tokens"], s["max_input_tokens"]) == (
        "transformers", "float32", 1, 63, 64)
    assert "/" not in s["model"]  # a local folder is named by its last component only


# -- failures ------------------------------------------------------------------------


def test_bad_model_arguments(tmp_path: Path, tiny_model_dir: Path) -> None:
    with pytest.raises(EnvironmentProblem, match="no such model folder"):
        load_engine("./no/such/folder")
    with pytest.raises(BitextError, match="--revision") as e:
        load_engine(str(tiny_model_dir), revision="main")
    assert e.value.exit_code == 2
    with pytest.raises(BitextError, match="--backend"):
        load_engine(str(tiny_model_dir), backend="onnx")
    for name, value in (("beams", 0), ("max_new_tokens", 0), ("batch_tokens", -1)):
        with pytest.raises(BitextError, match="must be at least 1") as e:
            load_engine(str(tiny_model_dir), **{name: value})
        assert e.value.exit_code == 2
    (tmp_path / "empty").mkdir()
    with pytest.raises(EnvironmentProblem, match="not a model folder"):
        load_engine(str(tmp_path / "empty"))
    if not cuda_available():
        with pytest.raises(EnvironmentProblem, match="CUDA"):
            load_engine(str(tiny_model_dir), device="cuda")


@pytest.mark.parametrize(("amx", "expected"), [(True, "bfloat16"), (False, "float32")])
def test_cpu_default_compute_type_follows_the_hardware(tiny_model_dir: Path, monkeypatch, amx, expected) -> None:
    import bitext.translate.backends.hf as hf

    monkeypatch.setattr(hf, "cpu_has_native_bf16", lambda: amx)
    eng = load_engine(str(tiny_model_dir), backend="transformers", beams=1, threads=1, device="cpu")
    assert eng.backend.compute_type == expected
    assert f"|backend:transformers-{expected}|" in str(eng.signature)
    [t] = eng.translate([KNOWN[8]])
    assert t.text  # runs in that dtype


def test_the_pipeline_generates_the_next_batch_before_collecting_this_one(engine, monkeypatch) -> None:
    """With ``pipeline`` on, batch k+1 goes to the backend (in a worker thread) while batch k's outputs are
    decoded, and the translations are exactly those of the pipeline off (same batches, same outputs)."""
    import threading

    texts = synthetic_sentences(24)
    started = [0]
    second = threading.Event()
    seen_while_collecting: list[bool] = []
    generate, finish = engine.backend.generate, engine._finish

    def recording_generate(batch, opts):
        if not opts.penalised:  # a batch (not the retry of its runaways)
            started[0] += 1
            if started[0] == 2:
                second.set()
        return generate(batch, opts)

    def recording_finish(job):
        if engine.pipeline and not seen_while_collecting:  # the first translation collected
            seen_while_collecting.append(second.wait(10))  # the second batch starts meanwhile
        return finish(job)

    monkeypatch.setattr(engine.backend, "generate", recording_generate)
    monkeypatch.setattr(engine, "_finish", recording_finish)
    old = (engine.batch_tokens, engine.batch_seconds, engine._tokens_per_second, engine._last_budget)
    try:
        engine.batch_tokens, engine.batch_seconds = 120, float("inf")  # several full batches
        engine._tokens_per_second, engine._last_budget = 1.0, 120  # a speed is known: no first-batch wait
        engine.pipeline = False
        plain = engine.translate(texts)
        assert started[0] > 2
        started[0] = 0
        second.clear()
        engine.pipeline = True
        piped = engine.translate(texts)
    finally:
        engine.batch_tokens, engine.batch_seconds, engine._tokens_per_second, engine._last_budget = old
        engine.pipeline = True
    assert seen_while_collecting == [True]
    assert piped == plain
