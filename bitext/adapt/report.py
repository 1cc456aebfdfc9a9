"""What one adaptation is and did: its hyper-parameters (:class:`AdaptOptions`), the learning curve
(:class:`EvalPoint`) and the report (:class:`AdaptReport`), shared by ``train`` and ``card``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bitext.adapt.data import AdaptData
from bitext.errors import BitextError
from bitext.publish.quality import Scores


@dataclass(frozen=True)
class AdaptOptions:
    """Hyper-parameters of one adaptation (all in the model card and the resume key)."""

    learning_rate: float = 5e-5
    epochs: float = 1.0  # passes over the training pairs (fractions allowed)
    max_steps: int | None = None  # stop after this many updates whatever ``epochs`` says
    batch_size: int = 16  # pairs per update
    warmup_steps: int = 100
    weight_decay: float = 0.0
    eval_every: int = 100  # updates between held-out evaluations
    patience: int = 5  # evaluations without a better chrF before stopping early
    min_gain: float = 0.0  # the guard: the adapted chrF must be >= the base's + this
    eval_beams: int = 1  # beam size of the held-out translations (the same before and after)
    eval_max: int = 1000  # held-out pairs measured at most (a fixed sample of a bigger set)
    max_length: int = 256  # tokens per side; longer pairs are truncated
    seed: int = 0

    def check(self) -> None:
        """One-line usage error for a setting out of range."""
        for name in ("batch_size", "eval_every", "patience", "eval_beams", "eval_max", "max_length"):
            if getattr(self, name) < 1:
                raise BitextError(f"--{name.replace('_', '-')} {getattr(self, name)}: must be at least 1", 2)
        if not self.learning_rate > 0 or not self.epochs > 0:
            raise BitextError("--learning-rate and --epochs must be greater than 0", 2)
        if self.max_steps is not None and self.max_steps < 1:
            raise BitextError(f"--max-steps {self.max_steps}: must be at least 1", 2)


@dataclass(frozen=True)
class EvalPoint:
    """One held-out evaluation: after ``step`` updates (0: the base model)."""

    step: int
    chrf: float
    bleu: float
    ter: float
    loss: float | None  # mean training loss since the previous evaluation


@dataclass(frozen=True)
class AdaptReport:
    """What ``bitext adapt`` did; ``saved`` is False when the guard refused the model."""

    out: Path
    base: str  # the base model's name
    base_fingerprint: str
    signature: str  # the adaptation's signature (config.json, translations' settings, the card)
    data: AdaptData
    options: AdaptOptions
    before: Scores
    after: Scores  # the best evaluation's scores
    best_step: int
    steps: int  # updates run in total
    history: list[EvalPoint]
    stopped_early: bool
    saved: bool
    resumed_from: int  # the update a resumed run continued from (0: a fresh run)
    train_tokens: int  # source + target tokens trained on (padding excluded)
    train_seconds: float  # wall clock of the updates (evaluations and saving not counted)
    device: str
    precision: str
    metric_signatures: dict[str, str] = field(default_factory=dict)
    train_cpu_seconds: float = 0.0  # this process's CPU time in the updates (steadier than wall on a busy machine)

    @property
    def tokens_per_second(self) -> float:
        return self.train_tokens / self.train_seconds if self.train_seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "out": str(self.out), "base": self.base, "base_fingerprint": self.base_fingerprint,
            "signature": self.signature, "data_signature": self.data.signature, "corpus_id": self.data.corpus_id,
            "pairs": self.data.counts, "options": asdict(self.options), "before": asdict(self.before),
            "after": asdict(self.after), "best_step": self.best_step, "steps": self.steps,
            "history": [asdict(p) for p in self.history], "stopped_early": self.stopped_early, "saved": self.saved,
            "resumed_from": self.resumed_from, "train_tokens": self.train_tokens,
            "train_seconds": round(self.train_seconds, 2),
            "train_cpu_seconds": round(self.train_cpu_seconds, 2), "tokens_per_second": round(self.tokens_per_second, 1),
            "device": self.device, "precision": self.precision, "metric_signatures": self.metric_signatures,
        }
