"""``bitext adapt``: continued training of a MarianMT model on the corpus's trusted pairs.

The recipe is OPUS-CAT's for OPUS-MT models: a small learning rate, about one epoch, an evaluation every
``eval_every`` updates on held-out pairs (:mod:`bitext.adapt.data`), early stopping when chrF has not
improved for ``patience`` evaluations, and the best evaluation's weights kept. Before training the base
model is measured on the same held-out pairs with the same decoding; **the guard** refuses to save a
model whose best held-out chrF is below the base's (plus ``min_gain``) and says by how much.

The loop is a plain PyTorch loop (AdamW, warm-up then a constant rate, autocast to bf16/fp16 on CUDA)
rather than ``Seq2SeqTrainer``: the Trainer needs ``accelerate`` (not a dependency), its checkpoints are
folders written in place (a kill mid-save leaves a broken one), and the evaluation here is generation
with sacrebleu on held-out pairs plus the guard, which the Trainer would need callbacks for anyway.

Resumable: ``MODEL_DIR/.checkpoints/state.pt`` (model, optimiser, scheduler, RNG, position in the data
order, learning curve) is replaced atomically at every evaluation, and ``best.pt`` holds the best weights;
a re-run with the same base, data and settings (``run.json``) continues where the killed one stopped.
The final folder is assembled in ``.checkpoints/final`` and moved into ``MODEL_DIR`` with ``config.json``
last, so ``MODEL_DIR`` is a loadable model only once complete; ``.checkpoints`` is then removed.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from bitext.adapt.data import AdaptData, TrustedPair, adapt_data
from bitext.adapt.report import AdaptOptions, AdaptReport, EvalPoint
from bitext.errors import BitextError, EnvironmentProblem
from bitext.model import MetaKey, Signature
from bitext.publish.quality import Scores, corpus_scores
from bitext.publish.selection import SplitSizes
from bitext.store import Store
from bitext.translate.models import (
    ADAPT_CONFIG_KEY,
    ModelRef,
    adapted_base,
    identity_fingerprint,
    load_tokenizer,
    resolve_model,
)

ADAPT_VERSION = "bitext-adapt/1"
CHECKPOINTS = ".checkpoints"
# Files of the base folder that the adapted model keeps as they are (tokenizer and generation settings).
_KEPT_FILES = ("source.spm", "target.spm", "vocab.json", "target_vocab.json", "tokenizer_config.json",
               "special_tokens_map.json", "tokenizer.json", "generation_config.json")


class AdaptRefused(BitextError):
    """The guard: the adapted model is worse than its base on the held-out pairs (exit code 1)."""

    def __init__(self, message: str, report: AdaptReport) -> None:
        super().__init__(message, 1)
        self.report = report


def base_model(store: Store, base: str | None) -> ModelRef:
    """The model to adapt: ``base`` (a folder or Hub id), else the model that translated the corpus
    (``translate.settings``: a Hub id at its revision, or a local folder at the full path the corpus keeps
    privately, refused in one line when that folder is gone or changed since)."""
    if base:
        return resolve_model(base)
    try:
        settings = store.get_meta_json(MetaKey.TRANSLATE_SETTINGS, {}) or {}
    except ValueError:
        settings = {}
    name = settings.get("model") if isinstance(settings, dict) else None
    if not name:
        raise BitextError(f"{store.path.parent}: no translation model is recorded (not translated yet):"
                          " pass --base MODEL", 2)
    if settings.get("revision"):
        return resolve_model(str(name), str(settings["revision"]))
    recorded = store.get_meta(MetaKey.TRANSLATE_MODEL_PATH)
    if recorded:  # the folder's full path, kept privately by bitext translate
        if not Path(recorded).is_dir():
            raise BitextError(f"{store.path.parent}: it was translated with the model folder {recorded}, which is"
                              " gone: pass --base PATH", 2)
        ref = resolve_model(recorded)
        if settings.get("fingerprint") and ref.fingerprint != settings["fingerprint"]:
            raise BitextError(f"{store.path.parent}: the model folder {recorded} changed since it translated the"
                              f" corpus ({ref.fingerprint}, was {settings['fingerprint']}): pass --base PATH", 2)
        return ref
    if Path(str(name)).is_dir():
        return resolve_model(str(name))
    raise BitextError(f"{store.path.parent}: it was translated with the local model folder {name!r}, whose full path"
                      " is not recorded: pass --base PATH", 2)


def base_hub_id(ref: ModelRef) -> str | None:
    """The Hub id of the published model ``ref`` is or descends from: a Hub download's id, what an adapted
    folder records, or the known model a local copy's configuration and tokenizer identify; None when unknown.
    Recorded in the adapted model's config, so a dataset card can name (license, cite) the base."""
    from bitext.publish.models import KNOWN_MODELS

    if ref.revision:
        return ref.name
    inherited = adapted_base(ref.path)
    if inherited:
        return inherited
    identity = identity_fingerprint(ref.path)
    return next((m.hub_id for m in KNOWN_MODELS if identity in m.identities), None)


