#!/usr/bin/env python
"""One prepared GPU benchmark of the translate stage (issue 26): run once on a lent device, read the table.

    python scripts/bench_gpu.py --out $OUT                      # CUDA: about 8 minutes (--budget-s 480)
    python scripts/bench_gpu.py --out /tmp/g --device cpu       # the CPU smoke check: tiny sizes, under 2 minutes

Contenders, each in its own child process (so each one's device memory is its own), greedy and beam 4, at
token-budget batches of 4k, 8k and 16k source tokens (CPU: 512):

* ``raw-ct2-<type>``: CTranslate2 ``translate_batch(max_batch_size=B, batch_type="tokens")`` on
  pre-tokenized input, float16 and int8_float16 (CPU: int8). Timed twice: the decoding alone
  (``tok/s``) and with the tokenizer and detokenizer around it (``+tok tok/s``, what a user's script pays).
* ``bitext-ct2-<type>``: bitext's engine (``load_engine(backend="ctranslate2")``: Moses punctuation,
  tokenizer, length-sorted token-budget batches, the pipeline, detokenizer), the same types.
* ``generate-<type>``: ``model.generate()`` in float16 (CPU: float32) on length-sorted batches of the same
  budget, tokenizer and detokenizer included (the competent baseline).
* ``bitext-hf-<type>``: bitext's engine with the transformers backend, float16 (CPU: its default dtype).

Sentences: FLORES-200 devtest (Indonesian), repeated to ``--sentences`` (CUDA 20,000) with a counter
appended, so every sentence is distinct (bitext translates duplicates once; raw CTranslate2 does not).
The model: the real opus-mt-id-en architecture and tokenizer with random weights (as
``scripts/bench_translate.py``), which never emit ``</s>``: every contender decodes exactly
``--out-tokens`` tokens per sentence (min = max length; bitext's length factor and retry off), and the
output tokens are counted, not assumed. Target tokens/s = counted output tokens / seconds.

Time budget: every (contender, beams, batch) cell gets an equal share of what is left of ``--budget-s``;
within it the sentences go in slices (CUDA 2,000) until the share is spent (at least one slice), after one
untimed warm-up slice: sizes shrink to fit, and a cell that ran out is marked. A child that overruns is
killed; the cells it finished are kept. Peak memory: CUDA, the device's used memory above the idle device
(NVML when ``pynvml`` is importable, else ``torch.cuda.mem_get_info``), sampled every 50 ms, the highest so
far in that child (cells run in growing batch order, so it is the cell's own peak or close above it); CPU,
the child's peak RSS so far.

Writes ``bench_gpu.json`` (every cell, the settings, the machine) and ``bench_gpu.md`` (the table, the
goals: bitext CTranslate2 >= 0.9x raw CTranslate2 of the same type, >= 150k target tokens/s greedy) to --out.
Needs ``<repo>/shared`` or ``<repo>/../shared`` (models/opus-mt-id-en, data/flores200-devtest), or --shared.

On a lent device (only the repository travels; its image has torch, transformers, sentencepiece and
nvidia-ml-py, not ctranslate2): copy ``../shared/models/opus-mt-id-en`` and
``../shared/data/flores200-devtest/devtest.id`` into a git-ignored folder of the checkout (e.g.
``.bench-shared/models/...``, ``.bench-shared/data/flores200-devtest/devtest.id``: never committed), download
the ctranslate2 wheel for the device's Python into ``.whl/``, carry both, and run
``pip install --target /tmp/site .whl/*.whl; PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1 python3
scripts/bench_gpu.py --out $OUT --shared .bench-shared`` with a 600 s limit. CTranslate2's CUDA wheels need
the CUDA 12 cuBLAS; where it cannot load, its children fail with a note and the transformers ones still run.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

GOAL_RATIO = 0.9
GOAL_TOKENS = 150_000


@dataclass(frozen=True)
class Sizes:
    """What one run measures: sentences, output tokens, batch budgets (source tokens), slice, beams."""

    sentences: int
    out_tokens: int
    batch_tokens: tuple[int, ...]
    slice: int
    beams: tuple[int, ...]


def default_sizes(device: str) -> Sizes:
    if device == "cuda":
        return Sizes(20_000, 64, (4096, 8192, 16384), 2000, (1, 4))
    return Sizes(32, 8, (512,), 16, (1, 4))


def contenders(device: str) -> list[str]:
    """Child names, each ``kind-type``; the order they run in (most important first). Without the
    ctranslate2 package only the transformers ones (the run says so)."""
    names = _contenders(device)
    return names if importlib.util.find_spec("ctranslate2") else [n for n in names if "-ct2-" not in n]


def _contenders(device: str) -> list[str]:
    if device == "cuda":
        return ["raw-ct2-int8_float16", "bitext-ct2-int8_float16", "raw-ct2-float16", "bitext-ct2-float16",
                "generate-float16", "bitext-hf-float16"]
    from bitext.translate.backends.hf import cpu_has_native_bf16

    # CPU: the smoke check of the same code paths; CTranslate2 int8 only (its float32 is what a GPU's float16
    # would stand for, and on this AMD CPU it ran ~20x slower than int8: not worth the smoke check's minutes).
    return ["raw-ct2-int8", "bitext-ct2-int8", "generate-float32",
            f"bitext-hf-{'bfloat16' if cpu_has_native_bf16() else 'float32'}"]


def find_shared(given: Path | None) -> Path:
    for cand in ([given] if given else [ROOT / "shared", ROOT.parent / "shared"]):
        if (cand / "models" / "opus-mt-id-en" / "config.json").is_file() and \
                (cand / "data" / "flores200-devtest" / "devtest.id").is_file():
            return cand
    raise SystemExit(f"bench_gpu: no models/opus-mt-id-en and data/flores200-devtest under "
                     f"{given or (ROOT / 'shared')} or {ROOT.parent / 'shared'}: pass --shared DIR")


def corpus(shared: Path, n: int) -> list[str]:
    """FLORES devtest (Indonesian) repeated to ``n`` lines, each made distinct by a counter."""
    base = [s for s in (shared / "data" / "flores200-devtest" / "devtest.id").read_text(encoding="utf-8").splitlines()
            if s.strip()]
    return [f"{base[i % len(base)]} ({i // len(base)})" if i >= len(base) else base[i] for i in range(n)]


# -- memory --

class MemorySampler:
    """The highest device memory in use (CUDA) or peak RSS (CPU) seen since start, in MiB above ``base``."""

    def __init__(self, device: str) -> None:
        self.device = device
        self._read = self._reader()
        self.base = self._read()
        self.peak = self.base
        self.source = getattr(self, "_source", "")
        self._stop = threading.Event()
        if device == "cuda":
            threading.Thread(target=self._run, daemon=True).start()

    def _reader(self) -> Any:
        if self.device != "cuda":
            import resource

            self._source = "peak RSS of the child"
            return lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        try:
            import pynvml

            pynvml.nvmlInit()
            handle = pynvml.nvmlDeviceGetHandleByIndex(0)
            self._source = "NVML used memory of the device"
            return lambda: pynvml.nvmlDeviceGetMemoryInfo(handle).used / 2**20
        except Exception:  # not installed: torch's view of the same (it makes a CUDA context)
            import torch

            self._source = "torch.cuda.mem_get_info (device-wide)"
            return lambda: (lambda free, total: (total - free) / 2**20)(*torch.cuda.mem_get_info())

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self._read())

    def peak_mib(self) -> float:
        self.peak = max(self.peak, self._read())
        return self.peak - (self.base if self.device == "cuda" else 0.0)


# -- the child: one contender, every (beams, batch) cell --

def _tokens_of(tok: Any, texts: list[str]) -> list[list[str]]:
    return [tok.convert_ids_to_tokens(ids) for ids in tok(texts)["input_ids"]]


class Runner:
    """One contender loaded once; ``run(texts, beams, batch_tokens)`` returns (output tokens, tokenizer seconds)."""

    def __init__(self, name: str, device: str, model_dir: Path, out_tokens: int) -> None:
        kind, ctype = name.rsplit("-", 1)
        self.kind, self.ctype, self.device, self.L = kind, ctype, device, out_tokens
        from bitext.translate.models import load_tokenizer

        self.tok = load_tokenizer(model_dir)
        if kind == "raw-ct2":
            import ctranslate2

            from bitext.translate.backends import default_threads
            from bitext.translate.backends.ct2 import ct2_convert
            from bitext.translate.models import resolve_model

            path = ct2_convert(resolve_model(str(model_dir)), ctype)
            self.translator = ctranslate2.Translator(str(path), device=device, compute_type=ctype, inter_threads=1,
                                                     intra_threads=default_threads() if device == "cpu" else 0)
        elif kind == "generate":
            import torch
            from transformers import AutoModelForSeq2SeqLM

            self.model = AutoModelForSeq2SeqLM.from_pretrained(model_dir, dtype=getattr(torch, ctype)).to(device).eval()
        else:
            from bitext.translate import load_engine

            backend = "ctranslate2" if kind == "bitext-ct2" else "transformers"
            self.engine = load_engine(str(model_dir), backend=backend, compute_type=ctype, device=device, beams=1,
                                      max_new_tokens=out_tokens, min_new_tokens=out_tokens, max_length_factor=None,
                                      retry=False)
            self.engine.batch_seconds = float("inf")  # full batches: a slow machine's pacing is not measured

    def run(self, texts: list[str], beams: int, batch_tokens: int) -> tuple[int, float]:
        L = self.L
        if self.kind == "raw-ct2":
            t0 = time.perf_counter()
            source = _tokens_of(self.tok, texts)
            tok_s = time.perf_counter() - t0
            results = self.translator.translate_batch(source, max_batch_size=batch_tokens, batch_type="tokens",
                                                      beam_size=beams, max_decoding_length=L, min_decoding_length=L)
            t1 = time.perf_counter()
            hyps = [r.hypotheses[0] for r in results]
            self.tok.batch_decode([self.tok.convert_tokens_to_ids(h) for h in hyps], skip_special_tokens=True)
            return sum(map(len, hyps)), tok_s + time.perf_counter() - t1
        if self.kind == "generate":
            import torch

            from bitext.translate.backends import token_batches

            ids = self.tok(texts)["input_ids"]
            n = 0
            with torch.inference_mode():
                for batch in token_batches([len(x) for x in ids], batch_tokens):
                    enc = self.tok.pad({"input_ids": [ids[i] for i in batch]}, return_tensors="pt").to(self.device)
                    out = self.model.generate(**enc, num_beams=beams, max_new_tokens=L, min_new_tokens=L)
                    seqs = out[:, 1:]
                    n += int((seqs != self.model.config.pad_token_id).sum())
                    self.tok.batch_decode(seqs.tolist(), skip_special_tokens=True)
            return n, 0.0
        from dataclasses import replace

        self.engine.opts = replace(self.engine.opts, beams=beams)
        self.engine.batch_tokens = batch_tokens
        self.engine._last_budget = batch_tokens  # the steady state: a run's first small batches happen once
        return sum(t.n_tokens for t in self.engine.translate(texts)), 0.0


def child(name: str, device: str, model_dir: Path, shared: Path, sizes: Sizes, deadline: float) -> None:
    """Run every cell of contender ``name``; print one JSON line per cell as it finishes."""
    mem = MemorySampler(device)
    t_load = time.perf_counter()
    runner = Runner(name, device, model_dir, sizes.out_tokens)
    print(json.dumps({"loaded": name, "seconds": time.perf_counter() - t_load}), flush=True)
    texts = corpus(shared, sizes.sentences + sizes.slice)  # the extra slice warms up
    warm, texts = texts[: sizes.slice], texts[sizes.slice :]
    cells = [(b, bt) for b in sizes.beams for bt in sizes.batch_tokens]
    for k, (beams, bt) in enumerate(cells):
        runner.run(warm[: max(8, bt // 32)], beams, bt)  # about one batch: kernels, allocator, autotuning; untimed
        share = max(0.0, deadline - time.time()) / (len(cells) - k)
        done = tokens = 0
        seconds = tok_seconds = 0.0
        for start in range(0, len(texts), sizes.slice):
            part = texts[start : start + sizes.slice]
            if device == "cuda" and runner.kind in ("generate", "bitext-hf"):
                import torch  # (not in CTranslate2's children: a torch CUDA context would count in their memory)

                torch.cuda.synchronize()
            t0 = time.perf_counter()
            n, tok_s = runner.run(part, beams, bt)
            seconds += time.perf_counter() - t0
            tok_seconds += tok_s
            done, tokens = done + len(part), tokens + n
            if seconds >= share:
                break
        print(json.dumps({"contender": name, "beams": beams, "batch_tokens": bt, "sentences": done,
                          "out_tokens": tokens, "seconds": seconds, "tokenizer_seconds": tok_seconds,
                          "cut": done < len(texts), "peak_mib": round(mem.peak_mib(), 1),
                          "memory": mem.source}), flush=True)


# -- the parent --

def run_children(args: argparse.Namespace, device: str, sizes: Sizes, model_dir: Path, shared: Path) -> tuple[
        list[dict[str, Any]], list[str]]:
    start = time.time()
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    names = contenders(device)
    for i, name in enumerate(names):
        left = args.budget_s - (time.time() - start)
        share = left / (len(names) - i)
        if share < 5:
            notes.append(f"{name}: not run (the budget was spent)")
            continue
        # The child's own cells share what is left of its share after loading (its deadline); the hard
        # kill comes a little later, so a cell in progress can finish its slice.
        cmd = [sys.executable, __file__, "--_child", name, "--device", device, "--model-dir", str(model_dir),
               "--shared", str(shared), "--sentences", str(sizes.sentences), "--out-tokens", str(sizes.out_tokens),
               "--batch-tokens", *map(str, sizes.batch_tokens), "--slice", str(sizes.slice),
               "--beams", *map(str, sizes.beams), "--_deadline", str(time.time() + share * 0.85)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        # Killed only well past its share (a slow start, a last slice), and never far past the whole budget.
        killer = threading.Timer(max(5.0, min(share * 2 + 10, args.budget_s - (time.time() - start) + 30)), proc.kill)
        killer.start()
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("{"):
                got = json.loads(line)
                if "loaded" in got:
                    print(f"  {name}: loaded in {got['seconds']:.1f} s", file=sys.stderr, flush=True)
                    continue
                rows.append(got)
                print(f"  {name} beams={got['beams']} batch={got['batch_tokens']}: "
                      f"{got['out_tokens'] / got['seconds']:,.0f} tok/s ({got['sentences']} sentences)",
                      file=sys.stderr, flush=True)
        proc.wait()
        killer.cancel()
        if proc.returncode:
            notes.append(f"{name}: child exited with {proc.returncode} (killed at the budget, or failed:"
                         " its finished cells are kept)")
    return rows, notes


def table(rows: list[dict[str, Any]], device: str) -> tuple[str, dict[str, Any]]:
    """The markdown table and the goal checks."""
    by = {(r["contender"], r["beams"], r["batch_tokens"]): r for r in rows}

    def tps(r: dict[str, Any]) -> float:
        return r["out_tokens"] / r["seconds"] if r["seconds"] else 0.0

    lines = ["| beams | batch tokens | contender | sentences | target tok/s | +tokenizer tok/s | sent/s | peak MiB |"
             " vs raw CT2 same type | vs generate |", "|---|---|---|---|---|---|---|---|---|---|"]
    goals: dict[str, Any] = {"ratio_vs_raw_ct2": [], "best_greedy_tokens_per_s": 0.0}
    for (name, beams, bt), r in sorted(by.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0])):
        ctype = name.rsplit("-", 1)[1]
        raw = by.get((f"raw-ct2-{ctype}", beams, bt))
        gen = next((v for (n, b, t), v in by.items() if n.startswith("generate-") and (b, t) == (beams, bt)), None)
        vs_raw = f"{tps(r) / tps(raw):.2f}x" if raw and name.startswith("bitext-ct2") else ""
        vs_gen = f"{tps(r) / tps(gen):.2f}x" if gen and not name.startswith("generate") else ""
        with_tok = (f"{r['out_tokens'] / (r['seconds'] + r['tokenizer_seconds']):,.0f}"
                    if name.startswith("raw-ct2") else "")
        if name.startswith("bitext-ct2") and raw:
            goals["ratio_vs_raw_ct2"].append({"contender": name, "beams": beams, "batch_tokens": bt,
                                              "ratio": round(tps(r) / tps(raw), 3)})
        if beams == 1 and name.startswith("bitext"):
            goals["best_greedy_tokens_per_s"] = max(goals["best_greedy_tokens_per_s"], round(tps(r)))
        cut = " (cut)" if r["cut"] else ""
        lines.append(f"| {beams} | {bt} | {name} | {r['sentences']}{cut} | {tps(r):,.0f} | {with_tok} |"
                     f" {r['sentences'] / r['seconds']:,.1f} | {r['peak_mib']:,.0f} | {vs_raw} | {vs_gen} |")
    ratios = [g["ratio"] for g in goals["ratio_vs_raw_ct2"]]
    if device == "cuda":
        lines.append("")
        lines.append(f"Goals: bitext CTranslate2 >= {GOAL_RATIO}x raw CTranslate2 of the same type: "
                     f"{min(ratios, default=0):.2f}-{max(ratios, default=0):.2f}x "
                     f"({'met' if ratios and min(ratios) >= GOAL_RATIO else 'missed'}); >= {GOAL_TOKENS:,} target tok/s "
                     f"greedy (bitext, best cell): {goals['best_greedy_tokens_per_s']:,} "
                     f"({'met' if goals['best_greedy_tokens_per_s'] >= GOAL_TOKENS else 'missed'})")
    return "\n".join(lines), goals


def machine(device: str) -> dict[str, Any]:
    import torch
    import transformers

    try:
        import ctranslate2

        ct2 = ctranslate2.__version__
    except Exception as e:  # not installed, or its CUDA libraries missing
        ct2 = f"not usable: {e}"
    info = {"device": device, "cpu": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
            "torch": torch.__version__, "transformers": transformers.__version__, "ctranslate2": ct2}
    if device == "cuda":
        info["gpu"] = torch.cuda.get_device_name(0)
        info["gpu_mib"] = torch.cuda.get_device_properties(0).total_memory // 2**20
    return info


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, help="folder for bench_gpu.json and bench_gpu.md (on the device: $OUT)")
    ap.add_argument("--device", choices=["cuda", "cpu"], help="default: cuda when available")
    ap.add_argument("--budget-s", type=float, help="the whole run's seconds (CUDA 480, CPU 120)")
    ap.add_argument("--sentences", type=int, help="sentences per cell at most (CUDA 20000, CPU 32)")
    ap.add_argument("--out-tokens", type=int, help="output tokens per sentence (CUDA 64, CPU 8)")
    ap.add_argument("--batch-tokens", type=int, nargs="+", help="CUDA 4096 8192 16384, CPU 512")
    ap.add_argument("--beams", type=int, nargs="+", help="default 1 4")
    ap.add_argument("--slice", type=int, help="sentences per timed call (CUDA 2000, CPU 16)")
    ap.add_argument("--shared", type=Path, help="the shared data folder (default <repo>/shared or <repo>/../shared)")
    ap.add_argument("--model-dir", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--_child", help=argparse.SUPPRESS)
    ap.add_argument("--_deadline", type=float, help=argparse.SUPPRESS)
    args = ap.parse_args()
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    import torch

    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        print("bench_gpu: --device cuda: torch sees no CUDA device (use --device cpu for the smoke check)",
              file=sys.stderr)
        return 2
    base = default_sizes(device)
    sizes = Sizes(args.sentences or base.sentences, args.out_tokens or base.out_tokens,
                  tuple(args.batch_tokens or base.batch_tokens), args.slice or base.slice, tuple(args.beams or base.beams))
    shared = find_shared(args.shared)
    if args._child:
        child(args._child, device, args.model_dir, shared, sizes, args._deadline)
        return 0
    if args.out is None:
        ap.error("--out DIR is required")
    args.out.mkdir(parents=True, exist_ok=True)
    args.budget_s = args.budget_s or (480.0 if device == "cuda" else 120.0)
    from bench_translate import bench_model_dir  # the full-size random model, built once and cached

    t0 = time.time()
    model_dir = bench_model_dir(shared / "models" / "opus-mt-id-en")
    from bitext.translate.backends.ct2 import ct2_convert
    from bitext.translate.models import resolve_model

    for ctype in sorted({n.rsplit("-", 1)[1] for n in contenders(device) if "-ct2-" in n}):
        ct2_convert(resolve_model(str(model_dir)), ctype)  # once, here: not inside a child's time share
    args.budget_s -= time.time() - t0  # building and converting (first run only) are part of the budget
    print(f"bench_gpu: {device}, {sizes}, budget {args.budget_s:.0f} s", file=sys.stderr, flush=True)
    rows, notes = run_children(args, device, sizes, model_dir, shared)
    if not importlib.util.find_spec("ctranslate2"):
        notes.insert(0, "ctranslate2 is not installed: its contenders were not run (carry its wheel)")
    md, goals = table(rows, device)
    info = machine(device)
    head = (f"# bench_gpu.py on {info.get('gpu', info['cpu'])} ({device})\n\n"
            f"opus-mt-id-en architecture, random weights; {sizes.out_tokens} output tokens per sentence for every "
            f"contender (counted); up to {sizes.sentences:,} distinct FLORES-200 devtest sentences per cell, cut "
            f"to the time budget ({args.budget_s:.0f} s in all); torch {info['torch']}, transformers "
            f"{info['transformers']}, ctranslate2 {info['ctranslate2']}. Memory: {rows[0]['memory'] if rows else '-'}"
            f", MiB above the idle device (CPU: peak RSS), highest so far in the contender's process.\n\n")
    (args.out / "bench_gpu.md").write_text(head + md + "\n" + "".join(f"\n* {n}" for n in notes) + "\n",
                                           encoding="utf-8")
    (args.out / "bench_gpu.json").write_text(json.dumps({"machine": info, "sizes": asdict(sizes), "rows": rows,
                                                         "goals": goals, "notes": notes,
                                                         "seconds": time.time() - t0}, indent=1), encoding="utf-8")
    print(head + md)
    for n in notes:
        print(f"* {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
