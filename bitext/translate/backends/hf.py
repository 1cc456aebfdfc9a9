"""The Transformers backend: PyTorch, fp16 on CUDA, bf16 on CPUs with bf16 instructions, else float32.

Logprobs (the shared definition in :mod:`bitext.translate.backends`): greedy search records the
chosen token's log-probability at each step (:class:`_ChosenLogProbs`); beam search runs in
:mod:`bitext.translate.backends.hf_beam` (the choices of ``generate()``, at about half the cost)
and keeps its beams' running sums. With ``min_new_tokens`` both exclude ``</s>`` from the softmax
in the first steps. Generation configs with logits processing beyond the ``<pad>`` ban and
``min_new_tokens`` fall back to ``generate()`` plus a teacher-forced re-scoring pass
(:meth:`TransformersBackend._rescore`; the step scores would cost batch x beams x vocab floats per
step); those re-scored values keep ``</s>`` in the softmax.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

from bitext.errors import BitextError, EnvironmentProblem
from bitext.translate.backends import GenOptions, Output, default_threads
from bitext.translate.backends.hf_beam import beam_search, plain_beam_config
from bitext.translate.models import ModelRef

_DTYPES = ("float32", "float16", "bfloat16")


def cpu_has_native_bf16() -> bool:
    """True on CPUs with bfloat16 matrix instructions: AMX tiles (``amx_bf16``, Intel Sapphire Rapids
    and later) or AVX-512 BF16 dot products (``avx512_bf16``: AMD Zen 4 and later, Intel Cooper Lake).

    There oneDNN runs bfloat16 matrix products much faster than float32 (measured on 2 cores, full-size
    opus-mt, greedy: 2.0x with AMX; 3.4x median of 5 interleaved rounds on an AMD EPYC with
    avx512_bf16 and no AMX, ``scripts/bench_translate.py`` (c')/(c)), so bfloat16 becomes the CPU
    default of the transformers backend; elsewhere bfloat16 is emulated and slower.
    """
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return bool({"amx_bf16", "avx512_bf16"} & set(line.split()))
    except OSError:
        pass
    return False


class TransformersBackend:
    """``AutoModelForSeq2SeqLM`` under ``torch.inference_mode()``.

    Default compute type: float16 on CUDA; bfloat16 on CPUs with bfloat16 instructions (see
    :func:`cpu_has_native_bf16`), float32 on other CPUs. ``compute_type`` overrides it; the
    choice is part of the translation signature. ``own_beam_search = False`` sends beam search
    through ``generate()`` (benchmarks and the equivalence test compare the two).
    """

    name: ClassVar[str] = "transformers"
    requires: ClassVar[str] = "transformers"

    def __init__(
        self, ref: ModelRef, tokenizer: Any, device: str, compute_type: str | None = None, threads: int | None = None
    ) -> None:
        import torch
        from transformers import AutoModelForSeq2SeqLM
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        self.device = device
        if compute_type is None:
            if device == "cuda":
                compute_type = "float16"
            else:
                compute_type = "bfloat16" if cpu_has_native_bf16() else "float32"
        self.compute_type = compute_type
        if self.compute_type not in _DTYPES:
            raise BitextError(f"--compute-type {self.compute_type}: transformers supports {', '.join(_DTYPES)}", 2)
        if device == "cpu":
            torch.set_num_threads(threads or default_threads())
        from safetensors import SafetensorError

        try:
            self.model = AutoModelForSeq2SeqLM.from_pretrained(ref.path, dtype=getattr(torch, self.compute_type))
        except (OSError, ValueError, RuntimeError, KeyError, SafetensorError) as e:  # weights that passed the header check
            raise EnvironmentProblem(f"{ref.path}: cannot load the model: {str(e).strip().splitlines()[0]}") from None
        self.model.to(device).eval()
        # Forcing </s> at the limit would hide that the limit was hit (and CTranslate2 does not
        # do it): let the output stop without </s> and flag it as hit_max_length instead. Set on
        # the model's own config because generate() refills None values from it.
        self.model.generation_config.forced_eos_token_id = None
        self.generation_config = self.model.generation_config
        cfg = self.model.config
        self.eos_id = cfg.eos_token_id
        self.pad_id = cfg.pad_token_id
        self.own_beam_search = True

    @classmethod
    def available(cls) -> bool:
        """Always: transformers and torch are dependencies of bitext."""
        return True

    def generate(self, batch: list[list[int]], opts: GenOptions) -> list[Output]:
        """Translate one batch (padded on the right); see the module docstring for the logprobs."""
        import torch
        from transformers import LogitsProcessorList, StoppingCriteriaList

        width = max(len(ids) for ids in batch)
        input_ids = torch.full((len(batch), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for i, ids in enumerate(batch):
            input_ids[i, : len(ids)] = torch.tensor(ids)
            mask[i, : len(ids)] = 1
        limits = [opts.limit(len(ids)) for ids in batch]
        gc = copy.deepcopy(self.generation_config)
        gc.num_beams = opts.beams
        gc.max_new_tokens = max(limits)
        gc.max_length = None
        gc.min_new_tokens = min(opts.min_new_tokens, min(limits)) or None
        if opts.penalised:  # the retry of runaway outputs (goes through generate() and re-scoring)
            gc.no_repeat_ngram_size = opts.no_repeat_ngram_size or None
            gc.repetition_penalty = opts.repetition_penalty
        gc.length_penalty = opts.length_penalty
        gc.do_sample = False
        gc.num_return_sequences = 1
        gc.return_dict_in_generate = True
        gc.output_scores = False
        if opts.beams == 1:
            # The recorder normalises what it needs; a full log_softmax per step would not change argmax.
            gc.renormalize_logits = False
        input_ids, mask = input_ids.to(self.device), mask.to(self.device)
        if opts.beams > 1 and self.own_beam_search and plain_beam_config(gc, self.eos_id, self.pad_id):
            start = self.generation_config.decoder_start_token_id
            start = self.model.config.decoder_start_token_id if start is None else start
            with torch.inference_mode():
                return beam_search(self.model, input_ids, mask, opts, limits, start_id=start, eos_id=self.eos_id,
                                   pad_id=self.pad_id, early_stopping=gc.early_stopping or False)
        # Penalised scores are not the model's: those outputs are re-scored instead of recorded.
        recorder = _ChosenLogProbs() if opts.beams == 1 and not opts.penalised else None
        extra: dict[str, Any] = {}
        if opts.beams == 1 and len(set(limits)) > 1:
            # Greedy rows are independent: each stops at its own limit (exact per input).
            extra["stopping_criteria"] = StoppingCriteriaList([_RowLimits(limits, self.device)])
        with torch.inference_mode():
            if recorder is None:
                # Encode once, for beam search and for re-scoring (a fresh wrapper: generate()
                # expands what it is given to the beams).
                from transformers.modeling_outputs import BaseModelOutput

                hidden = self.model.get_encoder()(input_ids=input_ids, attention_mask=mask).last_hidden_state
                extra["encoder_outputs"] = BaseModelOutput(last_hidden_state=hidden)
            out = self.model.generate(
                input_ids=input_ids,
                attention_mask=mask,
                generation_config=gc,
                logits_processor=LogitsProcessorList([recorder]) if recorder else None,
                **extra,
            )
        # Drop the decoder start token; cut each output at its own limit (beam search through
        # generate() ran to the batch's largest: its cut output is the best long hypothesis's prefix).
        seqs = [seq[:limit] for seq, limit in zip(out.sequences[:, 1:].tolist(), limits, strict=True)]
        lengths = [seq.index(self.eos_id) + 1 if self.eos_id in seq else len(seq) for seq in seqs]
        if recorder is not None:
            steps = torch.stack(recorder.steps, dim=1).float().cpu()
            logprobs = [float(steps[i, :n].mean()) for i, n in enumerate(lengths)]
        else:
            logprobs = self._rescore(hidden, mask, out.sequences, lengths)
        outputs = []
        for seq, n, logprob in zip(seqs, lengths, logprobs, strict=True):
            hit = self.eos_id not in seq
            outputs.append(Output(seq[: n - (0 if hit else 1)], logprob, hit))
        return outputs

    def _rescore(self, hidden: Any, mask: Any, sequences: Any, lengths: list[int]) -> list[float]:
        """Mean log-probability of each chosen output, by one teacher-forced decoder pass.

        Beam search returns its scores only with ``output_scores=True``, which keeps a
        (batch x beams x vocabulary) tensor per step; re-scoring the final outputs (with the
        encoder states ``hidden`` already computed) costs one parallel decoder pass and little
        memory (logits computed a few rows at a time).
        """
        import torch

        width = max(lengths)
        dec_in = sequences[:, :width].to(self.device)
        targets = sequences[:, 1 : width + 1].to(self.device)
        vocab = self.model.config.get_text_config(decoder=True).vocab_size
        rows = max(1, 2**25 // (width * vocab))  # ~128 MB of float32 logits at a time
        result: list[float] = []
        with torch.inference_mode():
            for a in range(0, len(lengths), rows):
                logits = self.model(
                    encoder_outputs=(hidden[a : a + rows],),
                    attention_mask=mask[a : a + rows],
                    decoder_input_ids=dec_in[a : a + rows],
                ).logits.float()
                if self.pad_id is not None:
                    logits[..., self.pad_id] = float("-inf")  # banned, as in generation
                lp = logits.log_softmax(-1).gather(-1, targets[a : a + rows, :, None])[..., 0].cpu()
                result.extend(float(lp[i, :n].mean()) for i, n in enumerate(lengths[a : a + rows]))
        return result


class _RowLimits:
    """Stopping criterion of greedy search: row i is done once it has ``limits[i]`` new tokens."""

    def __init__(self, limits: list[int], device: str) -> None:
        import torch

        self.limits = torch.tensor(limits, device=device)

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        return (input_ids.shape[1] - 1) >= self.limits  # the decoder start token is not new


class _ChosenLogProbs:
    """Logits processor for greedy search: records the log-probability of the token it picks.

    Greedy picks the argmax of the processed scores, so the chosen token's log-probability is
    ``max(scores) - logsumexp(scores)``: two reductions per step instead of ``output_scores``,
    which would keep a (batch x vocabulary) tensor for every step.
    """

    def __init__(self) -> None:
        self.steps: list[Any] = []

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        x = scores.float()
        self.steps.append(x.max(-1).values - x.logsumexp(-1))
        return scores