def _prepare_out(out: Path, ref: ModelRef, force: bool) -> None:
    if out.resolve() == ref.path.resolve() or ref.path.resolve() in out.resolve().parents:
        raise BitextError(f"--out {out}: is (inside) the base model's folder; choose another folder", 2)
    if out.exists() and not out.is_dir():
        raise BitextError(f"--out {out}: exists and is not a folder", 2)
    if (out / "config.json").exists() and not force:
        raise BitextError(f"--out {out}: already holds a model; choose another folder or pass --force to replace it", 2)
    if not out.parent.is_dir():
        raise BitextError(f"--out {out}: folder {out.parent} does not exist", 2)


def _run_key(ref: ModelRef, data: AdaptData, options: AdaptOptions) -> dict[str, Any]:
    return {"version": ADAPT_VERSION, "base": ref.fingerprint, "data": data.signature, "options": asdict(options)}


def _eval_sample(pairs: list[TrustedPair], n: int) -> list[TrustedPair]:
    """At most ``n`` held-out pairs: a fixed sample (by a hash of the pair id), in corpus order."""
    if len(pairs) <= n:
        return pairs
    import hashlib

    keep = set(sorted(range(len(pairs)), key=lambda i: hashlib.sha256(pairs[i].pair_id.encode()).digest())[:n])
    return [p for i, p in enumerate(pairs) if i in keep]


def _atomic_torch_save(obj: Any, path: Path) -> None:
    import torch

    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    torch.save(obj, tmp)
    os.replace(tmp, path)


