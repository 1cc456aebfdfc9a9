#!/usr/bin/env python
"""Benchmark of the translate stage: what users run, contenders side by side in one process.

    python scripts/bench_translate.py [--n 32] [--out-tokens 24] [--beams 1 4] [--rounds 5]
    python scripts/bench_translate.py --retry-memory [--n 48]  # peak RSS with / without the retry
    python scripts/bench_translate.py --memory 20000           # peak RSS while streaming N sentences
    python scripts/bench_translate.py --first-progress 1000000 # seconds to the first batch on an N-sentence store

Uses FLORES-200 devtest (../shared/data/flores200-devtest/devtest.id) and a full-size random-weight
opus-mt-id-en (built once like ``scripts/make_tiny_model.py --like ../shared/models/opus-mt-id-en``,
kept under $BITEXT_CACHE/bench).

Speed (default). Random weights emit arbitrary lengths, so every contender generates exactly
--out-tokens tokens (fixed-length decoding), and the engine ratios are measured with the retry off
(a fixed-length output always "hits its bound": with the retry on every row would be generated twice,
which no real model does). What the retry costs is a separate row: the retry on, with 5 % of the
rows treated as runaway (a realistic share; ``--retry-share``). The transformers dtype is what the
backend picks on this CPU (bfloat16 with AMX, else float32) and the other one beside it; it is
printed. Every contender, (a) included, runs once per round, rounds interleaved; the table gives the
median of --rounds rounds and the spread ((max - min) / median), and the ratios are medians of the
per-round ratios (two contenders of one round ran seconds apart: the load of a shared machine cancels).

Contenders: (a) tokenizer + model.generate one sentence at a time (first 8 sentences); (b)
``generate()`` in fixed batches of 32 in input order, float32 (the baseline); (c) bitext, transformers
backend, default dtype; (c') the same in the other dtype; (d) bitext, ctranslate2 backend (int8 on
CPU, int8_float16 on CUDA); (e) raw ctranslate2 ``Translator.translate_batch`` on pre-tokenized input,
same compute type and bitext's batch size (so (d)/(e) is the engine's own overhead: it is at most
about 1 by construction); (e2) raw ctranslate2 as its documentation shows it: tokenize, one
``translate_batch(max_batch_size=32)`` (CTranslate2 sorts by length inside), decode, in one thread,
no dedup (the issue's "raw CTranslate2"); (d0) (d) with the engine's pipeline off (the next batch
generated while this one is decoded: ``Engine.pipeline``); (d+r) and (c+r): (d), (c) with the retry on at
--retry-share; with beams > 1 also (c'') bitext's batches through ``generate()`` + re-scoring instead
of bitext's own beam loop.

--retry-memory: the worst case (random weights never emit ``</s>``: every output runs to its bound,
3 x source + 10 tokens, and is retried) and the realistic case (--retry-share of the rows retried),
each with the retry on and off, each in its own child process (peak RSS from ``os.wait4``'s rusage of
that child: runs do not contaminate each other), at full batches (the batch budget, not the pacing
of slow machines, is what bounds memory).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FLORES = SHARED / "data" / "flores200-devtest" / "devtest.id"
OPUS = SHARED / "models" / "opus-mt-id-en"


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakRSS:
    """Samples this process's RSS every few ms while active; ``peak - start`` is the increase."""

    def __enter__(self) -> PeakRSS:
        self.start = self.peak = rss_bytes()
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.003):
            self.peak = max(self.peak, rss_bytes())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, rss_bytes())

    @property
    def delta_mb(self) -> float:
        return (self.peak - self.start) / 2**20


def bench_model_dir(like: Path = OPUS) -> Path:
    """The full-size random-weight model (``like``'s config and tokenizer), built once under $BITEXT_CACHE/bench."""
    from bitext.testing import make_tiny_model
    from bitext.translate.backends.ct2 import ct2_cache_root

    path = ct2_cache_root().parent / "bench" / "opus-mt-id-en-random"
    if not (path / "model.safetensors").is_file():
        print(f"building the full-size random model in {path} ...", file=sys.stderr)
        tmp = Path(tempfile.mkdtemp(dir=path.parent if path.parent.exists() else None))
        path.parent.mkdir(parents=True, exist_ok=True)
        make_tiny_model(tmp / "m", like=like)
        os.replace(tmp / "m", path)
        tmp.rmdir()
    return path


