"""The engine: a loaded model + backend + generation settings that translates lists of texts.

Sources are tokenised, split when longer than the model's maximum input
(:func:`bitext.translate.split.split_for_model`), sorted by length and cut into batches by a
token budget; the outputs of a split source are joined again. :func:`load_engine` resolves the
settings (the model's own GenerationConfig + overrides) and the backend; :func:`translate_texts`
is the store-less entry point for notebooks.

Decoding is bounded per input as Marian's ``--max-length-factor`` (:meth:`GenOptions.limit`), and an
output that reaches its bound or loops (:func:`is_loop`) is generated once more with
``no_repeat_ngram_size`` / ``repetition_penalty``; the better mean logprob of the two is kept and
the translation marked ``retried``. Sources are Moses-punctuation-normalised before tokenising
(:func:`punct_normalizer`). All three are fields of the signature (``maxlen``, ``retry``, ``punct``).
"""

from __future__ import annotations

import importlib.util
import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from bitext.errors import BitextError, EnvironmentProblem
from bitext.lang.text import repeat_run, words
from bitext.model import Signature
from bitext.translate.backends import (
    Backend,
    GenOptions,
    Output,
    check_backend,
    cuda_available,
    load_backend,
    token_batches,
)
from bitext.translate.models import (
    DEFAULT_MODEL,
    ModelRef,
    adapted_base,
    adapted_signature,
    identity_fingerprint,
    load_tokenizer,
    resolve_model,
)
from bitext.translate.split import SPLIT_POLICY, split_for_model


@dataclass(frozen=True)
class Translation:
    """One machine translation, as stored in the ``translations`` table."""

    source: str
    text: str
    logprob: float
    n_tokens: int
    n_unk: int
    hit_max_length: bool
    source_split: bool
    retried: bool = False


DEFAULT_MAX_LENGTH_FACTOR = 3.0
"""Marian's ``--max-length-factor`` default: an output may have 3x its source's tokens (+10)."""
RETRY_NO_REPEAT_NGRAM = 3
RETRY_REPETITION_PENALTY = 1.2
LOOP_NGRAM = 6  # longest n-gram looked for in a repetition loop (as the repetition flag)
LOOP_EXTRA_REPEATS = 2  # a loop: an n-gram repeated back to back 2+ times more than in the source
FIRST_BATCH_TOKENS = 512
"""Token budget of an engine's first batch: its outputs arrive within seconds (progress moves, the first
commit comes early) even on a slow CPU; later batches grow to what :data:`BATCH_SECONDS` allows."""
BATCH_SECONDS = 15.0
"""Aim of one batch's time (first decode + retry): batches are cut smaller than ``batch_tokens`` when the
measured speed would make them last longer, so the stage commits at least every ~30 s and a kill loses little."""


def punct_normalizer(tokenizer: Any = None) -> str:
    """'moses' when sources are Moses-punctuation-normalised before tokenising, else 'none'.

    OPUS-MT models were trained on Moses-normalised text. MarianTokenizer builds a sacremoses
    ``MosesPunctNormalizer`` when sacremoses is importable, but transformers 5 never calls it on
    ``tokenize()``/``__call__``: the engine applies it itself (:meth:`Engine._normalise`).
    """
    if not importlib.util.find_spec("sacremoses"):
        return "none"
    return "moses" if tokenizer is None or hasattr(tokenizer, "punc_normalizer") else "none"


def is_loop(output: str, source: str) -> bool:
    """True when ``output`` repeats an n-gram back to back at least 2 more times than ``source`` does
    (the rule of the ``repetition`` flag, on the same words)."""
    out, _ = repeat_run([w.lower() for w in words(output)], LOOP_NGRAM)
    if out <= LOOP_EXTRA_REPEATS:
        return False
    src, _ = repeat_run([w.lower() for w in words(source)], LOOP_NGRAM)
    return out - src >= LOOP_EXTRA_REPEATS


@dataclass
class _Job:
    source: str
    n_unk: int
    segments: list[list[int]]
    outputs: list[Output | None] = field(default_factory=list)
    remaining: int = 0


