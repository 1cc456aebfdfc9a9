"""Adaptation throughput: ``bitext adapt`` against a plain PyTorch loop on the same model and batches.

The model is the real opus-mt-id-en architecture with random weights (``MarianConfig.from_pretrained`` of
``--shared``/models/opus-mt-id-en, built once into ``--model-dir``); the pairs are Tatoeba id-en sentences
(``--shared``/data) written into a corpus as reviewer-accepted reference pairs. Both runs train
``--steps`` updates of ``--batch-size`` pairs with AdamW at the same rate; tokens/s counts source + target
tokens (padding excluded) over the updates only (wall clock: on a machine shared with other work, also
compare ``tokens_per_cpu_s``: tokens per CPU-second of this process in the updates, and ``process_cpu_s``,
its CPU time for the whole run, evaluations and loading included) (``bitext adapt``'s held-out evaluations are timed apart
and reported as wall time). The ratio is bitext adapt / baseline (1.0 = no overhead). CUDA is used when
present (``--device``), with bf16/fp16 autocast in both runs.

    python scripts/bench_adapt.py                         # CPU, 12 updates of 16 pairs
    python scripts/bench_adapt.py --steps 50 --device cuda
    python scripts/bench_adapt.py --gpu-loop              # GPU: adapt on 10k pairs, convert to CT2,
                                                          # re-translate 100k sentences

``--gpu-loop`` is the whole loop at GPU scale: ``bitext adapt`` on 10,000 trusted pairs (one epoch), the
CTranslate2 conversion of the result, and ``translate_texts`` of 100,000 sentences (Tatoeba + FLORES
sources, numbered to make them distinct) with the converted model. Random weights run every output to
its length bound, so its translation rate is a lower bound for a trained model. The guard is switched
off there (``min_gain`` -1e9): random weights give no meaningful chrF.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bitext.adapt.report import AdaptOptions  # noqa: E402
from bitext.adapt.train import AdaptRefused, adapt_corpus  # noqa: E402
from bitext.store import Store  # noqa: E402


def read_pairs(shared: Path, n: int) -> list[tuple[str, str]]:
    """``n`` (Indonesian, English) pairs: Tatoeba, then FLORES devtest, cycled if ``n`` is larger."""
    base: list[tuple[str, str]] = []
    for folder, src, tgt in (("tatoeba-id-en", "test.id", "test.en"), ("flores200-devtest", "devtest.id", "devtest.en")):
        ids = (shared / "data" / folder / src).read_text(encoding="utf-8").splitlines()
        ens = (shared / "data" / folder / tgt).read_text(encoding="utf-8").splitlines()
        base += [(i, e) for i, e in zip(ids, ens, strict=True) if i.strip() and e.strip()]
    out = []
    for k in range(n):
        i, e = base[k % len(base)]
        rnd = k // len(base)
        out.append((f"{i} ({rnd})" if rnd else i, f"{e} ({rnd})" if rnd else e))
    return out


def build_corpus(folder: Path, pairs: list[tuple[str, str]]) -> None:
    """A corpus whose pairs are reference pairs a reviewer accepted (trusted), articles of 10 sentences."""
    from bitext.testing import write_sentence_pairs

    with Store.open(folder) as store:
        write_sentence_pairs(store, pairs, per_article=10, references=True)
        with store.tx():
            for row in store.conn.execute("SELECT id, source, target FROM pairs").fetchall():
                store.add_review(row["id"], "bench", "accepted", before=row["target"], after=row["target"],
                                 source=row["source"], pair_target=row["target"])


def model_dir(shared: Path, where: Path) -> Path:
    from bitext.testing import make_tiny_model

    if not (where / "model.safetensors").is_file():
        print(f"building the real architecture with random weights in {where} ...", file=sys.stderr)
        make_tiny_model(where, like=shared / "models" / "opus-mt-id-en")
    return where


def baseline(model_path: Path, corpus: Path, steps: int, batch_size: int, lr: float, device: str) -> dict:
    """The plain loop: the same model, pairs, batch order and optimiser as bitext adapt, nothing else."""
    import torch
    from transformers import AutoModelForSeq2SeqLM

    from bitext.adapt.data import adapt_data
    from bitext.translate.models import load_tokenizer

    with Store.open(corpus, read_only=True) as store:
        train = adapt_data(store).train
    tok = load_tokenizer(model_path)
    model = AutoModelForSeq2SeqLM.from_pretrained(model_path).to(device)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    enc = tok([p.source for p in train], text_target=[p.target for p in train], truncation=True, max_length=256)
    gen = torch.Generator().manual_seed(0)
    order = torch.randperm(len(train), generator=gen).tolist()
    dtype = (torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16) if device == "cuda" else None
    tokens, seconds, update_cpu, c0 = 0, 0.0, 0.0, time.process_time()
    per_epoch = math.ceil(len(train) / batch_size)
    for step in range(-1, steps):  # update -1: an untimed warm-up (bitext adapt runs second, in a warm process)
        ids = order[(step % per_epoch) * batch_size:((step % per_epoch) + 1) * batch_size]
        src = [enc["input_ids"][i] for i in ids]
        tgt = [enc["labels"][i] for i in ids]
        ws, wt = max(map(len, src)), max(map(len, tgt))
        x = torch.tensor([s + [tok.pad_token_id] * (ws - len(s)) for s in src], device=device)
        y = torch.tensor([t + [-100] * (wt - len(t)) for t in tgt], device=device)
        if device == "cuda":
            torch.cuda.synchronize()
        t0, u0 = time.perf_counter(), time.process_time()
        with torch.autocast("cuda", dtype=dtype) if dtype else _null():
            loss = model(input_ids=x, attention_mask=(x != tok.pad_token_id).long(), labels=y).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        if device == "cuda":
            torch.cuda.synchronize()
        if step < 0:
            continue
        seconds += time.perf_counter() - t0
        update_cpu += time.process_time() - u0
        tokens += sum(map(len, src)) + sum(map(len, tgt))
    return {"tokens": tokens, "seconds": round(seconds, 2), "tokens_per_s": round(tokens / seconds, 1),
            "process_cpu_s": round(time.process_time() - c0, 1), "update_cpu_s": round(update_cpu, 2),
            "tokens_per_cpu_s": round(tokens / max(update_cpu, 1e-9), 1)}


def _null():
    import contextlib

    return contextlib.nullcontext()


def run_adapt(model_path: Path, corpus: Path, out: Path, options: AdaptOptions, device: str) -> dict:
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        report = adapt_corpus(corpus, out, base=str(model_path), options=options, device=device, progress=False)
    except AdaptRefused as refused:  # random weights: the guard may well refuse; the timing stands
        report = refused.report
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"tokens": report.train_tokens, "process_cpu_s": round(cpu, 1),
            "update_cpu_s": round(report.train_cpu_seconds, 2),
            "tokens_per_cpu_s": round(report.train_tokens / max(report.train_cpu_seconds, 1e-9), 1),
            "seconds": round(report.train_seconds, 2),
            "tokens_per_s": round(report.tokens_per_second, 1), "wall_s": round(wall, 1), "saved": report.saved,
            "precision": report.precision, "steps": report.steps, "heldout_chrf": [p.chrf for p in report.history]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--model-dir", type=Path, default=Path(tempfile.gettempdir()) / "bitext-bench-opus-mt-random")
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--pairs", type=int, default=400, help="trusted pairs in the corpus (about 80%% trained on)")
    ap.add_argument("--device", choices=("cpu", "cuda"), default=None)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--gpu-loop", action="store_true", help="adapt 10k pairs, convert to CT2, re-translate 100k")
    ap.add_argument("--translate", type=int, default=100_000, help="--gpu-loop: sentences to re-translate")
    args = ap.parse_args()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    model = model_dir(args.shared, args.model_dir)
    work = Path(tempfile.mkdtemp(prefix="bench-adapt-"))
    try:
        if args.gpu_loop:
            gpu_loop(args, model, work, device)
            return
        build_corpus(work / "corpus", read_pairs(args.shared, args.pairs))
        lr = 5e-5
        base = baseline(model, work / "corpus", args.steps, args.batch_size, lr, device)
        ours = run_adapt(model, work / "corpus", work / "out", AdaptOptions(
            learning_rate=lr, max_steps=args.steps, batch_size=args.batch_size, warmup_steps=0,
            eval_every=args.steps, eval_max=16, min_gain=-1e9), device)
        print(json.dumps({"device": device, "threads": torch.get_num_threads(), "steps": args.steps,
                          "batch_size": args.batch_size, "baseline_plain_loop": base, "bitext_adapt": ours,
                          "ratio_adapt_over_baseline": round(ours["tokens_per_s"] / base["tokens_per_s"], 3),
                          "ratio_per_cpu_s": round(ours["tokens_per_cpu_s"] / base["tokens_per_cpu_s"], 3)},
                         indent=1))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def gpu_loop(args: argparse.Namespace, model: Path, work: Path, device: str) -> None:
    """Adapt on 10k pairs, convert the result to CTranslate2, re-translate ``--translate`` sentences."""
    from bitext.translate.engine import load_engine

    build_corpus(work / "corpus", read_pairs(args.shared, 12_500))  # ~10k in train, ~2.5k held out
    t0 = time.perf_counter()
    ours = run_adapt(model, work / "corpus", work / "out", AdaptOptions(
        learning_rate=5e-5, epochs=1, batch_size=32, eval_every=100, eval_max=500, min_gain=-1e9), device)
    adapt_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    engine = load_engine(str(work / "out"), backend="ctranslate2", device=device)
    convert_s = time.perf_counter() - t0
    sources = [f"{s} [{k}]" for k, (s, _) in enumerate(read_pairs(args.shared, args.translate))]
    t0 = time.perf_counter()
    n = sum(len(batch) for batch in engine.iter_translate(sources))
    translate_s = time.perf_counter() - t0
    print(json.dumps({"device": device, "adapt": ours, "adapt_wall_s": round(adapt_s, 1),
                      "convert_and_load_s": round(convert_s, 1), "translated": n,
                      "translate_s": round(translate_s, 1), "sentences_per_s": round(n / translate_s, 1)}, indent=1))


if __name__ == "__main__":
    main()