def timed(fn: Callable[[], object], n: int) -> tuple[float, float]:
    with PeakRSS() as mem:
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
    return n / dt, mem.delta_mb


def _median_spread(values: list[float]) -> tuple[float, float]:
    """The median and the spread (max - min) as a fraction of it."""
    import statistics

    med = statistics.median(values)
    return med, (max(values) - min(values)) / med if med else 0.0


def cpu_dtype_note() -> tuple[str, str]:
    """(the transformers backend's CPU dtype on this machine, why)."""
    from bitext.translate.backends.hf import cpu_has_native_bf16

    flags = set(open("/proc/cpuinfo").read().split()) if Path("/proc/cpuinfo").is_file() else set()
    if cpu_has_native_bf16():
        return "bfloat16", f"this CPU has {' and '.join(sorted(flags & {'amx_bf16', 'avx512_bf16'}))}"
    return "float32", "this CPU has no bfloat16 instructions (amx_bf16, avx512_bf16)"


def share_runaways(engine: object, share: float) -> None:
    """Make ``engine`` retry a deterministic ``share`` of its rows (by a hash of their token ids) instead of
    those at their bound: fixed-length decoding makes every row "hit its bound"."""
    import zlib

    def runaways(segments: list[list[int]], outputs: list[object]) -> list[int]:
        cut = int(share * 2**32)
        return [i for i, ids in enumerate(segments) if zlib.crc32(str(ids).encode()) < cut]

    engine.runaways = runaways


def run_speed(args: argparse.Namespace) -> None:
    import torch

    from bitext.translate.backends import default_threads
    from bitext.translate.backends.ct2 import ct2_convert
    from bitext.translate.models import load_tokenizer, resolve_model

    device = "cuda" if torch.cuda.is_available() else "cpu"
    threads = args.threads or default_threads()
    torch.set_num_threads(threads)
    texts = FLORES.read_text(encoding="utf-8").splitlines()[: args.n]
    model_dir = bench_model_dir()
    ref = resolve_model(str(model_dir))
    tok = load_tokenizer(model_dir)
    from transformers import AutoModelForSeq2SeqLM

    dtype = torch.float16 if device == "cuda" else torch.float32
    hf = AutoModelForSeq2SeqLM.from_pretrained(model_dir, dtype=dtype).to(device).eval()
    ct2_type = "int8_float16" if device == "cuda" else "int8"
    import ctranslate2

    raw = ctranslate2.Translator(str(ct2_convert(ref, ct2_type)), device=device, compute_type=ct2_type,
                                 inter_threads=1, intra_threads=threads if device == "cpu" else 0)
    c_type, why = cpu_dtype_note() if device == "cpu" else ("float16", "CUDA")
    L = args.out_tokens
    import platform

    print(f"device={device} ({platform.processor() or platform.machine()}, {os.cpu_count()} CPUs) threads={threads}"
          f" n={len(texts)} out_tokens={L} rounds={args.rounds} retry share={args.retry_share:.0%}")
    print(f"transformers dtype: {c_type} ({why}); baseline (b) float32; ctranslate2: {ct2_type}")
    print("engine ratios: retry off, fixed-length decoding; (x+r): the retry on for the retry share")
    print("(the machine may be shared: absolute numbers are noisy, ratios of interleaved rounds less so)")
    for beams in args.beams:
        _bench_beams(beams, args, texts, tok, hf, raw, model_dir, device, threads, ct2_type, c_type)