class _Trainer:
    """The model, tokenizer, device and data of one adaptation; :meth:`run` trains and evaluates."""

    def __init__(self, ref: ModelRef, data: AdaptData, options: AdaptOptions, device: str | None) -> None:
        import torch
        from transformers import AutoModelForSeq2SeqLM
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()  # "Loading weights" / "Writing model shards": ours is the one bar
        self.options = options
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        if self.device == "cuda" and not torch.cuda.is_available():
            raise EnvironmentProblem("--device cuda: no CUDA device is available (torch.cuda.is_available() is False)")
        if self.device == "cuda":
            self.dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
            self.precision = "bf16-autocast" if self.dtype == torch.bfloat16 else "fp16-autocast"
        else:
            self.dtype, self.precision = None, "fp32"
        self.tokenizer = load_tokenizer(ref.path)
        try:
            self.model = AutoModelForSeq2SeqLM.from_pretrained(ref.path, dtype=torch.float32)
        except (OSError, ValueError, RuntimeError) as e:
            raise EnvironmentProblem(f"{ref.path}: cannot load the model: {str(e).splitlines()[0]}") from None
        # Parameters the folder does not save (Marian's sinusoidal positions, recomputed at load) must not
        # train: transformers 5's from_pretrained leaves them trainable, and trained positions would be
        # silently replaced by the computed ones in the saved model (and in CTranslate2).
        unsaved = set(getattr(self.model, "_keys_to_ignore_on_save", None) or ())
        for name, param in self.model.named_parameters():
            if name in unsaved:
                param.requires_grad_(False)
        self.model.to(self.device)
        self.pad_id = self.tokenizer.pad_token_id
        self.max_positions = int(getattr(self.model.config, "max_position_embeddings", 512) or 512)
        self.max_length = min(options.max_length, self.max_positions)
        enc = self.tokenizer([p.source for p in data.train], text_target=[p.target for p in data.train],
                             truncation=True, max_length=self.max_length)
        self.train_src: list[list[int]] = enc["input_ids"]
        self.train_tgt: list[list[int]] = enc["labels"]
        self.heldout = _eval_sample(data.heldout, options.eval_max)

    # -- batches --

    def steps_per_epoch(self) -> int:
        return math.ceil(len(self.train_src) / self.options.batch_size)

    def total_steps(self) -> int:
        total = max(1, math.ceil(self.options.epochs * self.steps_per_epoch()))
        return min(total, self.options.max_steps) if self.options.max_steps else total

    def batch(self, step: int) -> tuple[Any, Any, Any, int]:
        """The batch of update ``step`` (0-based): a per-epoch permutation seeded by ``seed`` and the epoch,
        so a resumed run sees the same batches in the same order."""
        import torch

        per = self.steps_per_epoch()
        epoch, index = divmod(step, per)
        gen = torch.Generator().manual_seed(self.options.seed * 1_000_003 + epoch)
        order = torch.randperm(len(self.train_src), generator=gen).tolist()
        ids = order[index * self.options.batch_size:(index + 1) * self.options.batch_size]
        src = [self.train_src[i] for i in ids]
        tgt = [self.train_tgt[i] for i in ids]
        width_s, width_t = max(map(len, src)), max(map(len, tgt))
        input_ids = torch.tensor([s + [self.pad_id] * (width_s - len(s)) for s in src])
        mask = (input_ids != self.pad_id).long()
        labels = torch.tensor([t + [-100] * (width_t - len(t)) for t in tgt])
        tokens = sum(map(len, src)) + sum(map(len, tgt))
        return input_ids.to(self.device), mask.to(self.device), labels.to(self.device), tokens

    # -- evaluation --

    def translate(self, sources: Sequence[str], batch_size: int = 32) -> list[str]:
        """Translate ``sources`` with the model as it is now (``eval_beams``, in length-sorted batches)."""
        import torch

        model = self.model
        was_training = model.training
        model.eval()
        order = sorted(range(len(sources)), key=lambda i: len(sources[i]))
        out: list[str] = [""] * len(sources)
        try:
            with torch.no_grad():
                for start in range(0, len(order), batch_size):
                    chunk = order[start:start + batch_size]
                    enc = self.tokenizer([sources[i] for i in chunk], return_tensors="pt", padding=True,
                                         truncation=True, max_length=self.max_length).to(self.device)
                    longest = int(enc["attention_mask"].sum(dim=1).max())
                    max_new = min(self.max_positions - 1, int(longest * 1.5) + 10)
                    with self._autocast():
                        gen = model.generate(**enc, num_beams=self.options.eval_beams, max_new_tokens=max_new,
                                             do_sample=False)
                    for i, text in zip(chunk, self.tokenizer.batch_decode(gen, skip_special_tokens=True), strict=True):
                        out[i] = text.strip()
        finally:
            model.train(was_training)
        return out

    def evaluate(self) -> tuple[Scores, dict[str, str]]:
        hyps = self.translate([p.source for p in self.heldout])
        return corpus_scores([(h, p.target.strip()) for h, p in zip(hyps, self.heldout, strict=True)])

    def _autocast(self) -> Any:
        import contextlib

        import torch

        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type="cuda", dtype=self.dtype)


