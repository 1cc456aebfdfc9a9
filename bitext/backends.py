"""Model loading and the two generation backends of ``bitext translate``.

* :func:`resolve_model` turns ``--model`` (a Hub id with optional revision, or a local folder)
  into a folder on disk plus a *fingerprint* that names exactly those weights.
* :class:`TransformersBackend` runs ``model.generate`` (PyTorch; fp16 on CUDA).
* :class:`CT2Backend` converts the model once to CTranslate2 (cached on disk) and runs it
  (int8 on CPU, int8_float16 on CUDA).

Both take batches of source token ids (ending in ``</s>``) and return, per input, the output
token ids, a log-probability and whether the length limit stopped the output. The two report
the same ``logprob``:

    logprob = (1/n) * sum_i log p(y_i | y_<i, x)

natural log, over the n generated tokens including the final ``</s>`` when one was emitted;
the softmax excludes ``<pad>`` (which the model may never emit: opus-mt bans it via
``bad_words_ids``, CTranslate2 drops it from the vocabulary). This is exactly CTranslate2's
``score`` with ``length_penalty=1`` (for other penalties its score is converted back to it) and
Transformers' beam ``sequences_scores`` with ``length_penalty=1``. Transformers greedy search
records the chosen token's log-probability at each step; Transformers beam search runs in
:meth:`TransformersBackend._beam_search` (the choices of ``generate()``, fewer passes over the
vocabulary) and keeps its beams' running sums. With ``min_new_tokens`` all of them exclude
``</s>`` from the softmax in the first steps. Generation configs with logits processing beyond
the ``<pad>`` ban and ``min_new_tokens`` fall back to ``generate()`` plus a teacher-forced
re-scoring pass (the step scores would cost batch x beams x vocab floats per step); those
re-scored values keep ``</s>`` in the softmax.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bitext.errors import BitextError, EnvironmentProblem

# Files that define a model's behaviour: hashed for the fingerprint of a local folder.
_MODEL_FILES = (
    "config.json",
    "generation_config.json",
    "source.spm",
    "target.spm",
    "vocab.json",
    "target_vocab.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "sentencepiece.bpe.model",
    "spiece.model",
)
_WEIGHT_SUFFIXES = (".safetensors", ".bin")
# What to fetch from the Hub: configs, tokenizer files and one weights format.
_HUB_SMALL_FILES = ["*.json", "*.spm", "*.model", "*.txt"]


@dataclass(frozen=True)
class ModelRef:
    """A model resolved to a folder on disk.

    ``fingerprint`` names the exact weights: ``ID@COMMIT`` for a Hub model, ``folder-sha256:HASH``
    (hash of config, tokenizer and weight files) for a local folder.
    """

    path: Path
    fingerprint: str
    name: str  # what the user asked for (Hub id or folder path)
    revision: str | None  # commit hash for a Hub model, None for a folder


@dataclass(frozen=True)
class GenOptions:
    """Generation settings shared by both backends."""

    beams: int
    max_new_tokens: int
    min_new_tokens: int = 0
    length_penalty: float = 1.0


@dataclass(frozen=True)
class Output:
    """One generated output: ids without ``</s>``; see the module docstring for ``logprob``."""

    ids: list[int]
    logprob: float
    hit_max_length: bool


def _looks_like_path(name: str) -> bool:
    return name.startswith((".", "/", "~")) or os.sep + os.sep in name or name.count("/") > 1


def folder_fingerprint(path: Path) -> str:
    """sha256 over the names and contents of the files that define the model in ``path``."""
    h = hashlib.sha256()
    names = sorted(
        p.name
        for p in path.iterdir()
        if p.is_file() and (p.name in _MODEL_FILES or p.name.endswith(_WEIGHT_SUFFIXES))
    )
    for name in names:
        h.update(name.encode() + b"\0")
        with open(path / name, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        h.update(b"\0")
    return h.hexdigest()


def resolve_model(model: str, revision: str | None = None) -> ModelRef:
    """Find ``model`` on disk: a local folder, or a Hub id downloaded into (or found in) the HF cache.

    Raises :class:`EnvironmentProblem` (exit code 2) with one actionable line when the Hub
    cannot be reached (or ``HF_HUB_OFFLINE=1``) and there is no cached copy.
    """
    local = Path(model).expanduser()
    if local.is_dir():
        if revision:
            raise BitextError(f"--revision {revision}: only for Hub models, {model} is a local folder", 2)
        if not (local / "config.json").is_file():
            raise EnvironmentProblem(f"{model}: not a model folder (no config.json)")
        return ModelRef(local.resolve(), "folder-sha256:" + folder_fingerprint(local)[:16], str(local), None)
    if _looks_like_path(model) or local.exists():
        raise EnvironmentProblem(f"{model}: no such model folder")

    from huggingface_hub import constants, snapshot_download
    from huggingface_hub.errors import (
        GatedRepoError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    try:
        path = Path(snapshot_download(model, revision=revision, allow_patterns=_HUB_SMALL_FILES + ["*.safetensors"]))
        if not any(p.suffix == ".safetensors" for p in path.iterdir()):
            # Older repos (opus-mt among them) ship only pytorch_model.bin on main.
            path = Path(snapshot_download(model, revision=revision, allow_patterns=["pytorch_model.bin"]))
    except (RepositoryNotFoundError, GatedRepoError) as e:
        raise EnvironmentProblem(f"{model}: no such model on the Hugging Face Hub (or no access): {e}") from None
    except RevisionNotFoundError:
        raise EnvironmentProblem(f"{model}: no revision {revision!r} on the Hugging Face Hub") from None
    except (LocalEntryNotFoundError, OSError) as e:
        why = "HF_HUB_OFFLINE=1" if constants.HF_HUB_OFFLINE else "Hugging Face Hub unreachable"
        raise EnvironmentProblem(
            f"cannot download {model} ({why}) and no local copy in the cache ({constants.HF_HUB_CACHE}):"
            f" pass --model PATH to a local model folder [{type(e).__name__}]"
        ) from None
    # The snapshot folder is named after the commit: that pins the weights.
    return ModelRef(path, f"{model}@{path.name}", model, path.name)


def default_threads() -> int:
    """CPU threads to use: OMP_NUM_THREADS if set, else the CPUs this process may run on."""
    env = os.environ.get("OMP_NUM_THREADS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def cpu_has_amx_bf16() -> bool:
    """True on CPUs with AMX bfloat16 tiles (Intel Sapphire Rapids and later).

    There oneDNN runs bfloat16 matrix products about twice as fast as float32 (measured:
    2.0x greedy throughput of the full-size opus-mt model on 2 cores), so bfloat16 becomes
    the CPU default of the transformers backend; elsewhere bfloat16 is emulated and slower.
    """
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return "amx_bf16" in line.split()
    except OSError:
        pass
    return False


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return False
    return torch.cuda.is_available()


def load_tokenizer(path: Path) -> Any:
    """The model's tokenizer (MarianTokenizer for opus-mt), without the sacremoses nag."""
    from transformers import AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*sacremoses.*")
        return AutoTokenizer.from_pretrained(path)