def _bench_beams(beams: int, args: argparse.Namespace, texts: list[str], tok: object, hf: object, raw: object,
                 model_dir: Path, device: str, threads: int, ct2_type: str, c_type: str) -> None:
    import torch

    from bitext.translate import load_engine

    L = args.out_tokens
    gen = dict(num_beams=beams, max_new_tokens=L, min_new_tokens=L)

    def hf_batches(size: int, subset: list[str] = texts) -> None:
        with torch.inference_mode():
            for i in range(0, len(subset), size):
                enc = tok(subset[i : i + size], return_tensors="pt", padding=True).to(device)
                hf.generate(**enc, **gen)

    def engine(backend: str, compute_type: str | None = None, retry: bool = False) -> object:
        e = load_engine(str(model_dir), backend=backend, beams=beams, max_new_tokens=L, min_new_tokens=L,
                        device=device, threads=threads, compute_type=compute_type, retry=retry)
        e.batch_seconds = float("inf")  # full batches: the pacing of a slow machine is not measured here
        if retry:
            share_runaways(e, args.retry_share)
        return e

    other = "bfloat16" if c_type == "float32" else "float32"
    engines = {"c": engine("transformers", c_type), "c'": engine("transformers", other),
               "d": engine("ctranslate2"), "d+r": engine("ctranslate2", retry=True),
               "c+r": engine("transformers", c_type, retry=True)}
    # (e) gets bitext's batch size, so the ratio (d)/(e) is the engine's overhead, not a batch size.
    raw_batches = [[tok.convert_ids_to_tokens(ids) for ids in b] for b in engines["d"].batches(texts)]

    def raw_ct2(batches: list[list[list[str]]] = raw_batches) -> None:
        for b in batches:
            raw.translate_batch(b, beam_size=beams, max_decoding_length=L, min_decoding_length=L)

    def raw_ct2_plain() -> None:
        source = [tok.convert_ids_to_tokens(ids) for ids in tok(texts)["input_ids"]]
        results = raw.translate_batch(source, max_batch_size=32, beam_size=beams, max_decoding_length=L,
                                      min_decoding_length=L)
        tok.batch_decode([tok.convert_tokens_to_ids(r.hypotheses[0]) for r in results], skip_special_tokens=True)

    def no_pipeline(key: str) -> object:
        engines[key].pipeline = False
        try:
            return engines[key].translate(texts)
        finally:
            engines[key].pipeline = True

    single = 8
    names = {"a": f"(a) generate, 1 at a time ({single} sentences)", "b": "(b) generate, batches of 32, float32 (baseline)",
             "c": f"(c) bitext transformers {c_type}", "c'": f"(c') bitext transformers {other}",
             "d": f"(d) bitext ctranslate2 {ct2_type}", "e": f"(e) raw ctranslate2 {ct2_type}, same batches",
             "e2": f"(e2) raw ctranslate2 {ct2_type}, tokenize + max_batch_size 32",
             "d0": f"(d0) bitext ctranslate2 {ct2_type}, pipeline off",
             "d+r": f"(d+r) bitext ctranslate2, retry on ({args.retry_share:.0%} retried)",
             "c+r": f"(c+r) bitext transformers {c_type}, retry on ({args.retry_share:.0%} retried)"}
    contenders: dict[str, Callable[[], object]] = {
        "a": lambda: hf_batches(1, texts[:single]),
        "b": lambda: hf_batches(32),
        "c": lambda: engines["c"].translate(texts),
        "c'": lambda: engines["c'"].translate(texts),
        "d": lambda: engines["d"].translate(texts),
        "e": raw_ct2,
        "e2": raw_ct2_plain,
        "d0": lambda: no_pipeline("d"),
        "d+r": lambda: engines["d+r"].translate(texts),
        "c+r": lambda: engines["c+r"].translate(texts),
    }
    if beams > 1:
        names["c''"] = f"(c'') generate() in bitext's batches, {c_type}"
        contenders["c''"] = lambda: _without_own_beam_search(engines["c"], texts)
    # Warm-up (allocators, caches) on a few sentences, not timed.
    hf_batches(2, texts[:2])
    for e in engines.values():
        e.translate(texts[:2])
    speeds: dict[str, list[float]] = {k: [] for k in contenders}
    peaks: dict[str, float] = dict.fromkeys(contenders, 0.0)
    for _ in range(args.rounds):
        for key, fn in contenders.items():
            speed, mb = timed(fn, single if key == "a" else len(texts))
            speeds[key].append(speed)
            peaks[key] = max(peaks[key], mb)
    med = {k: _median_spread(v) for k, v in speeds.items()}
    base = med["b"][0]
    print(f"\nbeams={beams}  ({'greedy' if beams == 1 else 'beam search'}), median of {args.rounds} interleaved rounds;"
          " spread = (max - min) / median of the rounds")
    print(f"  {'contender':62s} {'sent/s':>7s} {'spread':>7s} {'vs (b)':>7s} {'peak RSS +MB':>12s}")
    for key, (speed, spread) in med.items():
        print(f"  {names[key]:62s} {speed:7.2f} {spread:6.0%} {speed / base:6.2f}x {peaks[key]:12.0f}")
    ratio = {(k, base_k): [x / y for x, y in zip(speeds[k], speeds[base_k], strict=True)]
             for k, base_k in (("c", "b"), ("c'", "b"), ("d", "e"), ("d", "e2"), ("d", "d0"), ("d+r", "d"),
                               ("c+r", "c"))}
    print(f"  per-round ratios (median of {args.rounds}, min-max):")
    for label, key, target in (("(c)/(b)", ("c", "b"), ">= 2 (issue 26)"), ("(c')/(b)", ("c'", "b"), ""),
                               ("(d)/(e)", ("d", "e"), ">= 0.9: the engine's overhead on the same batches"),
                               ("(d)/(e2)", ("d", "e2"), ">= 1.2 (issue 26): vs raw ctranslate2 as documented"),
                               ("(d)/(d0)", ("d", "d0"), "the pipeline's gain"),
                               ("(d+r)/(d)", ("d+r", "d"), "the retry's cost"),
                               ("(c+r)/(c)", ("c+r", "c"), "the retry's cost")):
        r = ratio[key]
        print(f"    {label:10s} {_median_spread(r)[0]:.2f} ({min(r):.2f}-{max(r):.2f}) {target}")
    if beams > 1:
        r = [x / y for x, y in zip(speeds["c"], speeds["c''"], strict=True)]
        print(f"    own beam loop (backends/hf_beam.py) / generate() + re-scoring, {c_type}:"
              f" {_median_spread(r)[0]:.2f} ({min(r):.2f}-{max(r):.2f}) (kept while >= 1.3)")