def adapt_corpus(
    corpus: str | Path | Store,
    out: str | Path,
    *,
    base: str | None = None,
    options: AdaptOptions | None = None,
    sizes: SplitSizes | None = None,
    device: str | None = None,
    force: bool = False,
    progress: bool = True,
    on_step: Callable[[int], None] | None = None,
) -> AdaptReport:
    """Adapt the corpus's translation model to its trusted pairs and save it to ``out`` (see the module
    docstring). Raises :class:`AdaptRefused` (exit code 1, nothing saved) when the guard refuses.

    ``on_step(step)`` is called after every update (tests interrupt a run there)."""
    options = options or AdaptOptions()
    options.check()
    out = Path(out)
    if isinstance(corpus, Store):
        store, own = corpus, False
    else:
        store, own = Store.open(corpus, read_only=True), True
    try:
        data = adapt_data(store, sizes)
        ref = base_model(store, base)
        corpus_name = store.path.parent.name
    finally:
        if own:
            store.close()
    _prepare_out(out, ref, force)
    ck = out / CHECKPOINTS
    final = ck / "final"
    key = _run_key(ref, data, options)
    if (final / ".complete").exists() and _read_json(ck / "run.json") == key:
        report = _load_report(final, data, options, out)  # killed while moving the finished folder in
        _move_into(final, out)
        shutil.rmtree(ck, ignore_errors=True)
        return report

    trainer = _Trainer(ref, data, options, device)
    return _train(trainer, ref, data, options, out, key, corpus_name, progress, on_step)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _train(trainer: _Trainer, ref: ModelRef, data: AdaptData, options: AdaptOptions, out: Path,
           key: dict[str, Any], corpus_name: str, progress: bool, on_step: Callable[[int], None] | None) -> AdaptReport:
    import torch
    from tqdm import tqdm
    from transformers import get_constant_schedule_with_warmup

    ck = out / CHECKPOINTS
    model = trainer.model
    torch.manual_seed(options.seed)
    decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim <= 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": options.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=options.learning_rate)
    sched = get_constant_schedule_with_warmup(opt, options.warmup_steps)
    scaler = torch.amp.GradScaler("cuda") if trainer.dtype == torch.float16 else None
    total = trainer.total_steps()

    state = _resume_state(ck, key)
    resumed_from = 0
    if state is not None:
        # Popped: the loaded copies of the weights and optimiser state would otherwise stay in memory.
        model.load_state_dict(state.pop("model"))
        opt.load_state_dict(state.pop("optim"))
        sched.load_state_dict(state.pop("sched"))
        scaler_state = state.pop("scaler", None)
        if scaler is not None and scaler_state:
            scaler.load_state_dict(scaler_state)
        torch.set_rng_state(state.pop("rng"))
        resumed_from = state["step"]
        print(f"adapt: resuming from the checkpoint at update {resumed_from} in {ck}", file=sys.stderr)
    else:
        shutil.rmtree(ck, ignore_errors=True)
        ck.mkdir(parents=True)
        (ck / "run.json").write_text(json.dumps(key, indent=1), encoding="utf-8")
        before, sigs = trainer.evaluate()
        state = {"step": 0, "history": [asdict(EvalPoint(0, before.chrf, before.bleu, before.ter, None))],
                 "before": asdict(before), "sigs": sigs, "best": None, "bad_evals": 0, "tokens": 0,
                 "seconds": 0.0, "loss_sum": 0.0, "loss_n": 0, "stopped_early": False}

    pad_row = trainer.pad_id
    embeddings = model.get_input_embeddings()
    bar = tqdm(total=total, initial=state["step"], unit="step", desc="adapt", disable=not progress,
               file=sys.stderr, dynamic_ncols=True)
    model.train()
    step = state["step"]
    try:
        while step < total and not state["stopped_early"]:
            started, cpu_started = time.perf_counter(), time.process_time()
            input_ids, mask, labels, tokens = trainer.batch(step)
            with trainer._autocast():
                loss = model(input_ids=input_ids, attention_mask=mask, labels=labels).loss
            opt.zero_grad(set_to_none=True)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.step(opt)
                scaler.update()
            else:
                loss.backward()
                opt.step()
            sched.step()
            # <pad> is the decoder's start embedding: zero in Marian models (CTranslate2 assumes it);
            # the tied output projection would otherwise train it.
            with torch.no_grad():
                embeddings.weight[pad_row].zero_()
            step += 1
            state["tokens"] += tokens
            state["loss_sum"] += float(loss.detach())
            state["loss_n"] += 1
            state["seconds"] += time.perf_counter() - started
            state["cpu_seconds"] = state.get("cpu_seconds", 0.0) + time.process_time() - cpu_started
            bar.update(1)
            if step % options.eval_every == 0 or step == total:
                _evaluate_step(trainer, state, step, ck, opt, sched, scaler)
                best = state["best"]
                bar.set_postfix(loss=f"{state['history'][-1]['loss']:.3f}", chrF=f"{state['history'][-1]['chrf']:.1f}",
                                best=f"{best['chrf']:.1f}" if best else "-")
            if on_step is not None:
                on_step(step)
    finally:
        bar.close()
    return _finish(trainer, ref, data, options, out, key, corpus_name, state, step, resumed_from)