class TransformersBackend:
    """``model.generate`` under ``torch.inference_mode()``.

    Default compute type: float16 on CUDA; bfloat16 on CPUs with AMX (see
    :func:`cpu_has_amx_bf16`), float32 on other CPUs. ``compute_type`` overrides it; the
    choice is part of the translation signature.
    """

    name = "transformers"

    def __init__(self, ref: ModelRef, device: str, compute_type: str | None = None, threads: int | None = None):
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
                compute_type = "bfloat16" if cpu_has_amx_bf16() else "float32"
        self.compute_type = compute_type
        dtypes = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
        if self.compute_type not in dtypes:
            raise BitextError(f"--compute-type {self.compute_type}: transformers supports {', '.join(dtypes)}", 2)
        if device == "cpu":
            torch.set_num_threads(threads or default_threads())
        self.model = AutoModelForSeq2SeqLM.from_pretrained(ref.path, dtype=dtypes[self.compute_type])
        self.model.to(device).eval()
        # Forcing </s> at the limit would hide that the limit was hit (and CTranslate2 does not
        # do it): let the output stop without </s> and flag it as hit_max_length instead. Set on
        # the model's own config because generate() refills None values from it.
        self.model.generation_config.forced_eos_token_id = None
        self.generation_config = self.model.generation_config
        cfg = self.model.config
        self.eos_id = cfg.eos_token_id
        self.pad_id = cfg.pad_token_id

    def generate(self, batch: list[list[int]], opts: GenOptions) -> list[Output]:
        import copy

        import torch
        from transformers import LogitsProcessorList

        width = max(len(ids) for ids in batch)
        input_ids = torch.full((len(batch), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for i, ids in enumerate(batch):
            input_ids[i, : len(ids)] = torch.tensor(ids)
            mask[i, : len(ids)] = 1
        gc = copy.deepcopy(self.generation_config)
        gc.num_beams = opts.beams
        gc.max_new_tokens = opts.max_new_tokens
        gc.max_length = None
        gc.min_new_tokens = opts.min_new_tokens or None
        gc.length_penalty = opts.length_penalty
        gc.do_sample = False
        gc.num_return_sequences = 1
        gc.return_dict_in_generate = True
        gc.output_scores = False
        if opts.beams == 1:
            # The recorder normalises what it needs; a full log_softmax per step would not change argmax.
            gc.renormalize_logits = False
        input_ids, mask = input_ids.to(self.device), mask.to(self.device)
        if opts.beams > 1 and self._plain_beam_config(gc):
            with torch.inference_mode():
                return self._beam_search(input_ids, mask, opts, gc.early_stopping or False)
        recorder = _ChosenLogProbs() if opts.beams == 1 else None
        extra: dict[str, Any] = {}
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
        seqs = out.sequences[:, 1:].tolist()  # drop the decoder start token
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

    def _plain_beam_config(self, gc: Any) -> bool:
        """True when ``gc`` asks for nothing beyond what :meth:`_beam_search` implements.

        Its only logits processing is the ``<pad>`` ban (opus-mt's ``bad_words_ids``) and
        ``min_new_tokens``; anything else (repetition penalties, forced tokens, ...) goes through
        ``generate()``.
        """
        return (
            gc.early_stopping in (None, False, True, "never")
            and gc.bad_words_ids in (None, [[self.pad_id]])
            and not gc.no_repeat_ngram_size
            and not gc.encoder_no_repeat_ngram_size
            and gc.repetition_penalty in (None, 1.0)
            and gc.encoder_repetition_penalty in (None, 1.0)
            and gc.forced_bos_token_id is None
            and gc.forced_eos_token_id is None
            and not gc.suppress_tokens
            and not gc.begin_suppress_tokens
            and not gc.sequence_bias
            and gc.exponential_decay_length_penalty is None
            and gc.num_beam_groups in (None, 1)
            and gc.eos_token_id in (self.eos_id, [self.eos_id])
        )

    def _beam_search(self, input_ids: Any, mask: Any, opts: GenOptions, early_stopping: bool | str) -> list[Output]:
        """Beam search with the same choices as ``generate()`` (transformers 5), at lower cost.

        Same candidates, finishing rule and stopping heuristic as ``GenerationMixin._beam_search``,
        but per step it makes only three passes over the (rows x vocabulary) logits instead of
        about eight: it bans ``<pad>`` (and ``</s>`` before ``min_new_tokens``) by writing one
        column, and takes each row's top 2*beams tokens plus its logsumexp. The best 2*beams
        continuations of a batch item are among its rows' top 2*beams (a row's log-softmax is
        its logits minus a constant), so the choice is the same. The scores come out of the
        search itself (no re-scoring pass), and only the self-attention cache is reordered:
        beams of one input share the same cross-attention states.
        """
        import torch

        k, lp = opts.beams, opts.length_penalty
        n_in = input_ids.shape[0]
        hidden = self.model.get_encoder()(input_ids=input_ids, attention_mask=mask).last_hidden_state
        hidden = hidden.repeat_interleave(k, dim=0)
        mask = mask.repeat_interleave(k, dim=0)
        start = self.generation_config.decoder_start_token_id
        start = self.model.config.decoder_start_token_id if start is None else start
        tokens = torch.full((n_in * k, 1), start, dtype=torch.long, device=self.device)
        seqs = torch.empty((n_in, k, 0), dtype=torch.long, device=self.device)
        # Only beam 0 is live at first (all beams start equal): as in generate().
        running = torch.full((n_in, k), -1.0e9, device=self.device)
        running[:, 0] = 0.0
        rows = torch.arange(n_in, device=self.device)[:, None]
        finished: list[list[tuple[float, list[int], bool]]] = [[] for _ in range(n_in)]
        open_items = [True] * n_in  # False once no running beam can beat the finished ones
        cache = None
        for step in range(1, opts.max_new_tokens + 1):
            out = self.model(encoder_outputs=(hidden,), attention_mask=mask, decoder_input_ids=tokens,
                             cache=cache, use_cache=True)
            cache = out.cache
            logits = out.logits[:, -1, :]
            if self.pad_id is not None:
                logits[:, self.pad_id] = float("-inf")
            if step <= opts.min_new_tokens:
                logits[:, self.eos_id] = float("-inf")
            lse = torch.logsumexp(logits.float(), dim=-1)
            top_v, top_i = logits.topk(2 * k, dim=-1)
            cand = (top_v.float() - lse[:, None] + running.reshape(-1, 1)).reshape(n_in, k * 2 * k)
            cand, order = cand.topk(2 * k, dim=-1)  # best 2k continuations per input, best first
            beam = order // (2 * k)
            token = top_i.reshape(n_in, k * 2 * k).gather(1, order)
            last = step == opts.max_new_tokens
            ends = torch.ones_like(token, dtype=torch.bool) if last else token == self.eos_id
            # Finished candidates: only those among the best k (as generate() does).
            done_pos = ends[:, :k].nonzero().tolist()
            if done_pos:
                prefix = seqs.gather(1, beam[:, :k, None].expand(-1, -1, seqs.shape[2])).tolist()
                cand_l, token_l = cand[:, :k].tolist(), token[:, :k].tolist()
                for b, j in done_pos:
                    if not open_items[b]:
                        continue
                    hit = token_l[b][j] != self.eos_id
                    ids = prefix[b][j] + ([token_l[b][j]] if hit else [])
                    hyps = finished[b]
                    hyps.append((cand_l[b][j] / step**lp, ids, hit))
                    hyps.sort(key=lambda h: -h[0])
                    del hyps[k:]
            if last:
                break
            # Running beams: the best k continuations that did not finish.
            live = cand + ends.float() * -1.0e9  # as generate(): keeps the order if all finished
            running, pick = live.topk(k, dim=-1)
            src = beam.gather(1, pick)
            seqs = torch.cat((seqs[rows, src], token.gather(1, pick)[:, :, None]), dim=2)
            tokens = seqs[:, :, -1].reshape(-1, 1)
            cache.self_attention_cache.reorder_cache((src + rows * k).reshape(-1))
            # generate()'s stopping heuristic, per input.
            best_len = opts.max_new_tokens if (early_stopping == "never" and lp > 0) else step
            best = (running[:, 0] / best_len**lp).tolist()
            for b in range(n_in):
                hyps = finished[b]
                if open_items[b] and len(hyps) == k and (early_stopping is True or best[b] <= hyps[-1][0]):
                    open_items[b] = False
            if not any(open_items):
                break
        outputs = []
        for hyps in finished:
            score, ids, hit = hyps[0]
            n = len(ids) + (0 if hit else 1)
            outputs.append(Output(ids, score * n**lp / n, hit))
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
    if (final / "model.bin").is_file():
        return final
    ct2_check_convertible(ref)
    from ctranslate2.converters import TransformersConverter
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".convert-", dir=root))
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