def _without_own_beam_search(engine: object, texts: list[str]) -> object:
    """``engine.translate(texts)`` with beam search through ``generate()`` (+ re-scoring)."""
    engine.backend.own_beam_search = False
    try:
        return engine.translate(texts)
    finally:
        engine.backend.own_beam_search = True


def _retry_memory_child(backend: str, retry: bool, share: float | None, n: int, beams: int, threads: int | None) -> None:
    """In a child process: translate n FLORES sentences with natural bounds; print speed and counts."""
    import json

    from bitext.translate import load_engine

    texts = FLORES.read_text(encoding="utf-8").splitlines()[:n]
    e = load_engine(str(bench_model_dir()), backend=backend, beams=beams, retry=retry, threads=threads)
    e.batch_seconds = float("inf")
    if retry and share is not None:
        share_runaways(e, share)
    t0 = time.perf_counter()
    out = e.translate(texts)
    dt = time.perf_counter() - t0
    print(json.dumps({"speed": n / dt, "retried": sum(t.retried for t in out),
                      "hit": sum(t.hit_max_length for t in out), "compute_type": e.backend.compute_type}))


def run_retry_memory(args: argparse.Namespace) -> None:
    """Peak RSS and speed, retry on / off, worst case and realistic share, each run in its own child."""
    import json
    import subprocess

    bench_model_dir()  # built before any child needs it
    print(f"retry memory: n={args.n} FLORES sentences, natural bounds (3 x source + 10 tokens), beams {args.beams},"
          f" full batches; peak RSS of each child process (model load included)")
    print(f"  {'backend':18s} {'beams':>5s} {'case':26s} {'retry':>5s} {'sent/s':>7s} {'retried':>8s}"
          f" {'peak RSS MB':>12s} {'on/off':>7s}")
    for backend in args.retry_backends:
        for beams in args.beams:
            for case, share in (("worst (every row runaway)", None), (f"realistic ({args.retry_share:.0%})",
                                                                       args.retry_share)):
                peak = {}
                for retry in (False, True):
                    cmd = [sys.executable, __file__, "--_child", backend, str(int(retry)),
                           "" if share is None else str(share), str(args.n), str(beams), str(args.threads or 0)]
                    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
                    out = proc.stdout.read() if proc.stdout else ""
                    _, status, usage = os.wait4(proc.pid, 0)
                    proc.returncode = os.waitstatus_to_exitcode(status)
                    if proc.returncode:
                        raise SystemExit(f"child failed: {' '.join(cmd)}")
                    got = json.loads(out.strip().splitlines()[-1])
                    peak[retry] = usage.ru_maxrss / 1024
                    ratio = f"{peak[True] / peak[False]:6.2f}x" if retry else ""
                    label = f"{backend}-{got['compute_type']}"
                    print(f"  {label:18s} {beams:5d} {case:26s} {'on' if retry else 'off':>5s} {got['speed']:7.2f}"
                          f" {got['retried']:8d} {peak[retry]:12.0f} {ratio:>7s}", flush=True)


