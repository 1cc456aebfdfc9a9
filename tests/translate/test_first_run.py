"""A first run that speaks (issue 25): the conversion is announced, the first outputs come within
seconds, batches last at most ~BATCH_SECONDS of measured speed (commits come often), two processes
split any amount of work, and ``status`` / ``run`` say how many outputs hit the bound and were retried."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bitext.pipeline import corpus_status, format_status
from bitext.store import Store
from bitext.translate import engine as engine_module
from bitext.translate import load_engine, translate_corpus
from bitext.translate import stage as stage_module
from bitext.translate.engine import FIRST_BATCH_TOKENS

from .corpora import make_store, synthetic_sentences


def test_the_conversion_to_ctranslate2_is_announced_once(tiny_model_dir: Path, tmp_path: Path, monkeypatch,
                                                         capsys) -> None:
    monkeypatch.setenv("BITEXT_CACHE", str(tmp_path / "cache"))
    load_engine(str(tiny_model_dir), backend="ctranslate2", beams=1, threads=1, compute_type="float32")
    err = capsys.readouterr().err
    assert err == f"bitext: converting {tiny_model_dir} to CTranslate2 float32 (once; cached in {tmp_path / 'cache' / 'ct2'})\n"
    load_engine(str(tiny_model_dir), backend="ctranslate2", beams=1, threads=1, compute_type="float32")
    assert capsys.readouterr().err == ""  # converted: nothing to say
    monkeypatch.setenv("BITEXT_CACHE", str(tmp_path / "cache2"))
    store = make_store(tmp_path / "c", ["Satu kalimat."], articles=1)
    translate_corpus(store, model=str(tiny_model_dir), backend="ctranslate2", beams=1, threads=1,
                     compute_type="float32", quiet=True)
    assert "converting" not in capsys.readouterr().err  # --quiet


def test_the_first_batch_is_small_and_later_ones_grow(engine) -> None:
    texts = synthetic_sentences(120)
    engine._tokens_per_second, engine._last_budget = None, FIRST_BATCH_TOKENS  # a fresh engine
    engine.batch_seconds = 1e6  # speed is no limit here
    sizes = [len(done) for done in engine.iter_translate(texts)]
    longest = max(len(ids) for ids in engine.tokenizer(texts)["input_ids"])
    assert sizes[0] * longest <= FIRST_BATCH_TOKENS and sizes[0] < len(texts)  # not everything in one batch
    assert max(sizes[1:]) > sizes[0] and sum(sizes) == len(texts)


def test_batches_last_about_batch_seconds_of_the_measured_speed(engine, monkeypatch) -> None:
    """A fake clock: every padded source token of a batch costs 10 ms. With batch_seconds 2, each batch after
    the first holds at most 200 padded tokens; before, the whole budget (4,096 tokens: 41 s) went at once."""
    clock = [0.0]
    monkeypatch.setattr(engine_module.time, "perf_counter", lambda: clock[0])
    generate = engine.backend.generate
    cost: list[float] = []

    def slow(batch, opts):
        if not opts.penalised:
            cost.append(len(batch) * max(map(len, batch)) * 0.01)
            clock[0] += cost[-1]
        return generate(batch, opts)

    monkeypatch.setattr(engine.backend, "generate", slow)
    engine._tokens_per_second, engine._last_budget = None, FIRST_BATCH_TOKENS
    engine.batch_seconds = 2.0
    engine.translate(synthetic_sentences(150))
    assert len(cost) > 3 and max(cost[1:]) <= 2.0 + 1e-9
    assert cost[0] <= FIRST_BATCH_TOKENS * 0.01


def test_two_processes_split_a_small_amount_of_work(tmp_path: Path, engine, tiny_model_dir: Path,
                                                    monkeypatch) -> None:
    """Process A leases its first chunk; process B (another live pid), started meanwhile, takes a share of
    the rest. Before, A leased all pending sentences below 4,000 and B found nothing."""
    texts = synthetic_sentences(40)
    store = make_store(tmp_path / "c", texts, articles=2)
    store.close()
    a_store, b_store = Store.open(tmp_path / "c"), Store.open(tmp_path / "c")
    other = load_engine(str(tiny_model_dir), backend="transformers", beams=1, threads=1, compute_type="float32")

    class OtherPid(stage_module.Leases):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            self.pid = os.getppid()  # alive, and not ours: B is another process

    b_report = []
    iter_translate = engine.iter_translate

    def a_first_chunk(chunk):
        if not b_report:  # B starts while A works on its first chunk
            monkeypatch.setattr(stage_module, "Leases", OtherPid)
            b_report.append(translate_corpus(b_store, engine=other, quiet=True))
            monkeypatch.setattr(stage_module, "Leases", OtherPid.__mro__[1])
        yield from iter_translate(chunk)

    monkeypatch.setattr(engine, "iter_translate", a_first_chunk)
    a = translate_corpus(a_store, engine=engine, quiet=True)
    b = b_report[0]
    assert a.translated > 0 and b.translated > 0 and a.translated + b.translated == len(texts)
    assert b.left_elsewhere > 0  # B left A's leased chunk to A
    assert a_store.count("translations") == len(texts) and a_store.count("translate_leases") == 0


def test_status_and_run_say_how_many_hit_the_bound_and_were_retried(tmp_path: Path, runaway_model_dir: Path,
                                                                   engine) -> None:
    store = make_store(tmp_path / "c", synthetic_sentences(6), articles=1)
    runaway = load_engine(str(runaway_model_dir), backend="transformers", beams=1, threads=1, compute_type="float32")
    report = translate_corpus(store, engine=runaway, quiet=True)
    assert (report.hit_max_length, report.retried) == (6, 6)
    status = corpus_status(store)
    assert (status["translate"]["hit_max_length"], status["translate"]["retried"]) == (6, 6)
    line = format_status(status).splitlines()[2]
    assert line.startswith("translate   6/6 sentences translated, 6 hit the length bound, 6 retried  [")
    fresh = make_store(tmp_path / "d", synthetic_sentences(6), articles=1)
    translate_corpus(fresh, engine=engine, quiet=True)
    assert corpus_status(fresh)["translate"]["hit_max_length"] == sum(
        t.hit_max_length for t in engine.translate(synthetic_sentences(6)))


@pytest.fixture(autouse=True)
def _restore_engine(engine):
    """The module's shared engine is tuned by these tests: put its pacing back afterwards."""
    yield
    engine.batch_seconds = engine_module.BATCH_SECONDS
    engine._tokens_per_second, engine._last_budget = None, FIRST_BATCH_TOKENS


