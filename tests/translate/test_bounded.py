"""Bounded decoding (Marian's --max-length-factor), the retry of runaway outputs, Moses punctuation.

The runaway model (the tiny model with `</s>` suppressed) loops on everything, so every sentence runs to
its bound: the bound and the retry are visible on every output.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bitext.cli.options import add_translation_options, translation_kwargs
from bitext.errors import BitextError
from bitext.lang.text import repeat_run
from bitext.translate import load_engine, translate_corpus
from bitext.translate.backends import GenOptions, Output
from bitext.translate.engine import is_loop

from .corpora import make_store, synthetic_sentences


def _texts() -> list[str]:
    # Sources of clearly different token lengths in one batch: their bounds differ.
    sents = synthetic_sentences(6)
    return [sents[0].split()[0] + ".", sents[1], sents[2], f"{sents[3]} {sents[4]}"]  # 6, 25, 35, 55 tokens


def test_limit_is_factor_times_source_plus_ten_capped() -> None:
    opts = GenOptions(1, 63, max_length_factor=3.0)
    assert [opts.limit(n) for n in (1, 5, 17, 18, 100)] == [13, 25, 61, 63, 63]
    assert GenOptions(1, 63).limit(5) == 63  # no factor: the absolute limit
    assert GenOptions(1, 500, max_length_factor=0.5, max_length_extra=0).limit(1) == 1


@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
def test_greedy_bound_is_exact_per_input_in_a_batch(runaway_model_dir: Path, backend: str) -> None:
    eng = load_engine(str(runaway_model_dir), backend=backend, beams=1, threads=1, compute_type="float32",
                      max_length_factor=1.0, retry=False)
    texts = _texts()
    batches = eng.batches(texts)
    assert len(batches) == 1 and len({len(ids) for ids in batches[0]}) == len(texts)  # one batch, mixed lengths
    outs = eng.backend.generate(batches[0], eng.opts)
    for ids, out in zip(batches[0], outs, strict=True):
        bound = min(len(ids) + 10, 63)  # 63: the tiny model's absolute limit caps the longest
        assert out.hit_max_length and len(out.ids) == bound == eng.opts.limit(len(ids))
        # The same input alone, with its own bound as the absolute limit: the same output and score.
        alone = eng.backend.generate([ids], GenOptions(1, bound))[0]
        assert alone.ids == out.ids and alone.logprob == pytest.approx(out.logprob, abs=1e-4)
    assert [t.n_tokens for t in eng.translate(texts)] == [min(63, len(ids) + 10) for ids in eng.tokenizer(
        [eng._normalise(t) for t in texts])["input_ids"]]


def test_own_beam_search_bound_is_exact_per_input(runaway_model_dir: Path) -> None:
    eng = load_engine(str(runaway_model_dir), backend="transformers", beams=3, threads=1, compute_type="float32",
                      max_length_factor=1.0, retry=False)
    batch = eng.batches(_texts())[0]
    outs = eng.backend.generate(batch, eng.opts)
    for ids, out in zip(batch, outs, strict=True):
        alone = eng.backend.generate([ids], GenOptions(3, min(63, len(ids) + 10)))[0]
        assert len(out.ids) <= min(63, len(ids) + 10)
        assert (alone.ids, alone.hit_max_length) == (out.ids, out.hit_max_length)
        assert alone.logprob == pytest.approx(out.logprob, abs=1e-4)


def test_max_new_tokens_still_caps_and_factor_is_checked(runaway_model_dir: Path) -> None:
    eng = load_engine(str(runaway_model_dir), backend="transformers", beams=1, threads=1, compute_type="float32",
                      max_new_tokens=12, retry=False)
    assert eng.opts.max_length_factor == 3.0
    assert all(t.n_tokens <= 12 and t.hit_max_length for t in eng.translate(_texts()))
    off = load_engine(str(runaway_model_dir), backend="transformers", beams=1, threads=1, compute_type="float32",
                      max_length_factor=0, retry=False)
    assert off.opts.max_length_factor is None and "|maxlen:off|retry:off|" in str(off.signature)
    with pytest.raises(BitextError, match="--max-length-factor -1: must be 0") as e:
        load_engine(str(runaway_model_dir), backend="transformers", max_length_factor=-1)
    assert e.value.exit_code == 2


def test_is_loop_uses_the_repetition_rule() -> None:
    assert repeat_run("a b a b a b c".split(), 6) == (3, "a b")
    assert is_loop("the the the the news", "berita")
    assert not is_loop("he said it, he said it", "dia berkata")  # twice is not a loop
    assert not is_loop("ha ha ha ha", "ha ha ha ha")  # the source repeats too


@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
def test_runaway_outputs_are_retried_and_the_better_score_kept(runaway_model_dir: Path, backend: str) -> None:
    eng = load_engine(str(runaway_model_dir), backend=backend, beams=1, threads=1, compute_type="float32")
    calls: list[tuple[GenOptions, list[Output]]] = []
    generate = eng.backend.generate

    def spy(batch, opts):
        out = generate(batch, opts)
        calls.append((opts, out))
        return out

    eng.backend.generate = spy
    texts = _texts()
    got = eng.translate(texts)
    assert [c[0].penalised for c in calls] == [False, True]  # one batch, one retry batch
    first, second = calls[0][1], calls[1][1]
    assert len(second) == len(texts) and eng.retries_run == len(texts)
    assert calls[1][0].no_repeat_ngram_size == 3 and calls[1][0].repetition_penalty == 1.2
    assert all(t.retried for t in got)
    by_len = sorted(got, key=lambda t: -len(t.source))  # the batch's order: longest first
    kept_retry = 0
    for t, a, b in zip(by_len, first, second, strict=True):
        best = b if b.logprob > a.logprob else a
        assert t.logprob == pytest.approx(best.logprob, abs=1e-5)
        assert t.n_tokens == len(best.ids) and t.hit_max_length == best.hit_max_length
        kept_retry += best is b
        # The retry is scored by the model itself: no n-gram of 3 repeats in it.
        grams = [tuple(b.ids[i:i + 3]) for i in range(len(b.ids) - 2)]
        assert len(grams) == len(set(grams))
    assert kept_retry == 0  # random weights: their loops are what the model scores best

    # A retry that scores better is the one kept (and still marked retried).
    def better(batch, opts):
        out = generate(batch, opts)
        return [Output(o.ids[:3], -1e-3, False) for o in out] if opts.penalised else out

    eng.backend.generate = better
    again = eng.translate(texts)
    assert [(t.retried, t.n_tokens, t.hit_max_length) for t in again] == [(True, 3, False)] * len(texts)
    assert [t.logprob for t in again] == pytest.approx([-1e-3] * len(texts))  # no loop scores above it


def test_ctranslate2_rescoring_memory_is_bounded_by_sub_batches(runaway_model_dir: Path) -> None:
    """Re-scoring runaway outputs (the retry's penalised search, cut outputs) goes to score_batch in
    sub-batches of at most ``score_tokens`` padded target tokens, with the same scores as one call
    (one call over a whole batch of runaways held ~14 MB of logits per row: issue 27)."""
    from bitext.translate.backends.ct2 import score_chunks

    assert score_chunks([5, 9, 3, 9, 20], 20) == [[4], [1, 3], [0, 2]]  # rows x longest <= 20; 20 alone
    eng = load_engine(str(runaway_model_dir), backend="ctranslate2", beams=1, threads=1, compute_type="float32")
    texts = _texts()
    whole = eng.translate(texts)
    translator = eng.backend.translator
    calls: list[int] = []

    class Spy:
        def __getattr__(self, name: str):
            return getattr(translator, name)

        def score_batch(self, source, target, **kw):
            calls.append(len(target) * (max(len(t) for t in target) + 1))
            return translator.score_batch(source, target, **kw)

    eng.backend.translator = Spy()
    eng.backend.score_tokens = 70  # one runaway output of the longest source, or a few short ones
    again = eng.translate(texts)
    assert len(calls) > 2 and max(calls) <= 70 + 63  # only a single longer row exceeds the budget
    assert [(t.text, t.retried) for t in again] == [(t.text, t.retried) for t in whole]
    assert [t.logprob for t in again] == pytest.approx([t.logprob for t in whole], abs=1e-5)


def test_retried_column_and_report(tmp_path: Path, runaway_model_dir: Path) -> None:
    eng = load_engine(str(runaway_model_dir), backend="transformers", beams=1, threads=1, compute_type="float32")
    texts = synthetic_sentences(4)
    store = make_store(tmp_path / "c", texts)
    report = translate_corpus(store, engine=eng, quiet=True)
    assert report.retried == report.translated == 4
    conn = sqlite3.connect(store.path)
    assert conn.execute("SELECT MAX(version) FROM schema_migrations WHERE component='translate'").fetchone() == (5,)
    rows = conn.execute("SELECT retried, signature FROM translations").fetchall()
    assert rows and all(r[0] == 1 for r in rows) and all("|maxlen:3x+10|retry:nr3,rp1.2|" in r[1] for r in rows)
    conn.close()


def test_cli_option_reaches_the_engine() -> None:
    import argparse

    p = argparse.ArgumentParser()
    add_translation_options(p)
    assert translation_kwargs(p.parse_args([]))["max_length_factor"] == 3.0
    assert translation_kwargs(p.parse_args(["--max-length-factor", "1.5"]))["max_length_factor"] == 1.5
    assert translation_kwargs(p.parse_args([]))["retry"] is True
    assert translation_kwargs(p.parse_args(["--no-retry"]))["retry"] is False


def test_no_retry_keeps_runaways_and_says_so_in_the_signature(tmp_path: Path, runaway_model_dir: Path) -> None:
    from bitext.cli import main

    texts = synthetic_sentences(3)
    make_store(tmp_path / "c", texts).close()
    argv = ["translate", str(tmp_path / "c"), "--model", str(runaway_model_dir), "--backend", "transformers",
            "--beams", "1", "--quiet"]
    assert main([*argv, "--no-retry"]) == 0
    conn = sqlite3.connect(tmp_path / "c" / "bitext.sqlite")
    rows = conn.execute("SELECT retried, hit_max_length, signature FROM translations").fetchall()
    assert len(rows) == 3 and all(r[:2] == (0, 1) and "|retry:off|" in r[2] for r in rows)
    assert main(argv) == 0  # with the retry: another signature, so translated again, and retried
    rows = conn.execute("SELECT retried FROM translations WHERE signature LIKE '%|retry:nr3,%'").fetchall()
    assert rows == [(1,)] * 3
    conn.close()


def test_moses_punctuation_is_normalised_before_tokenising(engine) -> None:
    pytest.importorskip("sacremoses")
    assert engine.punct == "moses" and str(engine.signature).endswith("|punct:moses")
    text = "„Halo“ … kata dia – «ya»"
    assert engine._normalise(text) == '"Halo" ... kata dia - "ya"'
    job = engine._prepare([text])[0]
    assert job.source == text  # the stored source is untouched
    assert job.segments[0] == engine.tokenizer('"Halo" ... kata dia - "ya"')["input_ids"]
    assert job.segments[0] != engine.tokenizer(text)["input_ids"]
