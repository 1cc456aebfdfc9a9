"""Side by side in one run: the in-process translate stage vs ``--engine ray`` on a local Ray with 1
and 2 workers, on the full-size opus-mt-id-en architecture with random weights.

Each contender translates the same FLORES-200 devtest sentences into a fresh store through the whole
stage (store reads, batching, commits). Two figures per contender: ``total`` includes making the
engine (the in-process engine loads the model; Ray starts its actors, each loading the model), and
``warm`` is a second stage run on another fresh store with the engine already made (no load at all:
Ray's actors live for the whole run, across the store's chunks). Rounds are interleaved and the best of
each is printed. The ratio is sent/s against the in-process engine; Ray's overhead at 1 worker is
``1 - ratio``. Each engine is closed before the next is made (Ray actors hold their CPUs).

    PYTHONPATH=$PWD python scripts/bench_scale.py [--sentences 64] [--max-new-tokens 32] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_translate import FLORES, bench_model_dir  # noqa: E402  (the same random full-size model)

from tests.factories import CorpusBuilder  # noqa: E402


def _store(folder: Path, sentences: list[str]) -> Any:
    corpus = CorpusBuilder(folder)
    per = 16
    for a in range(0, len(sentences), per):
        corpus.article(f"art{a // per}", sentences[a : a + per])
    return corpus.store


def _run(make_engine: Any, sentences: list[str], root: Path, name: str) -> tuple[float, float]:
    """(total sent/s including the engine's making, warm sent/s with it made) on fresh stores."""
    from bitext.translate import translate_corpus

    t0 = time.perf_counter()
    engine = make_engine()
    with _store(root / f"{name}-a", sentences) as store:
        report = translate_corpus(store, engine=engine, quiet=True)
    total = time.perf_counter() - t0
    assert report.translated == len(sentences), report
    t1 = time.perf_counter()
    with _store(root / f"{name}-b", sentences) as store:
        translate_corpus(store, engine=engine, quiet=True)
    warm = time.perf_counter() - t1
    if hasattr(engine, "close"):
        engine.close()
    return len(sentences) / total, len(sentences) / warm


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sentences", type=int, default=64)
    ap.add_argument("--max-new-tokens", type=int, default=32)
    ap.add_argument("--backend", default="auto", help="auto (ctranslate2 when installed) or transformers")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--cpus", type=int, default=os.cpu_count() or 1, help="CPUs for every contender")
    args = ap.parse_args()

    from bitext.translate import load_engine
    from bitext.translate.distributed import RayEngine, connect

    model = bench_model_dir()
    sentences = list(dict.fromkeys(FLORES.read_text(encoding="utf-8").splitlines()))[: args.sentences]
    opts = {"model": str(model), "backend": args.backend, "beams": 1, "max_new_tokens": args.max_new_tokens,
            "device": "cpu"}
    load_engine(**opts, threads=args.cpus)  # converts to CTranslate2 once, before anything is timed
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[1]),
                                                             os.environ.get("PYTHONPATH")]))
    connect(num_cpus=args.cpus)
    contenders = {
        "in-process": lambda: load_engine(**opts, threads=args.cpus),
        "ray 1 worker": lambda: RayEngine(opts, workers=1),
        "ray 2 workers": lambda: RayEngine(opts, workers=2),
    }
    best: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for name, make in contenders.items():
                total, warm = _run(make, sentences, Path(tmp), f"{name.replace(' ', '-')}-{r}")
                old = best.get(name, (0.0, 0.0))
                best[name] = (max(old[0], total), max(old[1], warm))
                print(f"round {r + 1} {name:14} total {total:6.2f} sent/s  warm {warm:6.2f} sent/s", file=sys.stderr)
    base_total, base_warm = best["in-process"]
    print(f"{len(sentences)} FLORES sentences, greedy, max_new_tokens {args.max_new_tokens}, backend {args.backend},"
          f" {args.cpus} CPUs, best of {args.rounds} interleaved rounds (shared machine)")
    print(f"{'contender':14} {'total sent/s':>12} {'ratio':>6} {'warm sent/s':>12} {'ratio':>6}")
    for name, (total, warm) in best.items():
        print(f"{name:14} {total:12.2f} {total / base_total:6.2f} {warm:12.2f} {warm / base_warm:6.2f}")
    overhead = 1 - best["ray 1 worker"][1] / base_warm
    print(f"ray overhead at 1 worker (warm): {overhead:.0%} (target <= 15%: {'met' if overhead <= 0.15 else 'missed'})")


if __name__ == "__main__":
    main()
