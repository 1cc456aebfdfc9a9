"""``--engine ray``: the translate stage on Ray, on a laptop (a local Ray started on demand) or a
cluster (``--ray-address`` / ``RAY_ADDRESS``).

The driver is the ordinary stage (:func:`bitext.translate.stage.translate_corpus`): it streams the
pending distinct sources out of the store in leased chunks and commits every batch of results in one
transaction keyed by :func:`bitext.store.translation_key`. Only the transport changes: a
:class:`RayEngine` stands in for the in-process :class:`~bitext.translate.engine.Engine`.

Its workers are a pool of Ray actors (:class:`_Translator`, one per ``--workers``, ``num_gpus=1`` each
when the cluster has GPUs) made once per run: each loads the model once and runs the ordinary engine,
so batching by token budget, splitting, scoring and the retry of runaway outputs are the same code.
The driver sorts each chunk by length, cuts it into batches of ``--ray-batch-size`` sources and keeps
two batches in flight per actor (one running, one queued, so an actor never waits on the driver);
results come back as they finish, each row carrying its source, from which the driver computes the
key, so the order does not matter.

Why actors and not ``Dataset.map_batches``: Ray Data starts a new actor pool, and so loads the model
again, for every Dataset (ray-project/ray#46479, persistent actors, is open), and the driver must cut
the store into chunks to keep memory bounded, so every chunk paid an actor start and a model load;
with one worker on two cores that was 34-63 % overhead (``scripts/bench_scale.py``). A pool that
outlives the chunks pays it once per run.

Only the driver writes SQLite: the store never needs to sit on a shared file system. A killed driver
resumes like the in-process stage (committed batches are kept, the rest is pending again). A dead
worker is Ray's to restart: each actor is restarted up to :data:`RESTARTS` times and its interrupted
batch resent (``max_restarts`` / ``max_task_retries``; translation is idempotent), after which the run
stops with one line instead of looping on a batch that kills every worker (out of GPU memory: lower
``--batch-tokens``). Every actor reports its engine signature; a worker whose signature differs from
the others' (another model version or backend on that node) stops the run instead of storing its
translations under the wrong key.

Importing this module does not import ray: that happens when a :class:`RayEngine` is made.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from bitext.errors import BitextError, EnvironmentProblem
from bitext.translate.engine import Translation, load_engine
from bitext.translate.stage import CHUNK_SOURCES, TranslateReport, translate_corpus

ENGINES = ("local", "ray")
"""Values of ``--engine``: ``local`` (in this process) or ``ray`` (Ray actors, local or a cluster)."""

RESTARTS = 3
"""Restarts of a dead actor (and resends of its batch) before the run stops."""

BATCH_SIZE = 256
"""Sources per actor call: big enough for the engine to pack batches by length."""

START_TIMEOUT_S = float(os.environ.get("BITEXT_RAY_START_TIMEOUT", 600))
"""Seconds to wait for every actor to start and load the model (``BITEXT_RAY_START_TIMEOUT``)."""

IN_FLIGHT = 2
"""Batches queued per actor: one running, one waiting, so the actor never waits on the driver."""

_FIELDS = ("source", "text", "logprob", "n_tokens", "n_unk", "hit_max_length", "source_split", "retried")


class _Translator:
    """The Ray actor: loads the engine once, then translates batches of sources."""

    def __init__(self, load_options: dict[str, Any]) -> None:
        # A constructor that raises makes Ray restart the actor and then report it dead, without the
        # reason; keeping the error and raising it from describe() brings the one line to the driver.
        try:
            self.engine = load_engine(**load_options)
        except BitextError as e:
            self.error: BitextError | None = e
            return
        self.error = None
        self.signature = str(self.engine.signature)

    def describe(self) -> tuple[str, dict[str, Any]]:
        """The signature and settings of this actor's engine (its loading error, raised here)."""
        if self.error is not None:
            raise self.error
        return self.signature, self.engine.settings

    def translate(self, sources: list[str]) -> tuple[str, list[tuple]]:
        """(signature, rows of :data:`_FIELDS`) for ``sources``, in any order."""
        rows = [tuple(getattr(t, name) for name in _FIELDS)
                for done in self.engine.iter_translate(sources) for t in done]
        return self.signature, rows


