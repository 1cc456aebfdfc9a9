"""The stages over a sharded corpus (:mod:`bitext.shards`): one task per shard, on Ray or in this process.

With ``engine="ray"`` each shard's stage is a Ray task (a local Ray started on demand, or the cluster at
``ray_address`` / ``RAY_ADDRESS``, as :mod:`bitext.translate.distributed` connects); with ``"local"`` the
shards are done one after the other here (each stage keeps its own parallelism: the flag workers, the
translation threads). A task opens its shard's store by path and writes only that store, so on a cluster
the shard folders must be reachable at the same path from every node (a shared file system; one writer
per shard at a time, as SQLite wants).

Results equal one store's (``tests/test_shards.py``) because what is corpus-wide is computed over all
shards and then applied to each:

* segment: every article goes to the shard of its id (:func:`bitext.shards.shard_of`); each task reads
  every input and keeps its own articles, so only the reading is repeated, not the segmentation.
* translate: one Ray actor pool (:class:`~bitext.translate.distributed.RayEngine`, GPUs when the cluster
  has them) serves every shard in turn: the model loads once per run; the driver writes each shard.
* lexicon: learned once from every shard's translations and reference pairs (:mod:`bitext.lexicon.shared`)
  and installed in every shard; a per-shard lexicon would judge by different counts in each shard.
* align: per article, so per shard as it is. (The length model of ``--reference`` alignment is fitted
  per store: per shard here, a different fit from one store's.)
* flag: the duplicate check's first occurrences are merged over the shards (the first in corpus order
  wins), and the length checks' calibration is fitted on every shard's scores, then re-decided in each.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from bitext.align import AlignReport, align_corpus
from bitext.errors import BitextError
from bitext.flags import flag_corpus
from bitext.flags.calibration import calibration_scores
from bitext.flags.config import build_checks
from bitext.flags.stage import effective_config, first_occurrences, stored_calibration
from bitext.ingest import IngestReport, ingest
from bitext.lexicon import build_lexicon
from bitext.lexicon.build import LexiconReport
from bitext.lexicon.shared import LEXICON_DIR, gather, install
from bitext.shards import Layout, create_layout, read_layout, shard_of, store_folders
from bitext.store import DB_NAME, Store
from bitext.translate.distributed import BATCH_SIZE, RayEngine, connect, translate_stage
from bitext.translate.stage import TranslateReport, translate_corpus

ENGINES = ("local", "ray")


# -- running one function per shard ---------------------------------------------------------------

def map_shards(fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]], engine: str = "local",
               ray_address: str | None = None) -> list[Any]:
    """``[fn(*args) for args in calls]``: in order here (``engine="local"``) or as Ray tasks, one CPU each
    (``"ray"``); results in the order of ``calls``. A task's BitextError comes back as its one line."""
    if engine not in ENGINES:
        raise BitextError(f"--engine {engine}: expected one of {', '.join(ENGINES)}", 2)
    if engine == "local" or not calls:
        return [fn(*args) for args in calls]
    connect(ray_address)
    import ray

    from bitext.translate.distributed import _worker_error

    # Every stage skips work already done, so a task that died with its node is simply run again.
    remote = ray.remote(num_cpus=1, max_retries=2)(fn)
    futures = [remote.remote(*args) for args in calls]
    try:
        return ray.get(futures)
    except Exception as e:  # noqa: BLE001 - a task's failure becomes one line
        for f in futures:
            ray.cancel(f)
        raise _worker_error(e) from None


def _sum(reports: Sequence[Any]) -> Any:
    """One report of the shards' reports (same dataclass): numbers and dicts of numbers added, tuples of
    lines joined without repeats (every shard reads every input: its problems are said once), anything else
    the first shard's that has it."""
    first = reports[0]
    out = {}
    for f in dataclasses.fields(first):
        values = [getattr(r, f.name) for r in reports]
        v0 = values[0]
        if isinstance(v0, bool) or not values:
            out[f.name] = v0
        elif isinstance(v0, int | float) and all(isinstance(v, int | float) for v in values):
            out[f.name] = sum(values)
        elif isinstance(v0, dict):
            merged: dict[Any, Any] = {}
            for v in values:
                for k, n in v.items():
                    merged[k] = merged.get(k, 0) + n
            out[f.name] = merged
        elif isinstance(v0, tuple):
            out[f.name] = tuple(dict.fromkeys(x for v in values for x in v))
        else:
            out[f.name] = next((v for v in values if v is not None), v0)
    return dataclasses.replace(first, **out)


# -- the stages, one task each --------------------------------------------------------------------

def _segment_task(folder: str, inputs: list[str], shard: int, n: int, options: dict[str, Any]) -> IngestReport:
    with Store.open(folder) as store:
        return ingest(store, inputs, keep=lambda article_id: shard_of(article_id, n) == shard, **options)


