"""Measuring pairs in worker processes: the checks are pure functions of a :class:`PairView` and take
about two thirds of the flag stage's time, so :func:`flag_corpus` hands batches of views to a pool
while it reads the next batch and writes the previous one (only the calling process touches SQLite).

Results come back in submission order, so the rows written are the same with any number of workers.
On Linux workers are forked: ``spawn`` (and ``forkserver``) run the caller's main module again in every
worker, which breaks any script that calls :func:`flag_corpus` without an ``if __name__ == "__main__"``
guard. They are forked before the progress bar starts its thread, and never touch the inherited SQLite
connection (a worker only measures; it ends with ``os._exit``, which closes nothing). They are spawned
instead elsewhere (macOS, Windows: ``fork`` unsafe or missing) and when this process runs Ray (``bitext
run --engine ray``: Ray's native gRPC threads do not survive a fork; the CLI's main module is guarded).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Collection, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from bitext.errors import BitextError
from bitext.flags.base import Check, PairView
from bitext.flags.config import Config, build_checks
from bitext.flags.context import current_glossary, current_lexicon, use_glossary, use_lexicon
from bitext.flags.scores import stored_row
from bitext.lexicon import Lexicon

POOL_MIN_PAIRS = 5_000
"""Below this many pairs to flag, starting workers (about 1 s each: imports, language models) costs more
than it saves, so :func:`default_workers` measures in the calling process."""
MAX_DEFAULT_WORKERS = 4
"""Past about 3 workers the calling process (reading views, writing rows) is the bottleneck."""

Row = tuple[Any, ...]


def measure(checks: Sequence[Check], views: Sequence[PairView], only: Collection[str] = (),
            flagged: Collection[str] = ()) -> list[Row]:
    """The ``pair_flags`` rows of ``views`` with their evidence (:data:`bitext.store.FLAG_EVIDENCE_COLUMNS`):
    one per applicable check, in view then check order. Views whose id is in ``flagged`` are measured with
    the checks named in ``only`` alone (pairs flagged before, for checks turned on or changed since)."""
    some = [c.name in only for c in checks]
    # Every row keeps its evidence (bitext.store packs it): one that does not fire keeps no reason, and a
    # re-decision that makes it fire writes one from the evidence.
    return [stored_row(r, view.id) for view in views
            for c, s in zip(checks, some, strict=True)
            if (s or view.id not in flagged) and (r := c.run(view)) is not None]


def default_workers(n_pairs: int) -> int:
    """Worker processes for flagging ``n_pairs``: none for small runs or one core, else one per core up
    to :data:`MAX_DEFAULT_WORKERS`."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if n_pairs < POOL_MIN_PAIRS or cores < 2:
        return 0
    return min(cores, MAX_DEFAULT_WORKERS)


def start_method() -> str:
    """How workers start: ``fork`` on Linux unless Ray runs in this process, else ``spawn``."""
    ray = sys.modules.get("ray")
    if not sys.platform.startswith("linux") or (ray is not None and getattr(ray, "is_initialized", lambda: False)()):
        return "spawn"
    return "fork"


class Pending(Protocol):
    def result(self) -> list[Row]: ...


class _Done:
    """An in-process measurement, shaped as a future."""

    def __init__(self, rows: list[Row]) -> None:
        self._rows = rows

    def result(self) -> list[Row]:
        return self._rows


_CHECKS: list[Check] = []


def _init_worker(config: Config, calibration: Any = None, lexicon: Lexicon | None = None,
                 glossary: Any = None) -> None:
    global _CHECKS
    _CHECKS = build_checks(config, calibration)
    use_lexicon(lexicon)  # forked: the parent's own object, not copied; spawned: unpickled once here
    use_glossary(glossary)


def _measure_in_worker(views: Sequence[PairView], only: Collection[str], flagged: Collection[str]) -> list[Row]:
    return measure(_CHECKS, views, only, flagged)


class Measurer:
    """Submit batches of views, get their rows back in order: in this process (``workers`` 0) or in a
    pool of ``workers`` processes. A context manager: leaving it stops the pool (pending work dropped)."""

    def __init__(self, config: Config, checks: Sequence[Check], workers: int, calibration: Any = None) -> None:
        self.checks = checks
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        if workers > 0:
            method = start_method()
            self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                                             initializer=_init_worker, initargs=(config, calibration, current_lexicon(),
                                                                                   current_glossary()))
            # With fork, the pool starts all its processes on the first submit: do it now, before the
            # caller starts other threads (the progress bar's).
            self._pool.submit(int).result()

    @property
    def depth(self) -> int:
        """How many batches may be in flight: two per worker keeps each busy while results are written."""
        return 2 * self.workers

    def submit(self, views: Sequence[PairView], only: Collection[str] = (), flagged: Collection[str] = ()
               ) -> Pending:
        """Start measuring ``views`` (those in ``flagged`` with the checks ``only``: see :func:`measure`);
        ``.result()`` gives their rows (raises what measuring raised)."""
        if self._pool is None:
            return _Done(measure(self.checks, views, only, flagged))
        return _Guarded(self._pool.submit(_measure_in_worker, list(views), set(only), set(flagged)))

    def __enter__(self) -> Measurer:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


class _Guarded:
    """A worker's future whose death (killed, out of memory) is one line, not a traceback."""

    def __init__(self, future: Future[list[Row]]) -> None:
        self._future = future

    def result(self) -> list[Row]:
        try:
            return self._future.result()
        except BrokenProcessPool as e:
            raise BitextError(
                "a flag worker process died (out of memory or killed?); the pairs flagged so far are kept: "
                "re-run 'bitext flag' to go on, with '--workers 0' to measure in one process"
            ) from e