def translation_signature(
    ref: ModelRef, backend: Backend, opts: GenOptions, max_input_tokens: int, retry: GenOptions | None = None,
    punct: str | None = None,
) -> Signature:
    """The signature of translations made with these weights, backend and settings.

    Its ``str()`` keys the translation cache, so it must not change for the same settings, e.g.
    ``model:Helsinki-NLP/opus-mt-id-en@<commit>|backend:ctranslate2-int8|beams:6|lp:1|min_new:0|max_new:511|``
    ``maxlen:3x+10|retry:nr3,rp1.2|split:clause-v1/512|punct:moses``.
    """
    factor = opts.max_length_factor
    return Signature.of(
        ("model", ref.fingerprint),
        ("backend", f"{backend.name}-{backend.compute_type}"),
        ("beams", opts.beams),
        ("lp", float(opts.length_penalty)),
        ("min_new", opts.min_new_tokens),
        ("max_new", opts.max_new_tokens),
        ("maxlen", f"{factor:g}x+{opts.max_length_extra}" if factor is not None else "off"),
        ("retry", f"nr{retry.no_repeat_ngram_size},rp{retry.repetition_penalty:g}" if retry else "off"),
        ("split", f"{SPLIT_POLICY}/{max_input_tokens}"),
        ("punct", punct or punct_normalizer()),
    )