def test_the_first_batch_does_not_wait_for_the_counts(tmp_path: Path, monkeypatch) -> None:
    """The stage's counts (a DISTINCT over every sentence: seconds at 1M) run beside the first batches, in a
    snapshot of the store from before the run. Here the count is held until the engine has its first chunk;
    before, the counts came first and the engine got nothing until they were done (the gate timed out)."""
    import threading
    from collections.abc import Iterator

    from bitext.translate.engine import Translation

    from .corpora import make_store as make

    texts = synthetic_sentences(30)
    store = make(tmp_path / "c", texts + texts[:10], articles=2)  # 10 repeated sentences: 30 distinct
    gate = threading.Event()
    order: list[str] = []
    shard_of = stage_module.shard_of

    def held_shard_of(text: str, n: int) -> int:
        if threading.current_thread().name == "bitext-translate-counts" and not gate.is_set():
            order.append("count waits")
            gate.wait(10)
            order.append("count goes on")
        return shard_of(text, n)

    class Upper:
        signature, settings = "model:fake@test|backend:none|beams:1", {}

        def iter_translate(self, chunk: list[str]) -> Iterator[list[Translation]]:
            order.append("first chunk" if not gate.is_set() else "chunk")
            gate.set()
            yield [Translation(t, t.upper(), -0.5, 3, 0, False, False) for t in chunk]

    monkeypatch.setattr(stage_module, "shard_of", held_shard_of)
    monkeypatch.setattr(stage_module, "COUNT_WAIT_S", 0.05)
    report = translate_corpus(store, engine=Upper(), shard=(0, 1), quiet=True)
    assert order.index("count waits") < order.index("first chunk") < order.index("count goes on")
    assert (report.sentences, report.distinct, report.cached, report.translated, report.left_elsewhere) == (
        40, 30, 0, 30, 0)  # the counts of the store before the run, though they finished after its commits
    assert store.count("translations") == 30