def run_memory(args: argparse.Namespace) -> None:
    """Stream N synthetic sentences through translate_corpus; report peak RSS vs. the model's footprint."""
    from bitext.store import Store, utcnow
    from bitext.translate import load_engine, translate_corpus

    base = FLORES.read_text(encoding="utf-8").splitlines()
    model_dir = bench_model_dir()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "corpus")
        per_article = 50
        with store.tx():
            for a in range(0, args.memory, per_article):
                aid = f"a{a // per_article:06d}"
                sents = [f"{base[i % len(base)]} ({i})" for i in range(a, min(a + per_article, args.memory))]
                raw = " ".join(sents)
                store.write_article((aid, "synthetic", None, None, None, None, "id", None, raw, aid, "bench", utcnow()),
                                    [(f"{aid}:0:{k}", aid, 0, k, s, 0, len(s)) for k, s in enumerate(sents)])
        del raw, sents
        before = rss_bytes()
        engine = load_engine(str(model_dir), backend=args.backend, beams=1, max_new_tokens=args.out_tokens,
                             threads=args.threads)
        footprint = rss_bytes() - before
        with PeakRSS() as mem:
            t0 = time.perf_counter()
            report = translate_corpus(store, engine=engine, quiet=False)
            dt = time.perf_counter() - t0
        extra = (mem.peak - mem.start) / 2**20
        print(f"memory mode: N={args.memory} backend={engine.backend.name}-{engine.backend.compute_type}"
              f" max_new_tokens={args.out_tokens}")
        print(f"  counts: {report.as_dict()}")
        print(f"  {report.translated / dt:.1f} sent/s; model footprint (RSS after load - before):"
              f" {footprint / 2**20:.0f} MB; peak RSS during the run: +{extra:.0f} MB over the loaded model"
              f" (target: within 1.5 GB for 100k sentences)")