def segment_shards(corpus: str | Path, inputs: Iterable[str | Path], shards: int | None = None, *,
                   engine: str = "local", ray_address: str | None = None, **options: Any) -> IngestReport:
    """Segment ``inputs`` into the sharded corpus ``corpus`` (made with ``shards`` shards when it is not one
    yet; ``shards`` None: the corpus's own count); ``options`` are :func:`bitext.ingest.ingest`'s keywords.
    One report for the corpus: counts summed, each problem said once."""
    layout = read_layout(corpus)
    if layout is None or shards is not None:
        if shards is None:
            raise BitextError(f"{corpus}: not a sharded corpus (give --shards N to make one)", 2)
        layout = create_layout(corpus, shards)
    names = [str(p) for p in inputs]
    root = layout.root.resolve()
    _share_corpus_id(layout)
    # The corpus folder itself as an input means "the articles already in it" (ingest's rule): each shard's own.
    calls = [[str(layout.folder(i)) if Path(p).resolve() == root else p for p in names] for i in range(layout.count)]
    reports = map_shards(_segment_task, [(str(layout.folder(i)), own, i, layout.count, options)
                                         for i, own in enumerate(calls)], engine, ray_address)
    total = _sum(reports)
    # "no articles read": an empty shard says it of the corpus folder as input; it is true only if every shard says it.
    if not all(any(p.startswith("no articles read") for p in r.problems) for r in reports):
        total = dataclasses.replace(total, problems=tuple(p for p in total.problems
                                                          if not p.startswith("no articles read")))
    return total


def _share_corpus_id(layout: Layout) -> None:
    """Give every shard the corpus's one identity (meta ``corpus.id``: review files name it), made once."""
    import uuid

    from bitext.model import MetaKey

    stores = [Store.open(f) for f in layout.folders()]
    try:
        found = [cid for s in stores if (cid := s.get_meta(MetaKey.CORPUS_ID))]
        cid = found[0] if found else uuid.uuid4().hex
        for s in stores:
            if s.get_meta(MetaKey.CORPUS_ID) is None:
                s.set_meta(MetaKey.CORPUS_ID, cid)
    finally:
        for s in stores:
            s.close()


def translate_shards(folders: Sequence[Path], *, engine: str = "local", ray_address: str | None = None,
                     workers: int | None = None, ray_batch_size: int | None = None, ray_verbose: bool = False,
                     quiet: bool = False, **options: Any) -> TranslateReport:
    """Translate every shard; ``options`` are :func:`bitext.translate.engine.load_engine`'s keywords. With
    ``engine="ray"`` one actor pool serves all shards (the model loads once); the driver writes each store."""
    ray_engine = None if engine == "local" else RayEngine(
        options, address=ray_address, workers=1 if workers is None else workers,
        batch_size=ray_batch_size or BATCH_SIZE, verbose=ray_verbose)
    try:
        reports = []
        for folder in folders:
            with Store.open(folder, create=False) as store:
                reports.append(
                    translate_stage(store, engine="local", ray_address=ray_address, workers=workers, quiet=quiet,
                                    **options) if ray_engine is None
                    else translate_corpus(store, quiet=quiet, engine=ray_engine))
        return _sum(reports)
    finally:
        if ray_engine is not None:
            ray_engine.close()


def lexicon_shards(corpus: str | Path, *, rebuild: bool = False, quiet: bool = False) -> LexiconReport:
    """Build or refresh the one lexicon of the sharded corpus ``corpus`` from every shard's pairs and install
    it in every shard (:mod:`bitext.lexicon.shared`)."""
    layout = _layout(corpus)
    with Store.open(layout.root / LEXICON_DIR) as lexicon_store:
        for i, folder in enumerate(layout.folders()):
            with Store.open(folder, create=False, read_only=True) as shard:
                gather(lexicon_store, shard, layout.folder(i).name)
        report = build_lexicon(lexicon_store, rebuild=rebuild, quiet=quiet)
        for folder in layout.folders():
            with Store.open(folder, create=False) as shard:
                install(lexicon_store, shard)
    return report


def _align_task(folder: str, reference: Path | None, encoding: str | None) -> AlignReport:
    with Store.open(folder, create=False) as store:
        return align_corpus(store, reference=reference, encoding=encoding, quiet=True)


def align_shards(folders: Sequence[Path], *, reference: Path | None = None, encoding: str | None = None,
                 engine: str = "local", ray_address: str | None = None) -> AlignReport:
    """Align every shard (a task each); one report for the corpus."""
    return _sum(map_shards(_align_task, [(str(f), reference, encoding) for f in folders], engine, ray_address))


def _firsts_task(folder: str) -> list[tuple[bytes, tuple[str, str, int, str]]]:
    with Store.open(folder, create=False, read_only=True) as store:
        return list(first_occurrences(store))


def _flag_task(folder: str, config: str | None, first_seen: dict[bytes, str], workers: int | None,
               model: str | None, corpus_scores: dict[str, Any] | None) -> Any:
    with Store.open(folder, create=False) as store:
        return flag_corpus(store, config, quiet=True, workers=workers, model=model, first_seen=first_seen,
                           corpus_scores=corpus_scores)