class Engine:
    """A loaded model + backend + generation settings; translates lists of texts in batches.

    Build with :func:`load_engine`. ``signature`` and ``settings`` describe exactly how its
    translations are made.
    """

    def __init__(
        self,
        ref: ModelRef,
        tokenizer: Any,
        backend: Backend,
        opts: GenOptions,
        batch_tokens: int,
        max_input_tokens: int,
        retry: bool = True,
    ) -> None:
        self.ref = ref
        self.tokenizer = tokenizer
        self.backend = backend
        self.opts = opts
        self.batch_tokens = batch_tokens
        self.max_input_tokens = max_input_tokens
        self.unk_id = tokenizer.unk_token_id
        self.batches_run = 0  # generate() calls: lets tests see that cached work is not redone
        self.pipeline = True  # generate the next batch while this one is decoded and committed (iter_translate)
        self.batch_seconds = BATCH_SECONDS
        self._tokens_per_second: float | None = None  # measured on the last batch (padded source tokens)
        self._last_budget = min(batch_tokens, FIRST_BATCH_TOKENS)
        self.retries_run = 0  # outputs generated a second time (runaway: at their limit or looping)
        # The retry of runaway outputs: the same search with repetition penalties.
        self.retry_opts = replace(opts, no_repeat_ngram_size=RETRY_NO_REPEAT_NGRAM,
                                  repetition_penalty=RETRY_REPETITION_PENALTY) if retry else None
        self.punct = punct_normalizer(tokenizer)
        self.signature = translation_signature(ref, backend, opts, max_input_tokens, self.retry_opts, self.punct)
        self.settings: dict[str, Any] = {
            # A local folder is named by its last component only: its full path (a home
            # directory, a user name) would otherwise travel into published dataset cards.
            "model": ref.name if ref.revision else Path(ref.name).name,
            "fingerprint": ref.fingerprint,
            "identity": identity_fingerprint(ref.path),  # config + tokenizer: publish recognises the model by it
            "adapted": adapted_signature(ref.path),  # bitext adapt's signature of an adapted model, else None
            "revision": ref.revision,
            "backend": backend.name,
            "compute_type": backend.compute_type,
            "device": backend.device,
            **asdict(opts),
            "retry": asdict(self.retry_opts) if self.retry_opts else None,
            "max_input_tokens": max_input_tokens,
            "split_policy": SPLIT_POLICY,
            "batch_tokens": batch_tokens,
            # MarianTokenizer normalises punctuation only when sacremoses is installed.
            "punct_normalizer": "sacremoses" if self.punct == "moses" else "none",
            "logprob": "mean log p per generated token, </s> included when emitted, <pad> excluded",
        }
        if self.settings["adapted"]:  # the published model it descends from: the dataset card names its base
            self.settings["adapted_base"] = adapted_base(ref.path)

    # -- preparing sources --

    def _fits(self, text: str) -> bool:
        return len(self.tokenizer(text)["input_ids"]) <= self.max_input_tokens

    def _hard_split(self, text: str) -> list[str]:
        pieces = self.tokenizer.tokenize(text)
        step = max(1, (self.max_input_tokens - 1) // 2)  # slack: re-tokenising may merge differently
        out = []
        for i in range(0, len(pieces), step):
            chunk = "".join(pieces[i : i + step]).replace("\u2581", " ").strip()
            if chunk:
                out.append(chunk)
        return out

    def _normalise(self, text: str) -> str:
        """``text`` Moses-punctuation-normalised (``„Halo“ …`` -> ``"Halo" ...``) when the model's
        tokenizer has the normaliser (see :func:`punct_normalizer`); the stored source stays as it was."""
        return self.tokenizer.punc_normalizer(text) if self.punct == "moses" and text else text

    def _prepare(self, texts: Sequence[str]) -> list[_Job]:
        jobs = []
        normalised = [self._normalise(t) for t in texts]
        for source, text, ids in zip(texts, normalised, self.tokenizer(normalised)["input_ids"], strict=True):
            n_unk = sum(1 for i in ids if i == self.unk_id)
            if len(ids) <= self.max_input_tokens:
                segments = [ids]
            else:
                pieces = split_for_model(text, self._fits, self._hard_split)
                segments = [self.tokenizer(p)["input_ids"] for p in pieces]
                # Last resort for pathological input: never let the model truncate silently.
                segments = [s[: self.max_input_tokens - 1] + s[-1:] if len(s) > self.max_input_tokens else s
                            for s in segments]
            jobs.append(_Job(source, n_unk, segments, [None] * len(segments), len(segments)))
        return jobs

    def _batches(self, jobs: list[_Job], budget: Callable[[], int] | None = None) -> Iterator[list[tuple[int, int]]]:
        """(job, segment) index pairs, longest first, cut so that rows x longest <= the budget (``budget()``,
        asked at the start of each batch; default ``batch_tokens``): :func:`token_batches`."""
        pairs = [(j, s) for j, job in enumerate(jobs) for s in range(len(job.segments))]
        lengths = [len(jobs[j].segments[s]) for j, s in pairs]
        for batch in token_batches(lengths, budget or self.batch_tokens):
            yield [pairs[k] for k in batch]

    def _budget(self) -> int:
        """The next batch's token budget: small at first, then what :attr:`batch_seconds` of the measured
        speed covers (growing at most 4x a batch), never above ``batch_tokens``."""
        if self._tokens_per_second is not None:
            timed = self._tokens_per_second * self.batch_seconds
            self._last_budget = max(64, int(min(self.batch_tokens, timed, 4 * self._last_budget)))
        return self._last_budget

    def batches(self, texts: Sequence[str]) -> list[list[list[int]]]:
        """The token id batches of ``batch_tokens`` each that :meth:`iter_translate` cuts at full speed
        (its first batches are smaller: see :data:`FIRST_BATCH_TOKENS`); for benchmarks and tests."""
        jobs = self._prepare(texts)
        return [[jobs[j].segments[s] for j, s in batch] for batch in self._batches(jobs)]

    # -- translating --

    def iter_translate(self, texts: Sequence[str]) -> Iterator[list[Translation]]:
        """Translate distinct ``texts``; after each batch, yield the translations it completed.

        Batches are sorted by length, so the order of completion is not the input order. With
        :attr:`pipeline` (the default) the next batch is generated in a worker thread while this one's
        outputs are decoded and the caller commits them: CTranslate2 and torch release the GIL while
        they compute, so the device does not wait for Python (the same batches, the same outputs).
        """
        jobs = self._prepare(texts)
        if not self.pipeline:
            for batch in self._batches(jobs, self._budget):
                yield self._collect(jobs, batch, self._generate([jobs[j].segments[s] for j, s in batch]))
            return
        from concurrent.futures import ThreadPoolExecutor

        # One batch ahead at most: memory stays that of two batches. Leaving the block (the caller
        # stopped, an error) waits for the batch in flight, so the backend never runs twice at once.
        with ThreadPoolExecutor(1, thread_name_prefix="bitext-generate") as pool:
            ahead: tuple[list[tuple[int, int]], Any] | None = None
            for batch in self._batches(jobs, self._budget):
                future = pool.submit(self._generate, [jobs[j].segments[s] for j, s in batch])
                if ahead is not None:
                    yield self._collect(jobs, ahead[0], ahead[1].result())
                ahead = (batch, future)
                if self._tokens_per_second is None:
                    # No speed measured yet: the next batch's budget must wait for this one's timing.
                    yield self._collect(jobs, batch, future.result())
                    ahead = None
            if ahead is not None:
                yield self._collect(jobs, ahead[0], ahead[1].result())

    def _generate(self, segments: list[list[int]]) -> list[Output]:
        """One batch through the backend (and the retry of its runaways); measures the speed for :meth:`_budget`."""
        start = time.perf_counter()
        outputs = self._retry_runaways(segments, self.backend.generate(segments, self.opts))
        elapsed = time.perf_counter() - start
        self._tokens_per_second = len(segments) * max(map(len, segments)) / max(elapsed, 1e-3)
        self.batches_run += 1
        return outputs

    def _collect(self, jobs: list[_Job], batch: list[tuple[int, int]], outputs: list[Output]) -> list[Translation]:
        """Store a batch's outputs in their jobs; the translations of the jobs it completed."""
        done = []
        for (j, s), out in zip(batch, outputs, strict=True):
            job = jobs[j]
            job.outputs[s] = out
            job.remaining -= 1
            if job.remaining == 0:
                done.append(self._finish(job))
                job.segments = []  # free memory early
        return done

    def _retry_runaways(self, segments: list[list[int]], outputs: list[Output]) -> list[Output]:
        """Generate runaway outputs (at their limit, or in a repetition loop) once more with
        repetition penalties and keep, per output, the one with the better mean logprob (both are
        the model's own log-probabilities: penalised outputs are re-scored by the backend)."""
        if self.retry_opts is None:
            return outputs
        runaway = self.runaways(segments, outputs)
        if not runaway:
            return outputs
        # Only the runaway rows go again (the backend re-scores them in budgeted sub-batches); the first
        # pass's tensors are gone by now: ``generate`` returned plain lists.
        again = self.backend.generate([segments[i] for i in runaway], self.retry_opts)
        self.retries_run += len(runaway)
        outputs = list(outputs)
        for i, new in zip(runaway, again, strict=True):
            best = new if new.logprob > outputs[i].logprob else outputs[i]
            outputs[i] = replace(best, retried=True)
        return outputs

    def runaways(self, segments: list[list[int]], outputs: list[Output]) -> list[int]:
        """Indexes of the outputs to generate again: at their length bound, or looping (:func:`is_loop`)."""
        texts = self.tokenizer.batch_decode([o.ids for o in outputs], skip_special_tokens=True)
        return [i for i, (o, t) in enumerate(zip(outputs, texts, strict=True)) if o.hit_max_length
                or is_loop(t, self.tokenizer.decode(segments[i], skip_special_tokens=True))]

    def _finish(self, job: _Job) -> Translation:
        outs = [o for o in job.outputs if o is not None]
        texts = self.tokenizer.batch_decode([o.ids for o in outs], skip_special_tokens=True)
        # Each output's mean is over its scored tokens (+1 for </s> when emitted).
        scored = [len(o.ids) + (0 if o.hit_max_length else 1) for o in outs]
        logprob = sum(o.logprob * n for o, n in zip(outs, scored, strict=True)) / max(1, sum(scored))
        return Translation(
            source=job.source,
            text=" ".join(t.strip() for t in texts if t.strip()),
            logprob=logprob,
            n_tokens=sum(len(o.ids) for o in outs),
            n_unk=job.n_unk,
            hit_max_length=any(o.hit_max_length for o in outs),
            source_split=len(outs) > 1,
            retried=any(o.retried for o in outs),
        )

    def translate(self, texts: Sequence[str]) -> list[Translation]:
        """Translate ``texts`` (duplicates translated once) and return results in input order."""
        distinct = list(dict.fromkeys(texts))
        by_source: dict[str, Translation] = {}
        for done in self.iter_translate(distinct):
            for t in done:
                by_source[t.source] = t
        return [by_source[t] for t in texts]


def _default_batch_tokens(device: str, beams: int, backend: str = "transformers") -> int:
    if device == "cuda":
        import torch

        gib = torch.cuda.get_device_properties(0).total_memory / 2**30
        # ~400 source tokens per GiB at one beam leaves room for the decoder states.
        return int(min(65536, max(4096, gib * 400)) // max(1, beams))
    # CPU: big enough for efficient matrix products, small enough to commit often. CTranslate2
    # keeps its memory flat and gains from bigger batches (beam 4, 64 FLORES sentences: 10.5
    # sent/s at 2048 tokens, 12.0 at 8192); the transformers backend peaks near 2048.
    base = 8192 if backend == "ctranslate2" else 4096
    return max(512, base // max(1, beams // 2))


def load_engine(
    model: str = DEFAULT_MODEL,
    *,
    revision: str | None = None,
    backend: str = "auto",
    beams: int | None = None,
    max_new_tokens: int | None = None,
    min_new_tokens: int | None = None,
    length_penalty: float | None = None,
    max_length_factor: float | None = DEFAULT_MAX_LENGTH_FACTOR,
    retry: bool = True,
    batch_tokens: int | None = None,
    device: str | None = None,
    compute_type: str | None = None,
    threads: int | None = None,
) -> Engine:
    """Load ``model`` with ``backend`` (a name of :data:`bitext.translate.backends.BACKENDS`, or
    'auto': the first that is installed and loads the model) and resolve the generation settings
    (model defaults + overrides).

    ``max_length_factor`` bounds each output as Marian's ``--max-length-factor``: at most
    ``int(factor * source tokens) + 10`` tokens, and never more than ``max_new_tokens`` (default: the
    model's limit); ``None`` or 0 turns the bound off. ``retry``: generate outputs that reach their
    bound or loop once more with repetition penalties and keep the better-scored one.
    """
    check_backend(backend)  # before anything is loaded
    for name, value in (("--beams", beams), ("--max-new-tokens", max_new_tokens), ("--batch-tokens", batch_tokens)):
        if value is not None and value < 1:
            raise BitextError(f"{name} {value}: must be at least 1", 2)
    if device is None:
        device = "cuda" if cuda_available() else "cpu"
    elif device not in ("cpu", "cuda"):
        raise BitextError(f"--device {device}: expected cpu or cuda", 2)
    if max_length_factor is not None and max_length_factor < 0:
        raise BitextError(f"--max-length-factor {max_length_factor:g}: must be 0 (off) or more", 2)
    elif device == "cuda" and not cuda_available():
        raise EnvironmentProblem("--device cuda: no CUDA device is available (torch.cuda.is_available() is False)")

    ref = resolve_model(model, revision)
    from transformers import AutoConfig, GenerationConfig

    config = AutoConfig.from_pretrained(ref.path)
    if (ref.path / "generation_config.json").is_file():
        gen = GenerationConfig.from_pretrained(ref.path)
    else:
        gen = GenerationConfig.from_model_config(config)
    tokenizer = load_tokenizer(ref.path)

    max_pos = getattr(config, "max_position_embeddings", None) or 512
    max_in = max_pos
    if isinstance(tokenizer.model_max_length, int) and tokenizer.model_max_length < 10**6:
        max_in = min(max_in, tokenizer.model_max_length)
    if max_new_tokens is None:
        # max_length counts the decoder start token.
        max_new_tokens = gen.max_new_tokens or ((gen.max_length - 1) if gen.max_length else max_pos - 1)
    max_new_tokens = min(max_new_tokens, max_pos - 1)  # the decoder has no positions beyond
    opts = GenOptions(
        beams=beams or gen.num_beams or 1,
        max_new_tokens=max_new_tokens,
        min_new_tokens=min(min_new_tokens or 0, max_new_tokens),
        length_penalty=float(length_penalty if length_penalty is not None else (gen.length_penalty or 1.0)),
        max_length_factor=float(max_length_factor) if max_length_factor else None,
    )
    chosen = load_backend(backend, ref, tokenizer, device, compute_type, threads)
    return Engine(ref, tokenizer, chosen, opts, batch_tokens or _default_batch_tokens(device, opts.beams, chosen.name),
                  max_in, retry=retry)


_ENGINE_CACHE: dict[str, Engine] = {}


def translate_texts(texts: list[str], **options: Any) -> list[Translation]:
    """Translate a list of texts without a store (for notebooks); results in input order.

    Takes the options of :func:`load_engine`; the last engine is kept, so repeated calls with
    the same options do not reload the model.
    """
    options.pop("quiet", None)
    options.pop("shard", None)
    key = json.dumps(options, sort_keys=True, default=str)
    engine = _ENGINE_CACHE.get(key)
    if engine is None:
        _ENGINE_CACHE.clear()
        engine = _ENGINE_CACHE[key] = load_engine(**options)
    return engine.translate(texts)