def run_first_progress(args: argparse.Namespace) -> None:
    """Seconds from calling the translate stage to its first batch reaching the engine, and to its first
    commit, on a store of N untranslated sentences (no model: an engine that upper-cases), with the counts
    in the background (now) and waited for first (as before: ``COUNT_WAIT_S`` = forever), side by side."""
    from bitext.store import Store, utcnow
    from bitext.translate import stage
    from bitext.translate.engine import Translation

    base = FLORES.read_text(encoding="utf-8").splitlines()
    marks: dict[str, float] = {}

    class Upper:
        signature, settings = "model:fake@bench|backend:none|beams:1", {}

        def iter_translate(self, texts: list[str]) -> object:
            marks.setdefault("engine", time.perf_counter())
            yield [Translation(t, t.upper(), -0.5, 3, 0, False, False) for t in texts]
            marks.setdefault("commit", time.perf_counter())  # resumed after the caller committed
            raise KeyboardInterrupt  # one chunk is enough: stop the stage as a Ctrl-C would

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "corpus")
        t0, per = time.perf_counter(), 50
        with store.tx():
            for a in range(0, args.first_progress, per):
                aid = f"a{a // per:07d}"
                sents = [f"{base[i % len(base)]} ({i})" for i in range(a, min(a + per, args.first_progress))]
                store.write_article((aid, "synthetic", None, None, None, None, "id", None, " ".join(sents), aid,
                                     "bench", utcnow()),
                                    [(f"{aid}:0:{k}", aid, 0, k, s, 0, len(s)) for k, s in enumerate(sents)])
        print(f"first progress: a store of {args.first_progress:,} untranslated sentences (built in"
              f" {time.perf_counter() - t0:.0f} s); seconds from the call to the first chunk in the engine / its"
              f" first commit, {args.rounds} interleaved rounds, median (min-max)")
        got: dict[str, dict[str, list[float]]] = {k: {"engine": [], "commit": []} for k in ("now", "before")}
        wait = stage.COUNT_WAIT_S
        for _ in range(args.rounds):
            for key, count_wait in (("now", wait), ("before", float("inf"))):
                stage.COUNT_WAIT_S = count_wait if count_wait != float("inf") else None
                marks.clear()
                start = time.perf_counter()
                try:
                    stage.translate_corpus(store, engine=Upper(), quiet=True)
                except KeyboardInterrupt:
                    pass
                for mark in ("engine", "commit"):
                    got[key][mark].append(marks[mark] - start)
                store.conn.execute("DELETE FROM translations")  # untranslated again for the next round
        stage.COUNT_WAIT_S = wait
        for key, label in (("before", "counts first (before)"), ("now", "counts in the background (now)")):
            cells = [f"{_median_spread(v)[0]:6.2f} ({min(v):.2f}-{max(v):.2f})" for v in got[key].values()]
            print(f"  {label:32s} first chunk {cells[0]}   first commit {cells[1]}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=None, help="sentences (default 32; 48 with --retry-memory)")
    ap.add_argument("--out-tokens", type=int, default=None, help="output tokens (default 24; 4 with --memory)")
    ap.add_argument("--beams", type=int, nargs="+", default=None, help="default 1 4 (1 with --retry-memory)")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    ap.add_argument("--retry-share", type=float, default=0.05, help="rows retried in the realistic case (0.05)")
    ap.add_argument("--retry-memory", action="store_true", help="peak RSS with and without the retry")
    ap.add_argument("--retry-backends", nargs="+", default=["ctranslate2", "transformers"])
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--_child", nargs=6, help=argparse.SUPPRESS)
    ap.add_argument("--memory", type=int, metavar="N", help="memory mode: stream N synthetic sentences")
    ap.add_argument("--backend", default="auto", help="backend for --memory (default auto)")
    ap.add_argument("--first-progress", type=int, metavar="N", help="seconds to the first batch, N-sentence store")
    args = ap.parse_args()
    if args._child:
        backend, retry, share, n, beams, threads = args._child
        _retry_memory_child(backend, retry == "1", float(share) if share else None, int(n), int(beams),
                            int(threads) or None)
        return 0
    if not FLORES.is_file() or not (OPUS / "config.json").is_file():
        print(f"bench_translate: needs {FLORES} and {OPUS}", file=sys.stderr)
        return 2
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    if args.first_progress:
        run_first_progress(args)
    elif args.memory:
        args.out_tokens = args.out_tokens or 4
        run_memory(args)
    elif args.retry_memory:
        args.n, args.beams = args.n or 48, args.beams or [1]
        run_retry_memory(args)
    else:
        args.n, args.out_tokens, args.beams = args.n or 32, args.out_tokens or 24, args.beams or [1, 4]
        run_speed(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