def _resume_state(ck: Path, key: dict[str, Any]) -> dict[str, Any] | None:
    """The checkpoint state when ``ck`` holds one of the same run (base, data, settings), else None."""
    import torch

    if _read_json(ck / "run.json") != key or not (ck / "state.pt").is_file():
        return None
    try:
        return torch.load(ck / "state.pt", map_location="cpu", weights_only=False)
    except (OSError, RuntimeError, EOFError, ValueError):
        print(f"adapt: the checkpoint in {ck} is unreadable; starting again", file=sys.stderr)
        return None


def _evaluate_step(trainer: _Trainer, state: dict[str, Any], step: int, ck: Path, opt: Any, sched: Any,
                   scaler: Any) -> None:
    """Measure the held-out pairs, keep the best weights, count evaluations without gain, checkpoint."""
    import torch

    scores, _ = trainer.evaluate()
    loss = state["loss_sum"] / state["loss_n"] if state["loss_n"] else None
    state["loss_sum"], state["loss_n"] = 0.0, 0
    state["history"].append(asdict(EvalPoint(step, scores.chrf, scores.bleu, scores.ter,
                                             round(loss, 4) if loss is not None else None)))
    best = state["best"]
    if best is None or scores.chrf > best["chrf"]:
        state["best"] = {"step": step, **asdict(scores)}
        state["bad_evals"] = 0
        _atomic_torch_save({k: v.detach().cpu() for k, v in trainer.model.state_dict().items()}, ck / "best.pt")
    else:
        state["bad_evals"] += 1
        if state["bad_evals"] >= trainer.options.patience:
            state["stopped_early"] = True
    _atomic_torch_save({**state, "step": step, "model": trainer.model.state_dict(), "optim": opt.state_dict(),
                        "sched": sched.state_dict(), "scaler": scaler.state_dict() if scaler else None,
                        "rng": torch.get_rng_state()}, ck / "state.pt")


def adapt_signature(ref: ModelRef, data: AdaptData, options: AdaptOptions, best_step: int) -> Signature:
    """What made an adapted model: base weights, data, and the settings that shaped the weights."""
    return Signature.of(
        ("adapt", ADAPT_VERSION),
        ("base", ref.fingerprint),
        ("corpus", data.corpus_id or "unknown"),
        ("data", data.signature),
        ("pairs", len(data.train)),
        ("lr", f"{options.learning_rate:g}"),
        ("bs", options.batch_size),
        ("steps", best_step),
        ("seed", options.seed),
    )


