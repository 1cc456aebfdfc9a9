"""Option groups shared by several commands, spelled once (sqlite-utils style).

``add_translation_options(parser)`` adds the model and generation options to ``translate`` and
``run``; ``translation_kwargs(args)`` turns them into the keyword arguments of
:func:`bitext.translate.translate_corpus`, ``engine_kwargs(args)`` the ``--engine`` options of
:func:`bitext.translate.distributed.translate_stage`. Importing this module loads no torch or ray.
"""

from __future__ import annotations

import argparse
import functools
from typing import Any

from bitext.translate.backends import BACKEND_CHOICES
from bitext.translate.distributed import BATCH_SIZE, ENGINES
from bitext.translate.models import DEFAULT_MODEL

# option dest -> translate_corpus keyword (the same names)
_TRANSLATION_KEYS = ("model", "revision", "backend", "beams", "max_new_tokens", "max_length_factor", "min_new_tokens",
                     "length_penalty", "batch_tokens", "device", "compute_type", "threads", "retry")
_ENGINE_KEYS = ("engine", "ray_address", "workers", "ray_batch_size", "ray_verbose")


@functools.cache  # one function per minimum: commands sharing an option share its type
def count(minimum: int) -> Any:
    """An argparse type: an integer of at least ``minimum``, else one line naming the option's rule."""
    def parse(value: str) -> int:
        try:
            n = int(value)
        except ValueError:
            n = minimum - 1
        if n < minimum:
            raise argparse.ArgumentTypeError(f"{value!r}: must be a whole number, at least {minimum}")
        return n
    return parse


def add_translation_options(p: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """The model and generation options (``--model`` ... ``--threads``)."""
    p.add_argument("--model", default=DEFAULT_MODEL, help=f"Hub id or local folder (default {DEFAULT_MODEL})")
    p.add_argument("--revision", help="Hub revision (branch, tag or commit) of --model")
    p.add_argument("--backend", choices=BACKEND_CHOICES, default="auto",
                   help="auto = ctranslate2 if it is installed and the model converts (default)")
    p.add_argument("--beams", type=int, metavar="N", help="beam size (default: the model's generation config)")
    p.add_argument("--max-new-tokens", type=int, metavar="N",
                   help="absolute output length limit (default: the model's)")
    p.add_argument("--max-length-factor", type=float, metavar="X", default=3.0,
                   help="as Marian: an output may have X times its source's tokens + 10, at most --max-new-tokens;"
                   " outputs reaching it or looping are retried once with repetition penalties (default 3; 0 = off)")
    p.add_argument("--no-retry", dest="retry", action="store_false",
                   help="keep outputs that reach their bound or loop as they are: no second run with repetition"
                   " penalties (the signature says retry:off, so earlier translations are not reused)")
    p.add_argument("--min-new-tokens", type=int, metavar="N", help="minimum output length (default 0)")
    p.add_argument("--length-penalty", type=float, metavar="X", help="beam length penalty (default: the model's)")
    p.add_argument("--batch-tokens", type=int, metavar="N", help="padded source tokens per batch (default: by device)")
    p.add_argument("--device", choices=("cpu", "cuda"), help="default: cuda if available")
    p.add_argument("--compute-type", metavar="TYPE",
                   help="e.g. float32, float16, int8, int8_float16 (default: int8[_float16] for ctranslate2,"
                   " float32/float16 for transformers)")
    p.add_argument("--threads", type=int, metavar="N", help="CPU threads (default: all this process may use)")
    p.add_argument("--engine", choices=ENGINES, default="local",
                   help="local = in this process (default); ray = a pool of Ray actors, on a local Ray or --ray-address")
    p.add_argument("--ray-address", metavar="HOST:PORT",
                   help="Ray cluster to run --engine ray on (default: $RAY_ADDRESS, else a local Ray started here)")
    p.add_argument("--workers", type=count(1), metavar="N",
                   help="--engine ray: model actors, at least 1 (one GPU each when there are GPUs; default 1)")
    p.add_argument("--ray-batch-size", type=int, metavar="N",
                   help=f"--engine ray: sources per actor call (default {BATCH_SIZE})")
    p.add_argument("--verbose", dest="ray_verbose", action="store_true",
                   help="--engine ray: let Ray print its own log lines (hidden by default)")


def translation_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """The model and generation options added by :func:`add_translation_options`, as ``translate_corpus`` keywords."""
    return {key: getattr(args, key) for key in _TRANSLATION_KEYS}


def engine_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """The ``--engine`` options added by :func:`add_translation_options` (``translate_stage`` keywords)."""
    return {key: getattr(args, key) for key in _ENGINE_KEYS}


def add_shard_options(p: argparse.ArgumentParser, engine: bool = True) -> None:
    """``--shard I`` (one shard of a sharded corpus) and, with ``engine``, ``--engine`` / ``--ray-address``
    (the shards as Ray tasks): the options of the commands that work on every shard (:mod:`bitext.sharded`)."""
    p.add_argument("--shard", type=count(0), metavar="I",
                   help="a sharded corpus: only shard I (the same as naming CORPUS/shards/<I>-of-<N>)")
    if engine:
        add_engine_options(p)


def add_engine_options(p: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--engine`` / ``--ray-address`` of the commands that run a stage on every shard of a sharded corpus."""
    p.add_argument("--engine", choices=ENGINES, default="local",
                   help="a sharded corpus: local = one shard after the other here (default); ray = a Ray task per"
                   " shard, on a local Ray or --ray-address")
    p.add_argument("--ray-address", metavar="HOST:PORT",
                   help="Ray cluster for --engine ray (default: $RAY_ADDRESS, else a local Ray started here)")
