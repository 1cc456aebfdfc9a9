"""Generation backends of ``bitext translate``: one interface, one module per backend, one registry.

A backend takes batches of source token ids (each ending in ``</s>``) and returns, per input, the
output token ids, a log-probability and whether the length limit stopped the output. Every
backend reports the same ``logprob``:

    logprob = (1/n) * sum_i log p(y_i | y_<i, x)

natural log, over the n generated tokens including the final ``</s>`` when one was emitted; the
softmax excludes ``<pad>`` (which the model may never emit: opus-mt bans it via
``bad_words_ids``, CTranslate2 drops it from the vocabulary).

:data:`BACKENDS` maps a ``--backend`` name to its class, in order of preference: ``auto`` takes
the first one that is installed and loads the model (:func:`load_backend`). A new backend is
one module plus one entry here; the CLI's choices come from :data:`BACKEND_CHOICES`.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from bitext.errors import BitextError, EnvironmentProblem

if TYPE_CHECKING:
    from bitext.translate.models import ModelRef

log = logging.getLogger("bitext.translate")
_QUIET = contextvars.ContextVar("bitext_translate_quiet", default=False)


def note(message: str) -> None:
    """Tell the user what a slow step is doing (one line on stderr), unless inside ``quiet_notes(True)``."""
    if not _QUIET.get():
        print(f"bitext: {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def quiet_notes(quiet: bool) -> Iterator[None]:
    """Within this block :func:`note` prints nothing when ``quiet`` (``--quiet`` runs)."""
    token = _QUIET.set(quiet)
    try:
        yield
    finally:
        _QUIET.reset(token)


@dataclass(frozen=True)
class GenOptions:
    """Generation settings shared by every backend."""

    beams: int
    max_new_tokens: int
    min_new_tokens: int = 0
    length_penalty: float = 1.0
    # Marian's --max-length-factor: an input of n source tokens (</s> included) may produce at most
    # min(max_new_tokens, int(factor * n) + max_length_extra) tokens; None = max_new_tokens for all.
    max_length_factor: float | None = None
    max_length_extra: int = 10
    # Set for the retry of runaway outputs only (0 / 1.0 = off).
    no_repeat_ngram_size: int = 0
    repetition_penalty: float = 1.0

    def limit(self, n_source: int) -> int:
        """The most tokens (</s> included) the output of an input of ``n_source`` token ids may have."""
        if self.max_length_factor is None:
            return self.max_new_tokens
        return max(1, min(self.max_new_tokens, int(self.max_length_factor * n_source) + self.max_length_extra))

    @property
    def penalised(self) -> bool:
        """True when generation changes the model's scores (the logprobs must then be re-scored)."""
        return bool(self.no_repeat_ngram_size) or self.repetition_penalty != 1.0


@dataclass(frozen=True)
class Output:
    """One generated output: ids without ``</s>``; see the module docstring for ``logprob``.

    ``hit_max_length``: the output stopped at its input's limit (:meth:`GenOptions.limit`) without
    ``</s>``; ``retried``: it was generated again with repetition penalties (see the engine).
    """

    ids: list[int]
    logprob: float
    hit_max_length: bool
    retried: bool = False


class Backend(Protocol):
    """What the engine needs of a backend. ``name`` and ``compute_type`` go into the signature."""

    name: ClassVar[str]
    requires: ClassVar[str]  # the package that must be importable (for the error message)
    device: str
    compute_type: str

    def __init__(
        self, ref: ModelRef, tokenizer: Any, device: str, compute_type: str | None = None, threads: int | None = None
    ) -> None: ...

    @classmethod
    def available(cls) -> bool:
        """True when the backend's package is installed."""
        ...

    def generate(self, batch: list[list[int]], opts: GenOptions) -> list[Output]:
        """Translate a batch of token id lists; one :class:`Output` per input, in order, each at most
        ``opts.limit(len(ids))`` tokens long (``</s>`` included)."""
        ...


def token_batches(lengths: Sequence[int], budget: int | Callable[[], int]) -> Iterator[list[int]]:
    """Indexes of ``lengths`` (token counts) in batches, longest first, each of rows x longest <= the budget
    (a single longer row goes alone). ``budget`` is a number, or asked at the start of each batch. The
    engine's generation batches and CTranslate2's re-scoring sub-batches are cut this way."""
    def limit() -> int:
        return budget() if callable(budget) else budget

    cap = limit()
    batch: list[int] = []
    width = 0
    for i in sorted(range(len(lengths)), key=lambda i: -lengths[i]):
        width_after = max(width, lengths[i])
        if batch and width_after * (len(batch) + 1) > cap:
            yield batch
            cap = limit()
            batch, width_after = [], lengths[i]
        batch.append(i)
        width = width_after
    if batch:
        yield batch


def default_threads() -> int:
    """CPU threads to use: OMP_NUM_THREADS if set, else the CPUs this process may run on."""
    env = os.environ.get("OMP_NUM_THREADS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def cuda_available() -> bool:
    """True when torch sees a CUDA device."""
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return False
    return torch.cuda.is_available()


def check_backend(name: str) -> None:
    """Raise a usage error (exit 2) unless ``name`` is 'auto' or a name in :data:`BACKENDS`."""
    if name not in BACKEND_CHOICES:
        raise BitextError(f"--backend {name}: expected one of {', '.join(BACKEND_CHOICES)}", 2)


def load_backend(
    name: str, ref: ModelRef, tokenizer: Any, device: str, compute_type: str | None, threads: int | None
) -> Backend:
    """The backend ``name`` loaded with ``ref``; ``auto`` = the first in :data:`BACKENDS` that is
    installed and loads the model (the others' failures are logged as warnings).

    With ``auto``, ``compute_type`` goes to the preferred backend only: compute type names differ
    between backends (``int8`` means nothing to transformers).
    """
    check_backend(name)
    if name != "auto":
        cls = BACKENDS[name]
        if not cls.available():
            raise EnvironmentProblem(f"--backend {name}: the {cls.requires} package is not installed")
        return cls(ref, tokenizer, device, compute_type, threads)
    classes = list(BACKENDS.values())
    for i, cls in enumerate(classes):
        if not cls.available():
            continue
        if i == len(classes) - 1:  # the last resort: its failure is the error
            return cls(ref, tokenizer, device, compute_type if i == 0 else None, threads)
        try:
            return cls(ref, tokenizer, device, compute_type if i == 0 else None, threads)
        except Exception as e:  # an unsupported architecture, a compute type it lacks, ...
            log.warning("bitext: %s; using %s", e, classes[i + 1].name)
    raise EnvironmentProblem(f"--backend auto: none of {', '.join(BACKENDS)} is installed")


# The registry, in order of preference for 'auto'. Imported last: the modules use the names above.
from .ct2 import CT2Backend  # noqa: E402
from .hf import TransformersBackend  # noqa: E402

BACKENDS: dict[str, type[Backend]] = {CT2Backend.name: CT2Backend, TransformersBackend.name: TransformersBackend}
BACKEND_CHOICES = ("auto", *BACKENDS)
"""``--backend`` values."""
