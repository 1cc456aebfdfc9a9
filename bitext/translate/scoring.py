"""Forced decoding: how likely the model finds a given English for an Indonesian sentence.

The flags' model signal (:class:`bitext.flags.checks.model.ModelScore`): for a human reference (or a reviewer's
edit) there is no decoder log-probability, so the English is scored under the corpus's MT model by teacher
forcing: the mean log-probability per target token (``</s>`` included), the same per-token normalisation as
the decoder's own ``translations.logprob``. Batched; with the transformers backend's model classes
(``AutoModelForSeq2SeqLM``), read only from this package's public helpers (:func:`load_tokenizer`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bitext.errors import EnvironmentProblem
from bitext.translate.models import load_tokenizer, validate_model_folder

BATCH = 32
MAX_TOKENS = 256
"""Longer sides are cut (the opus-mt models' own limit is 512 positions)."""


class ForcedScorer:
    """Score English targets given Indonesian sources under the model in folder ``path``."""

    def __init__(self, path: str | Path, batch_size: int = BATCH) -> None:
        self.path = Path(path)
        validate_model_folder(self.path)  # one line naming the file for a broken folder
        self.tokenizer = load_tokenizer(self.path)
        try:
            from transformers import AutoModelForSeq2SeqLM

            self.model: Any = AutoModelForSeq2SeqLM.from_pretrained(self.path).eval()
        except (OSError, ValueError, RuntimeError) as e:
            raise EnvironmentProblem(f"{self.path}: cannot load the model for scoring: {e}".splitlines()[0]) from None
        self.batch_size = batch_size

    def score(self, sources: Sequence[str], targets: Sequence[str]) -> list[float]:
        """Mean log-probability per target token of each ``targets[i]`` given ``sources[i]`` (<= 0)."""
        import torch

        out: list[float] = []
        for start in range(0, len(sources), self.batch_size):
            src = list(sources[start: start + self.batch_size])
            tgt = list(targets[start: start + self.batch_size])
            enc = self.tokenizer(src, text_target=tgt, return_tensors="pt", padding=True, truncation=True,
                                 max_length=MAX_TOKENS)
            labels = enc.pop("labels")
            mask = labels != self.tokenizer.pad_token_id
            with torch.inference_mode():
                logits = self.model(**enc, labels=labels.masked_fill(~mask, -100)).logits
            lp = logits.float().log_softmax(-1).gather(-1, labels.clamp(min=0)[..., None])[..., 0]
            per_row = (lp * mask).sum(-1) / mask.sum(-1).clamp(min=1)
            out.extend(float(v) for v in per_row)
        return out
