"""``--engine ray``: the translate stage on Ray Data, on a laptop (a local Ray started on demand) or a
cluster (``--ray-address`` / ``RAY_ADDRESS``).

The driver is the ordinary stage (:func:`bitext.translate.stage.translate_corpus`): it streams the
pending distinct sources out of the store in leased chunks and commits every batch of results in one
transaction keyed by :func:`bitext.store.translation_key`. Only the transport changes: a
:class:`RayEngine` stands in for the in-process :class:`~bitext.translate.engine.Engine`. For each
chunk it builds a Ray Dataset of the sources (``ray.data.from_items``), sends it through
``map_batches`` with :class:`_Translator` (a callable class: each actor loads the model once and runs
the ordinary engine, so batching by token budget, splitting and scoring are the same code), and
streams the results back with ``iter_batches``. Each result row carries its source, from which the
driver computes the key, so Ray's output order does not matter.

Only the driver writes SQLite: the store never needs to sit on a shared file system. A killed driver
resumes like the in-process stage (committed batches are kept, the rest is pending again). A dead
worker is Ray's to retry, with Ray Data's defaults for actor pools: ``max_restarts=-1`` and
``max_task_retries=-1`` (restart the actor and resend its batch, without limit; Ray 2.60 deprecates
passing them through ``map_batches``). The flip side: a batch that kills its worker every time (out of
GPU memory) is retried forever, so watch the Ray dashboard or logs on a cluster. Every actor reports its engine signature; a worker whose signature differs from
the driver's (another model version or backend on that node) stops the run instead of storing its
translations under the wrong key.

Importing this module does not import ray: that happens when a :class:`RayEngine` is made.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any

from bitext.errors import BitextError, EnvironmentProblem
from bitext.translate.engine import Translation, load_engine
from bitext.translate.stage import CHUNK_SOURCES, TranslateReport, translate_corpus

ENGINES = ("local", "ray")
"""Values of ``--engine``: ``local`` (in this process) or ``ray`` (Ray Data, local or a cluster)."""

RETRIES = 3
"""Retries of the probe task (one model load that reports the workers' signature)."""

BATCH_SIZE = 256
"""Sources per ``map_batches`` call: big enough for the engine to pack batches by length."""

_FIELDS = ("source", "text", "logprob", "n_tokens", "n_unk", "hit_max_length", "source_split")


class _Translator:
    """The Ray Data actor: loads the engine once, then translates batches of sources."""

    def __init__(self, load_options: dict[str, Any]) -> None:
        self.engine = load_engine(**load_options)
        self.signature = str(self.engine.signature)

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {name: [] for name in (*_FIELDS, "signature")}
        for done in self.engine.iter_translate([str(s) for s in batch["source"]]):
            for t in done:
                for name in _FIELDS:
                    out[name].append(getattr(t, name))
                out["signature"].append(self.signature)
        return out


def _probe(load_options: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Signature and settings of the engine a worker loads (run as a Ray task where the actors run)."""
    engine = load_engine(**load_options)
    return str(engine.signature), engine.settings


def connect(address: str | None = None, num_cpus: int | None = None) -> str:
    """Connect to the Ray cluster at ``address`` (or ``RAY_ADDRESS``), or start a local Ray with
    ``num_cpus`` when neither is given; returns a one-word description. Already connected: reused."""
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
        if address:
            ray.init(address=address, include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
        else:
            ray.init(num_cpus=num_cpus or os.cpu_count() or 1, include_dashboard=False,
                     logging_level=logging.ERROR, log_to_driver=False)
    except Exception as e:  # ray raises ConnectionError, RuntimeError, ValueError... for a bad address
        where = f"--ray-address {address}" if address else "a local Ray"
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise EnvironmentProblem(f"{where}: cannot start or reach Ray ({first[:200]})") from None
    import ray.data

    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False  # the stage's own bar counts sentences
    ctx.print_on_execution_start = False
    logging.getLogger("ray.data").setLevel(logging.ERROR)  # no "execution finished" line per chunk
    return address or "local"


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


class RayEngine:
    """Stands in for :class:`~bitext.translate.engine.Engine` in :func:`translate_corpus`: the same
    ``signature``, ``settings`` and :meth:`iter_translate`, with the work done by Ray actors.

    ``load_options`` are the keywords of :func:`load_engine`, used on every worker; ``workers`` actors
    (``num_gpus=1`` each when the cluster has GPUs and ``device`` is not ``cpu``), ``batch_size``
    sources per actor call, ``chunk_sources`` distinct sources per Ray Dataset (one dataset per
    leased chunk of the store, so the actors start once per chunk).
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
    ) -> None:
        if workers < 1:
            raise BitextError(f"--workers {workers}: must be at least 1", 2)
        if batch_size < 1:
            raise BitextError(f"--ray-batch-size {batch_size}: must be at least 1", 2)
        self.where = connect(address, num_cpus)
        import ray

        self.workers = workers
        self.batch_size = batch_size
        self.chunk_sources = chunk_sources or CHUNK_SOURCES * 8 * workers
        gpus = ray.cluster_resources().get("GPU", 0)
        self.num_gpus = 1 if gpus >= 1 and load_options.get("device") != "cpu" else 0
        cpus = ray.cluster_resources().get("CPU", 1)
        # On CPU each actor gets an equal share of the cluster's CPUs, and as many torch/CT2 threads.
        self.num_cpus = 1 if self.num_gpus else max(1, int(cpus // workers))
        opts = dict(load_options)
        if not self.num_gpus and opts.get("threads") is None:
            opts["threads"] = int(self.num_cpus)
        self.load_options = opts
        probe = ray.remote(num_cpus=self.num_cpus, num_gpus=self.num_gpus, max_retries=RETRIES)(_probe)
        try:
            self.signature, self.settings = ray.get(probe.remote(opts))
        except ray.exceptions.RayTaskError as e:  # the worker's own BitextError (missing model...)
            cause = e.cause if isinstance(getattr(e, "cause", None), BitextError) else None
            if cause is not None:
                raise cause from None
            raise EnvironmentProblem(f"ray worker could not load the model: {str(e).splitlines()[-1][:200]}") from None
        self.settings = {**self.settings, "engine": "ray", "workers": workers}
        self.batches_run = 0

    def iter_translate(self, texts: Sequence[str]) -> Iterator[list[Translation]]:
        """Translate distinct ``texts`` on the actors; yield the translations of each returned batch."""
        import ray.data

        if not texts:
            return
        ds = ray.data.from_items([{"source": t} for t in texts],
                                 override_num_blocks=max(1, min(len(texts) // self.batch_size + 1, 64)))
        ds = ds.map_batches(
            _Translator,
            fn_constructor_kwargs={"load_options": self.load_options},
            batch_size=self.batch_size,
            compute=ray.data.ActorPoolStrategy(size=self.workers),
            num_cpus=self.num_cpus,
            num_gpus=self.num_gpus,
        )
        for batch in ds.iter_batches(batch_size=None, batch_format="numpy", prefetch_batches=1):
            n = len(batch["source"])
            if n and set(batch["signature"]) != {self.signature}:
                other = next(s for s in batch["signature"] if s != self.signature)
                raise EnvironmentProblem(f"a ray worker translates with signature {other}, the driver expected"
                                         f" {self.signature}: install the same model and backend on every node")
            self.batches_run += 1
            yield [
                Translation(
                    source=str(batch["source"][i]),
                    text=str(batch["text"][i]),
                    logprob=float(batch["logprob"][i]),
                    n_tokens=int(batch["n_tokens"][i]),
                    n_unk=int(batch["n_unk"][i]),
                    hit_max_length=bool(batch["hit_max_length"][i]),
                    source_split=bool(batch["source_split"][i]),
                )
                for i in range(n)
            ]


def translate_stage(
    store: Any,
    *,
    engine: str = "local",
    ray_address: str | None = None,
    workers: int | None = None,
    ray_batch_size: int | None = None,
    shard: tuple[int, int] | None = None,
    quiet: bool = False,
    **options: Any,
) -> TranslateReport:
    """The translate stage with ``engine`` ``local`` (:func:`translate_corpus`) or ``ray``
    (:class:`RayEngine`); ``options`` are the keywords of :func:`load_engine`."""
    if engine not in ENGINES:
        raise BitextError(f"--engine {engine}: expected one of {', '.join(ENGINES)}", 2)
    if engine == "local":
        if ray_address or workers:
            raise BitextError("--ray-address and --workers need --engine ray", 2)
        return translate_corpus(store, shard=shard, quiet=quiet, **options)
    ray_engine = RayEngine(options, address=ray_address, workers=workers or 1, batch_size=ray_batch_size or BATCH_SIZE)
    return translate_corpus(store, shard=shard, quiet=quiet, engine=ray_engine)