def _finish(trainer: _Trainer, ref: ModelRef, data: AdaptData, options: AdaptOptions, out: Path,
            key: dict[str, Any], corpus_name: str, state: dict[str, Any], steps: int, resumed_from: int) -> AdaptReport:
    import torch

    from bitext.adapt.card import write_card

    ck = out / CHECKPOINTS
    before = Scores(**state["before"])
    best = state["best"]
    after = Scores(**{k: v for k, v in best.items() if k != "step"}) if best else before
    best_step = best["step"] if best else 0
    report = AdaptReport(
        out=out, base=ref.name if ref.revision else Path(ref.name).name, base_fingerprint=ref.fingerprint,
        signature=str(adapt_signature(ref, data, options, best_step)), data=data, options=options,
        before=before, after=after, best_step=best_step, steps=steps,
        history=[EvalPoint(**p) for p in state["history"]], stopped_early=state["stopped_early"],
        saved=False, resumed_from=resumed_from, train_tokens=state["tokens"], train_seconds=state["seconds"],
        train_cpu_seconds=state.get("cpu_seconds", 0.0), device=trainer.device, precision=trainer.precision, metric_signatures=state["sigs"],
    )
    if best is None or after.chrf < before.chrf + options.min_gain:
        shutil.rmtree(ck, ignore_errors=True)
        if out.is_dir() and not any(out.iterdir()):
            out.rmdir()
        gain = f" + --min-gain {options.min_gain:g}" if options.min_gain else ""
        raise AdaptRefused(
            f"not saved: the adapted model is worse than its base on {len(trainer.heldout)} held-out pairs: chrF"
            f" {after.chrf:.2f} vs {before.chrf:.2f}{gain} ({after.chrf - before.chrf:+.2f}; BLEU"
            f" {after.bleu - before.bleu:+.2f}, TER {after.ter - before.ter:+.2f}); nothing written to {out}", report)
    # Assemble the finished folder in .checkpoints/final, then move it in (config.json last).
    final = ck / "final"
    shutil.rmtree(final, ignore_errors=True)
    model = trainer.model
    model.load_state_dict(torch.load(ck / "best.pt", map_location="cpu", weights_only=True))
    setattr(model.config, ADAPT_CONFIG_KEY, {"signature": report.signature, "base": report.base,
                                       "base_fingerprint": ref.fingerprint, "base_revision": ref.revision,
                                       "base_hub_id": base_hub_id(ref)})
    model.to("cpu").save_pretrained(final)
    for name in _KEPT_FILES:
        if (ref.path / name).is_file():
            shutil.copyfile(ref.path / name, final / name)
    report = replace(report, saved=True)
    write_card(final / "README.md", report, corpus_name)
    (final / "adapt.json").write_text(json.dumps(report.as_dict(), indent=1, ensure_ascii=False), encoding="utf-8")
    (final / ".complete").write_text("", encoding="utf-8")
    _move_into(final, out)
    shutil.rmtree(ck, ignore_errors=True)
    return report


def _load_report(final: Path, data: AdaptData, options: AdaptOptions, out: Path) -> AdaptReport:
    """The report of a finished run whose folder was not moved in yet (read back from its adapt.json)."""
    raw = json.loads((final / "adapt.json").read_text(encoding="utf-8"))
    return AdaptReport(
        out=out, base=raw["base"], base_fingerprint=raw["base_fingerprint"], signature=raw["signature"], data=data,
        options=options, before=Scores(**raw["before"]), after=Scores(**raw["after"]), best_step=raw["best_step"],
        steps=raw["steps"], history=[EvalPoint(**p) for p in raw["history"]], stopped_early=raw["stopped_early"],
        saved=True, resumed_from=raw["steps"], train_tokens=raw["train_tokens"], train_seconds=raw["train_seconds"],
        device=raw["device"], precision=raw["precision"], metric_signatures=raw["metric_signatures"],
    )


def _move_into(final: Path, out: Path) -> None:
    """Move the files of ``final`` into ``out``: an old model's config.json goes first and the new one comes
    last, so ``out`` is a loadable model only while complete."""
    (out / "config.json").unlink(missing_ok=True)
    names = sorted(p.name for p in final.iterdir() if p.is_file() and p.name not in ("config.json", ".complete"))
    for old in out.iterdir():  # weights of a replaced model that the new one does not have
        if old.is_file() and old.name.endswith((".safetensors", ".bin")) and old.name not in names:
            old.unlink()
    for name in names:
        os.replace(final / name, out / name)
    os.replace(final / "config.json", out / "config.json")
