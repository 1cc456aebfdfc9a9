"""The CTranslate2 backend: the model converted once (cached on disk), int8 on CPU, int8_float16 on CUDA.

CTranslate2's ``score`` with ``length_penalty=1`` is exactly the shared ``logprob`` (see
:mod:`bitext.translate.backends`); for other penalties it is converted back to it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any, ClassVar

from bitext.errors import BitextError, EnvironmentProblem
from bitext.procs import leftovers
from bitext.translate.backends import GenOptions, Output, default_threads, note, token_batches
from bitext.translate.models import ModelRef


def ct2_cache_root() -> Path:
    """Where converted CTranslate2 models live: ``$BITEXT_CACHE/ct2`` or ``~/.cache/bitext/ct2``."""
    base = os.environ.get("BITEXT_CACHE")
    return (Path(base) if base else Path.home() / ".cache" / "bitext") / "ct2"


def ct2_check_convertible(ref: ModelRef) -> None:
    """Raise if CTranslate2 would not compute what Transformers computes for this model.

    CTranslate2 starts Marian's decoder from a zero embedding instead of looking up the
    decoder start token (<pad>): the same only while that embedding row is zero, as in every
    model converted from Marian. Checked from the weights file without loading the model.
    """
    config = json.loads((ref.path / "config.json").read_text(encoding="utf-8"))
    if config.get("model_type") != "marian":
        return
    start = config.get("decoder_start_token_id", config.get("pad_token_id"))
    files = sorted(ref.path.glob("*.safetensors"))
    if start is None or not files:
        return
    from safetensors import safe_open

    for f in files:
        with safe_open(f, framework="pt") as st:
            for key in ("model.shared.weight", "model.decoder.embed_tokens.weight"):
                if key in st.keys():
                    row = st.get_slice(key)[start : start + 1]
                    if bool(row.abs().max() > 0):
                        raise BitextError(
                            f"{ref.name}: the embedding of the decoder start token {start} is not zero;"
                            " CTranslate2 would translate differently: use --backend transformers",
                            2,
                        )
                    return


def ct2_convert(ref: ModelRef, quantization: str) -> Path:
    """Convert ``ref`` to CTranslate2 once; later calls return the cached folder.

    The folder is ``<cache>/<sha256(fingerprint)[:16]>-<quantization>``, written atomically:
    converted into a temporary folder beside it, then renamed, so a killed conversion leaves
    nothing half-written and two concurrent conversions do not clash.
    """
    root = ct2_cache_root()
    final = root / f"{hashlib.sha256(ref.fingerprint.encode()).hexdigest()[:16]}-{quantization}"
    for stale in leftovers([root]):  # conversions killed earlier: their process is gone
        shutil.rmtree(stale, ignore_errors=True)
    if (final / "model.bin").is_file():
        return final
    ct2_check_convertible(ref)
    # Seconds for opus-mt on 2 cores, minutes for bigger models: say what is happening, and that it is once.
    note(f"converting {ref.name} to CTranslate2 {quantization} (once; cached in {root})")
    from ctranslate2.converters import TransformersConverter
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".convert-{os.getpid()}-", dir=root))
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*sacremoses.*")
            TransformersConverter(str(ref.path)).convert(str(tmp / "model"), quantization=quantization)
        (tmp / "model" / "bitext-source.json").write_text(
            json.dumps({"fingerprint": ref.fingerprint, "quantization": quantization}), encoding="utf-8"
        )
        try:
            os.rename(tmp / "model", final)
        except OSError:
            if not (final / "model.bin").is_file():  # not a lost race: a real failure
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


SCORE_LOGITS = 2**25
"""Float logits one re-scoring sub-batch may hold (128 MB): bounds the memory of scoring runaway outputs."""


def score_tokens(vocab_size: int) -> int:
    """Target tokens per re-scoring sub-batch: :data:`SCORE_LOGITS` over the vocabulary (at least 512,
    one output at the model's longest)."""
    return max(512, SCORE_LOGITS // max(1, vocab_size))


class CT2Backend:
    """CTranslate2 ``Translator``: int8 on CPU, int8_float16 on CUDA (or ``compute_type``)."""

    name: ClassVar[str] = "ctranslate2"
    requires: ClassVar[str] = "ctranslate2"

    def __init__(
        self, ref: ModelRef, tokenizer: Any, device: str, compute_type: str | None = None, threads: int | None = None
    ) -> None:
        import ctranslate2

        self.device = device
        self.compute_type = compute_type or ("int8_float16" if device == "cuda" else "int8")
        if self.compute_type not in ctranslate2.get_supported_compute_types(device):
            raise BitextError(f"--compute-type {self.compute_type}: not supported by CTranslate2 on {device}", 2)
        # Weights stored as computed (float16 weights serve int8_float16 too).
        quant = {"int8_float16": "int8_float16", "int8_bfloat16": "int8_bfloat16"}.get(self.compute_type)
        try:
            self.translator = ctranslate2.Translator(
                str(ct2_convert(ref, quant or self.compute_type)),
                device=device,
                compute_type=self.compute_type,
                inter_threads=1,
                intra_threads=(threads or default_threads()) if device == "cpu" else 0,
            )
        except BitextError:
            raise
        except Exception as e:  # conversion of an unsupported architecture, ...
            raise EnvironmentProblem(f"{ref.name}: cannot convert to CTranslate2: {e}") from None
        self.tokenizer = tokenizer
        self.eos = tokenizer.eos_token
        self.score_tokens = score_tokens(len(tokenizer))

    @classmethod
    def available(cls) -> bool:
        """True when the ctranslate2 package is importable."""
        try:
            import ctranslate2  # noqa: F401
        except ImportError:
            return False
        return True

    def generate(self, batch: list[list[int]], opts: GenOptions) -> list[Output]:
        """Translate one batch with ``translate_batch``; scores converted back to the mean logprob.

        CTranslate2 has one length limit per call: the batch runs to its longest input's limit
        (the engine batches inputs of similar length, so the limits are close) and an output longer
        than its own input's limit is cut there, marked ``hit_max_length`` and re-scored by
        ``score_batch``. For greedy search the cut output is exactly what a call with that limit
        returns; for beam search it is the best long hypothesis's prefix. With repetition penalties
        (the retry) every output is re-scored: the scores of a penalised search are not the model's.
        """
        tok = self.tokenizer
        source = [tok.convert_ids_to_tokens(ids) for ids in batch]
        limits = [opts.limit(len(ids)) for ids in batch]
        results = self.translator.translate_batch(
            source,
            beam_size=opts.beams,
            length_penalty=opts.length_penalty,
            max_decoding_length=max(limits),
            min_decoding_length=min(opts.min_new_tokens, min(limits)),
            max_input_length=0,  # inputs are already split to the model's maximum
            no_repeat_ngram_size=opts.no_repeat_ngram_size,
            repetition_penalty=opts.repetition_penalty,
            return_scores=True,
            return_end_token=True,
        )
        hyps: list[list[str]] = []
        logprobs: list[float | None] = []
        for r, limit in zip(results, limits, strict=True):
            hyp = r.hypotheses[0]
            n = len(hyp)
            if n > limit:
                hyp = hyp[:limit]
                logprobs.append(None)
            elif opts.penalised:
                logprobs.append(None)
            else:
                # score = sum / n**length_penalty, n counting </s>: back to the mean.
                logprobs.append(r.scores[0] * n**opts.length_penalty / n if n else 0.0)
            hyps.append(hyp)
        redo = [i for i, lp in enumerate(logprobs) if lp is None]
        if redo:
            for i, lp in zip(redo, self._score([source[i] for i in redo], [hyps[i] for i in redo]), strict=True):
                logprobs[i] = lp
        outputs = []
        for hyp, logprob in zip(hyps, logprobs, strict=True):
            hit = not hyp or hyp[-1] != self.eos
            ids = tok.convert_tokens_to_ids(hyp if hit else hyp[:-1])
            outputs.append(Output(list(ids), float(logprob or 0.0), hit))
        return outputs

    def _score(self, source: list[list[str]], hyps: list[list[str]]) -> list[float]:
        """Mean model log-probability of each hypothesis (``</s>`` counted only when it has one).

        Scoring holds (rows x target tokens x vocabulary) float logits at once: in one call over a
        whole batch of runaway outputs that was ~14 MB per row (5.9 GB for 1,012 lines at beam 1).
        The hypotheses go in sub-batches, sorted by length, of at most ``score_tokens`` padded
        target tokens each (:func:`score_chunks`), so that memory is bounded by the budget.
        """
        targets = [h[:-1] if h and h[-1] == self.eos else h for h in hyps]
        out = [0.0] * len(hyps)
        for chunk in score_chunks([len(t) + 1 for t in targets], self.score_tokens):  # + the </s> it appends
            results = self.translator.score_batch([source[i] for i in chunk], [targets[i] for i in chunk],
                                                  max_input_length=0)
            for i, r in zip(chunk, results, strict=True):
                lps = list(r.log_probs)[: len(hyps[i])]  # score_batch appends </s>: kept only when emitted
                out[i] = sum(lps) / len(lps) if lps else 0.0
        return out


def score_chunks(lengths: list[int], budget: int) -> list[list[int]]:
    """Indexes of ``lengths`` in sub-batches, longest first, each of rows x longest <= ``budget``
    (a single longer row goes alone): :func:`~bitext.translate.backends.token_batches`."""
    return list(token_batches(lengths, budget))