def _scores_task(folder: str, sample: int) -> dict[str, dict[str, list[float]]]:
    with Store.open(folder, create=False, read_only=True) as store:
        checks = build_checks(effective_config(store, None).config, stored_calibration(store))
        return calibration_scores(store, checks, sample)


def flag_shards(folders: Sequence[Path], *, config_path: str | Path | None = None, workers: int | None = None,
                model: str | Path | None = None, engine: str = "local", ray_address: str | None = None) -> Any:
    """Flag every shard as part of one corpus: duplicates judged corpus-wide, length bounds calibrated on
    every shard's scores (see the module's doc); one :class:`~bitext.flags.stage.FlagReport`."""
    from bitext.flags.calibration import SAMPLE

    if engine == "ray" and workers is None:
        workers = 0  # a Ray task has one CPU: Ray runs the shards side by side instead of a process pool
    firsts = map_shards(_firsts_task, [(str(f),) for f in folders], engine, ray_address)
    elsewhere = _elsewhere(firsts)
    config = None if config_path is None else str(config_path)
    model_arg = None if model is None else str(model)
    reports = map_shards(_flag_task, [(str(f), config, elsewhere[i], workers, model_arg, None)
                                      for i, f in enumerate(folders)], engine, ray_address)
    # The calibration of the whole corpus: every shard's scores (a sample each, about SAMPLE in all).
    found = map_shards(_scores_task, [(str(f), max(1, SAMPLE // len(folders))) for f in folders], engine, ray_address)
    merged: dict[str, dict[str, list[float]]] = {}
    for part in found:
        for check, kinds in part.items():
            for kind, values in kinds.items():
                merged.setdefault(check, {}).setdefault(kind, []).extend(values)
    again = map_shards(_flag_task, [(str(f), None, elsewhere[i], workers, None, merged)
                                    for i, f in enumerate(folders)], engine, ray_address)
    total = _sum(reports)
    needs = sum(r.needs_review for r in again)  # after the corpus-wide calibration
    return dataclasses.replace(total, needs_review=needs, redecided=total.redecided + sum(r.redecided for r in again))


def _elsewhere(firsts: Sequence[Sequence[tuple[bytes, tuple[str, str, int, str]]]]) -> list[dict[bytes, str]]:
    """Per shard: duplicate key -> the corpus-wide first pair id, for the keys whose first pair (smallest
    corpus position over all shards) is in another shard. Memory: one entry per distinct key."""
    best: dict[bytes, tuple[tuple[str, str, int, str], int]] = {}
    for i, part in enumerate(firsts):
        for k, pos in part:
            seen = best.get(k)
            if seen is None or pos < seen[0]:
                best[k] = (pos, i)
    out: list[dict[bytes, str]] = [{} for _ in firsts]
    for i, part in enumerate(firsts):
        for k, _ in part:
            pos, where = best[k]
            if where != i:
                out[i][k] = pos[3]
    return out


# -- status ----------------------------------------------------------------------------------------

def _layout(corpus: str | Path) -> Layout:
    layout = read_layout(corpus)
    if layout is None:
        raise BitextError(f"{corpus}: not a sharded corpus", 2)
    return layout


def sum_status(statuses: Sequence[dict[str, Any]], root: Path) -> dict[str, Any]:
    """One :func:`bitext.pipeline.corpus_status` dict of the shards' (numbers added, the rest kept when the
    shards agree, else the distinct values listed), ``store`` the corpus folder, and ``shards``: the
    per-shard dicts."""
    def merge(values: list[Any]) -> Any:
        if all(isinstance(v, dict) for v in values):
            keys = list(dict.fromkeys(k for v in values for k in v))
            return {k: merge([v[k] for v in values if k in v]) for k in keys}
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            return sum(values)
        distinct = list({json.dumps(v, sort_keys=True): v for v in values if v is not None}.values())
        return (distinct or [None])[0] if len(distinct) <= 1 else distinct

    total = merge(list(statuses))
    total["store"] = str(root)
    total["shards"] = list(statuses)
    return total


def shard_lines(status: dict[str, Any]) -> list[str]:
    """One line per shard of a summed status: articles, sentences, translated, pairs, checked, needing review."""
    lines = []
    for s in status.get("shards", []):
        name = Path(s["store"]).parent.name
        lines.append(f"  {name}  {s['articles']} articles, {s['sentences']} sentences, "
                     f"{s['translate']['translated']} translated, {s['align']['pairs']} pairs, "
                     f"{s['flag']['pairs_checked']} checked, {s['flag']['flagged']} need review")
    return lines


def heads(folders: Sequence[Path]) -> list[Path]:
    """The folders that hold a store (a shard never segmented into has none yet)."""
    return [f for f in folders if (Path(f) / DB_NAME).exists()]


__all__ = ["ENGINES", "align_shards", "flag_shards", "heads", "lexicon_shards", "map_shards", "segment_shards",
           "shard_lines", "store_folders", "sum_status", "translate_shards"]