def connect(address: str | None = None, num_cpus: int | None = None, verbose: bool = False) -> str:
    """Connect to the Ray cluster at ``address`` (or ``RAY_ADDRESS``), or start a local Ray with
    ``num_cpus`` when neither is given; returns a one-word description. Already connected: reused.
    Ray's own output is hidden unless ``verbose`` (:func:`_quiet_ray`)."""
    try:
        import ray
    except ImportError:
        raise EnvironmentProblem("--engine ray needs ray: pip install 'bitext[ray]'") from None
    import logging

    address = address or os.environ.get("RAY_ADDRESS") or None
    if ray.is_initialized():
        return "connected"
    if address:
        _check_reachable(address)
    try:
        with _quiet_ray(verbose, address):
            if address:
                ray.init(address=address, include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
            else:
                ray.init(num_cpus=num_cpus or os.cpu_count() or 1, include_dashboard=False,
                         logging_level=logging.ERROR, log_to_driver=False)
    except Exception as e:  # ray raises ConnectionError, RuntimeError, ValueError... for a bad address
        where = f"--ray-address {address}" if address else "a local Ray"
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        hint = "" if verbose else "; --verbose shows Ray's own log lines"
        raise EnvironmentProblem(f"{where}: cannot start or reach Ray ({first[:200]}){hint}") from None
    return address or "local"


CONNECT_ATTEMPTS = 3
"""Attempts (about 1 s each) Ray makes to reach an address that answers but is not a Ray cluster (its
default is 20, each printing a warning); ``RAY_gcs_server_port_wait_time_s`` set by the user wins."""
CONNECT_TIMEOUT_S = 15.0
"""Seconds connecting to an address may take in all (``$BITEXT_RAY_CONNECT_TIMEOUT`` overrides)."""


@contextlib.contextmanager
def _quiet_ray(verbose: bool, address: str | None) -> Iterator[None]:
    """Around ``ray.init``: Ray's C++ core writes its warnings straight to file descriptor 2 (one a second
    while it retries an address), past Python's logging, so unless ``verbose`` that descriptor points at
    /dev/null meanwhile, and bitext's one line stays the only one. Connecting to an ``address``, Ray's
    retries are cut to :data:`CONNECT_ATTEMPTS` and the wait is bounded (:func:`_give_up_after`)."""
    if address:
        os.environ.setdefault("RAY_gcs_server_port_wait_time_s", str(CONNECT_ATTEMPTS))
    sys.stderr.flush()
    saved = os.dup(2)
    if not verbose:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)
    done = threading.Event()
    if address:
        threading.Thread(target=_give_up_after, args=(address, done, saved), daemon=True).start()
    try:
        yield
    finally:
        done.set()
        os.dup2(saved, 2)
        os.close(saved)


