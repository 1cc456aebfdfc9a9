#!/usr/bin/env python
"""Benchmark of the translate stage: contenders side by side in one process.

    python scripts/bench_translate.py [--n 64] [--out-tokens 32] [--beams 1 4]
    python scripts/bench_translate.py --memory 20000      # peak RSS while streaming N sentences

Uses FLORES-200 devtest (../shared/data/flores200-devtest/devtest.id) and a full-size random-weight
opus-mt-id-en (built once like ``scripts/make_tiny_model.py --like ../shared/models/opus-mt-id-en``,
kept under $BITEXT_CACHE/bench). Random weights emit arbitrary lengths, so every contender
generates exactly --out-tokens tokens (min_new_tokens == max_new_tokens).

Contenders: (a) tokenizer + model.generate one sentence at a time; (b) the same, fixed batches
of 32 in input order (the baseline); (c) bitext, transformers backend; (d) bitext, ctranslate2
backend (int8 on CPU, int8_float16 on CUDA); (e) raw ctranslate2 Translator.translate_batch on
pre-tokenized input, same compute type; with beams > 1 also (c'') bitext's batches through
``generate()`` + re-scoring instead of bitext's own beam loop, at each dtype of (c). Prints sentences/s, the ratio to (b) and the peak RSS
increase during the run (sampled from /proc; tracemalloc does not see torch's allocations).
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


def bench_model_dir() -> Path:
    from bitext.testing import make_tiny_model
    from bitext.translate.backends.ct2 import ct2_cache_root

    path = ct2_cache_root().parent / "bench" / "opus-mt-id-en-random"
    if not (path / "model.safetensors").is_file():
        print(f"building the full-size random model in {path} ...", file=sys.stderr)
        tmp = Path(tempfile.mkdtemp(dir=path.parent if path.parent.exists() else None))
        path.parent.mkdir(parents=True, exist_ok=True)
        make_tiny_model(tmp / "m", like=OPUS)
        os.replace(tmp / "m", path)
        tmp.rmdir()
    return path


def timed(fn: Callable[[], object], n: int) -> tuple[float, float]:
    with PeakRSS() as mem:
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
    return n / dt, mem.delta_mb


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
    pretok = [tok.convert_ids_to_tokens(ids) for ids in tok(texts)["input_ids"]]
    L = args.out_tokens
    print(f"device={device} threads={threads} n={len(texts)} out_tokens={L} model={model_dir}")
    print("(the machine may be shared: absolute numbers are noisy, ratios less so)")

    for beams in args.beams:
        _bench_beams(beams, args, texts, pretok, tok, hf, raw, model_dir, device, threads, ct2_type)


def _bench_beams(beams: int, args: argparse.Namespace, texts: list[str], pretok: list[list[str]], tok: object,
                 hf: object, raw: object, model_dir: Path, device: str, threads: int, ct2_type: str) -> None:
    import torch

    from bitext.translate import load_engine
    from bitext.translate.backends.ct2 import CT2Backend

    L = args.out_tokens
    gen = dict(num_beams=beams, max_new_tokens=L, min_new_tokens=L)

    def hf_batches(size: int, subset: list[str] = texts) -> None:
        with torch.inference_mode():
            for i in range(0, len(subset), size):
                enc = tok(subset[i : i + size], return_tensors="pt", padding=True).to(device)
                hf.generate(**enc, **gen)

    engines = {
        "transformers": load_engine(str(model_dir), backend="transformers", beams=beams, max_new_tokens=L,
                                    min_new_tokens=L, device=device, threads=threads),
        "ctranslate2": load_engine(str(model_dir), backend="ctranslate2", beams=beams, max_new_tokens=L,
                                   min_new_tokens=L, device=device, threads=threads),
    }
    c_type = engines["transformers"].backend.compute_type
    if c_type != "float32":  # show what the default dtype buys, beside the same dtype as (b)
        engines["transformers-fp32"] = load_engine(
            str(model_dir), backend="transformers", beams=beams, max_new_tokens=L, min_new_tokens=L,
            device=device, threads=threads, compute_type="float32")
    assert isinstance(engines["ctranslate2"].backend, CT2Backend)

    def raw_ct2(subset: list[list[str]] = pretok) -> None:
        raw.translate_batch(subset, beam_size=beams, max_decoding_length=L, min_decoding_length=L)

    contenders: list[tuple[str, Callable[[], object]]] = [
        ("(a) generate, 1 at a time", lambda: hf_batches(1)),
        ("(b) generate, batches of 32", lambda: hf_batches(32)),
        (f"(c) bitext transformers {c_type}", lambda: engines["transformers"].translate(texts)),
        (f"(d) bitext ctranslate2 {ct2_type}", lambda: engines["ctranslate2"].translate(texts)),
        (f"(e) raw ctranslate2 {ct2_type}", raw_ct2),
    ]
    if "transformers-fp32" in engines:
        contenders.insert(3, ("(c') bitext transformers float32", lambda: engines["transformers-fp32"].translate(texts)))
    loop_pairs: list[tuple[str, str]] = []  # (own beam loop, generate()) contender names, same dtype and batches
    if beams > 1:
        own_names = {"transformers": f"(c) bitext transformers {c_type}",
                     "transformers-fp32": "(c') bitext transformers float32"}
        for key, own in own_names.items():
            if key in engines:
                gen_name = f"(c'') generate() in bitext's batches, {engines[key].backend.compute_type}"
                contenders.append((gen_name, lambda e=engines[key]: _without_own_beam_search(e, texts)))
                loop_pairs.append((own, gen_name))
    # Warm-up (allocators, caches) on a few sentences, not timed.
    hf_batches(2, texts[:2])
    for engine in engines.values():
        engine.translate(texts[:2])
    raw_ct2(pretok[:2])
    results = {name: timed(fn, len(texts)) for name, fn in contenders}
    base = results["(b) generate, batches of 32"][0]
    print(f"\nbeams={beams}  ({'greedy' if beams == 1 else 'beam search'})")
    print(f"  {'contender':48s} {'sent/s':>8s} {'vs (b)':>7s} {'peak RSS +MB':>13s}")
    for name, (speed, mb) in results.items():
        print(f"  {name:48s} {speed:8.2f} {speed / base:6.2f}x {mb:13.0f}")
    c = results[f"(c) bitext transformers {c_type}"][0]
    d, e = results[f"(d) bitext ctranslate2 {ct2_type}"][0], results[f"(e) raw ctranslate2 {ct2_type}"][0]
    print(f"  targets: (c)/(b) = {c / base:.2f} (>= 1.3), (d)/(e) = {d / e:.2f} (>= 0.9)")
    for own, gen_name in loop_pairs:
        print(f"  own beam loop (backends/hf_beam.py) vs generate() + re-scoring, {own.split()[-1]}:"
              f" {results[own][0] / results[gen_name][0]:.2f}x (kept while >= 1.3)")


def _without_own_beam_search(engine: object, texts: list[str]) -> object:
    """``engine.translate(texts)`` with beam search through ``generate()`` (+ re-scoring)."""
    engine.backend.own_beam_search = False
    try:
        return engine.translate(texts)
    finally:
        engine.backend.own_beam_search = True


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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=64, help="sentences (default 64)")
    ap.add_argument("--out-tokens", type=int, default=None, help="output tokens (default 32; 4 with --memory)")
    ap.add_argument("--beams", type=int, nargs="+", default=[1, 4])
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--memory", type=int, metavar="N", help="memory mode: stream N synthetic sentences")
    ap.add_argument("--backend", default="auto", help="backend for --memory (default auto)")
    args = ap.parse_args()
    if not FLORES.is_file() or not (OPUS / "config.json").is_file():
        print(f"bench_translate: needs {FLORES} and {OPUS}", file=sys.stderr)
        return 2
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    if args.memory:
        args.out_tokens = args.out_tokens or 4
        run_memory(args)
    else:
        args.out_tokens = args.out_tokens or 32
        run_speed(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