class CT2Backend:
    """CTranslate2 ``Translator``: int8 on CPU, int8_float16 on CUDA (or ``compute_type``)."""

    name = "ctranslate2"

    def __init__(
        self, ref: ModelRef, tokenizer: Any, device: str, compute_type: str | None = None, threads: int | None = None
    ):
        import ctranslate2

        self.device = device
        self.compute_type = compute_type or ("int8_float16" if device == "cuda" else "int8")
        if self.compute_type not in ctranslate2.get_supported_compute_types(device):
            raise BitextError(f"--compute-type {self.compute_type}: not supported by CTranslate2 on {device}", 2)
        # Weights stored as computed (float16 weights serve int8_float16 too).
        quant = {"int8_float16": "int8_float16", "int8_bfloat16": "int8_bfloat16"}.get(self.compute_type)
        path = ct2_convert(ref, quant or self.compute_type)
        self.translator = ctranslate2.Translator(
            str(path),
            device=device,
            compute_type=self.compute_type,
            inter_threads=1,
            intra_threads=(threads or default_threads()) if device == "cpu" else 0,
        )
        self.tokenizer = tokenizer
        self.eos = tokenizer.eos_token

    def generate(self, batch: list[list[int]], opts: GenOptions) -> list[Output]:
        tok = self.tokenizer
        source = [tok.convert_ids_to_tokens(ids) for ids in batch]
        results = self.translator.translate_batch(
            source,
            beam_size=opts.beams,
            length_penalty=opts.length_penalty,
            max_decoding_length=opts.max_new_tokens,
            min_decoding_length=opts.min_new_tokens,
            max_input_length=0,  # inputs are already split to the model's maximum
            return_scores=True,
            return_end_token=True,
        )
        outputs = []
        for r in results:
            hyp = r.hypotheses[0]
            hit = not hyp or hyp[-1] != self.eos
            n = len(hyp)
            # score = sum / n**length_penalty, n counting </s>: back to the mean.
            logprob = r.scores[0] * n**opts.length_penalty / n if n else 0.0
            ids = tok.convert_tokens_to_ids(hyp if hit else hyp[:-1])
            outputs.append(Output(list(ids), float(logprob), hit))
        return outputs


def ct2_available() -> bool:
    try:
        import ctranslate2  # noqa: F401
    except ImportError:
        return False
    return True