def _give_up_after(address: str, done: threading.Event, stderr_fd: int) -> None:
    """The wall-clock bound on connecting to an address: Ray blocks in C++ for up to 30 s per attempt
    against an endpoint that accepts connections but is no Ray cluster, where Python cannot interrupt
    it, so past ``$BITEXT_RAY_CONNECT_TIMEOUT`` (default :data:`CONNECT_TIMEOUT_S`) seconds the process
    says so in one line and exits (code 2). Nothing is written before the connection, so nothing is
    lost. A program that wants to wait longer calls ``ray.init`` itself first (:func:`connect` reuses it)."""
    try:
        limit = float(os.environ.get("BITEXT_RAY_CONNECT_TIMEOUT") or CONNECT_TIMEOUT_S)
    except ValueError:
        limit = CONNECT_TIMEOUT_S
    if done.wait(limit):
        return
    os.write(stderr_fd, f"bitext: error: --ray-address {address}: no Ray cluster answered within {limit:g} s "
             "(is it a Ray head's GCS port, 6379 by default? BITEXT_RAY_CONNECT_TIMEOUT=SECONDS waits longer)\n"
             .encode())
    os._exit(2)


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail in one line when ``host:port`` does not answer (Ray itself retries for a minute, noisily)."""
    import socket

    hostport = address.split("://", 1)[-1]
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():  # "auto" or an unusual form: Ray decides
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as e:
        raise EnvironmentProblem(f"--ray-address {address}: no Ray cluster answers there ({e.strerror or e})") from None


def _worker_error(e: Exception) -> BitextError:
    """One line for a failure inside an actor: its own BitextError (missing model...) as it is."""
    cause = getattr(e, "cause", None)
    if isinstance(cause, BitextError):
        return cause
    import ray

    if isinstance(e, ray.exceptions.RayActorError):
        return EnvironmentProblem(f"a ray worker died {RESTARTS + 1} times (out of memory? lower --batch-tokens,"
                                  " see the Ray logs)")
    last = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
    return EnvironmentProblem(f"ray worker failed: {last[:200]}")


class RayEngine:
    """Stands in for :class:`~bitext.translate.engine.Engine` in :func:`translate_corpus`: the same
    ``signature``, ``settings`` and :meth:`iter_translate`, with the work done by a pool of Ray actors.

    ``load_options`` are the keywords of :func:`load_engine`, used on every worker; ``workers`` actors
    (``num_gpus=1`` each when the cluster has GPUs and ``device`` is not ``cpu``; on CPU each gets an
    equal share of the cluster's CPUs as threads), ``batch_size`` sources per actor call,
    ``chunk_sources`` distinct sources the stage reads from the store at a time. The actors are made
    here, load the model once and live until :meth:`close` (or the end of the Ray session).
    """

    def __init__(
        self,
        load_options: dict[str, Any],
        *,
        address: str | None = None,
        workers: int = 1,
        num_cpus: int | None = None,
        batch_size: int = BATCH_SIZE,
        chunk_sources: int | None = None,
        verbose: bool = False,
    ) -> None:
        if workers < 1:
            raise BitextError(f"--workers {workers}: must be at least 1", 2)
        if batch_size < 1:
            raise BitextError(f"--ray-batch-size {batch_size}: must be at least 1", 2)
        connect(address, num_cpus, verbose)
        import ray

        self.workers = workers
        self.batch_size = batch_size
        self.chunk_sources = chunk_sources or CHUNK_SOURCES * 8 * workers
        gpus = ray.cluster_resources().get("GPU", 0)
        self.num_gpus = 1 if gpus >= 1 and load_options.get("device") != "cpu" else 0
        cpus = ray.cluster_resources().get("CPU", 1)
        self.num_cpus = 1 if self.num_gpus else max(1, int(cpus // workers))
        opts = dict(load_options)
        if not self.num_gpus and opts.get("threads") is None:
            opts["threads"] = int(self.num_cpus)
        self.load_options = opts
        actor = ray.remote(num_cpus=self.num_cpus, num_gpus=self.num_gpus, max_restarts=RESTARTS,
                           max_task_retries=RESTARTS)(_Translator)
        self.actors = [actor.remote(opts) for _ in range(workers)]
        futures = [a.describe.remote() for a in self.actors]
        ready, _ = ray.wait(futures, num_returns=len(futures), timeout=START_TIMEOUT_S)
        if len(ready) < len(futures):  # Ray waits for resources forever; a user wants to know
            self.close()
            need = f"{self.num_gpus} GPU" if self.num_gpus else f"{self.num_cpus} CPU"
            raise EnvironmentProblem(f"--workers {workers}: only {len(ready)} of {workers} ray workers ({need} each)"
                                     f" started within {START_TIMEOUT_S:g} s: the cluster has no room for more"
                                     " (fewer --workers, or free its resources)")
        try:
            described = ray.get(futures)
        except Exception as e:  # noqa: BLE001 - every Ray failure becomes one line
            self.close()
            raise _worker_error(e) from None
        signatures = {sig for sig, _ in described}
        if len(signatures) > 1:
            self.close()
            raise EnvironmentProblem(f"ray workers translate with different signatures ({' / '.join(sorted(signatures))}):"
                                     " install the same model and backend on every node")
        self.signature, settings = described[0]
        self.settings = {**settings, "engine": "ray", "workers": workers}

    def close(self) -> None:
        """End the actors (their model memory goes with them)."""
        import ray

        for a in getattr(self, "actors", []):
            ray.kill(a)
        self.actors = []

    def iter_translate(self, texts: Sequence[str]) -> Iterator[list[Translation]]:
        """Translate distinct ``texts`` on the actors; yield the translations of each finished batch."""
        import ray

        if not texts:
            return
        if not self.actors:
            raise BitextError("this RayEngine is closed", 2)
        # Similar lengths in one batch: the actor's engine pads less (it sorts within its batch only).
        ordered = sorted(texts, key=len)
        # Longest batches first (pop() takes from the end): the last ones to finish are the short ones.
        todo = [list(ordered[i : i + self.batch_size]) for i in range(0, len(ordered), self.batch_size)]
        running: dict[Any, Any] = {}  # future -> its actor

        def submit(actor: Any) -> None:
            if todo:
                running[actor.translate.remote(todo.pop())] = actor

        for actor in self.actors:
            for _ in range(IN_FLIGHT):
                submit(actor)
        try:
            while running:
                (ready,), _ = ray.wait(list(running), num_returns=1)
                actor = running.pop(ready)
                try:
                    signature, rows = ray.get(ready)
                except Exception as e:  # noqa: BLE001 - every Ray failure becomes one line
                    raise _worker_error(e) from None
                submit(actor)
                if signature != self.signature:
                    raise EnvironmentProblem(f"a ray worker translates with signature {signature}, the driver"
                                             f" expected {self.signature}: install the same model and backend on"
                                             " every node")
                yield [Translation(*row) for row in rows]
        finally:
            for future in running:  # interrupted (the driver stops, or a failure): drop queued work
                with contextlib.suppress(Exception):
                    ray.cancel(future)


def translate_stage(
    store: Any,
    *,
    engine: str = "local",
    ray_address: str | None = None,
    workers: int | None = None,
    ray_batch_size: int | None = None,
    ray_verbose: bool = False,
    shard: tuple[int, int] | None = None,
    quiet: bool = False,
    **options: Any,
) -> TranslateReport:
    """The translate stage with ``engine`` ``local`` (:func:`translate_corpus`) or ``ray``
    (:class:`RayEngine`); ``options`` are the keywords of :func:`load_engine`."""
    if engine not in ENGINES:
        raise BitextError(f"--engine {engine}: expected one of {', '.join(ENGINES)}", 2)
    if engine == "local":
        if ray_address or workers is not None:
            raise BitextError("--ray-address and --workers need --engine ray", 2)
        return translate_corpus(store, shard=shard, quiet=quiet, **options)
    ray_engine = RayEngine(options, address=ray_address, workers=1 if workers is None else workers,
                           batch_size=ray_batch_size or BATCH_SIZE, verbose=ray_verbose)
    try:
        return translate_corpus(store, shard=shard, quiet=quiet, engine=ray_engine)
    finally:
        ray_engine.close()
