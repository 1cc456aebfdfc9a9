"""The publish stage: the store's pairs -> a Hub-ready dataset folder, replaced atomically.

Layout written by :func:`publish_dataset` (a folder ``datasets.load_dataset(DIR)`` loads)::

    README.md                                  dataset card (YAML metadata + documentation)
    data/default/{train,validation,test}-00000-of-00001.parquet  every pair, split by article
    data/clean/...                             pairs for training (formats.rows.CleanRule; not written when empty)
    data/articles/...                          one row per article: title, url, date, source, licence

Every written config has the same splits, each with rows (:mod:`bitext.publish.selection`): ``clean``'s
rows are known only after a pass, so a split without clean rows is filled by a second pass (small
corpora only) or the publish is refused before the folder is replaced.

Rows stream from :func:`bitext.records.iter_pairs` (from several stores, the shards of one corpus,
merged into one corpus order by :func:`bitext.records.iter_corpus_pairs`) into
:class:`~bitext.publish.parquet.ShardWriter` s with the exact Arrow schema of
:func:`~bitext.publish.schema.dataset_features`. What needs the whole corpus (split groups, cross-kind
duplicates) comes from one sorted scan of the texts per store, merged (:func:`bitext.formats.rows.shared_texts`). Output is deterministic,
so publishing an unchanged store gives byte-identical files and :func:`bitext.publish.push_dataset`
makes no commit.
"""

from __future__ import annotations

import errno
import heapq
import os
import secrets
import shutil
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from dataclasses import asdict, dataclass
from itertools import groupby, islice
from operator import attrgetter, itemgetter
from pathlib import Path, PurePosixPath, PureWindowsPath

from bitext.errors import BitextError
from bitext.formats.rows import CleanRule, published_row, shared_texts
from bitext.model import KIND_MT, KIND_REFERENCE
from bitext.procs import leftovers
from bitext.publish.card import DEFAULT_LICENSE, CardFacts, CardOptions, ConfigStats, build_card, flag_config
from bitext.publish.columns import records_table
from bitext.publish.licenses import check_license
from bitext.publish.parquet import BATCH_ROWS, SHARD_ROWS, ShardWriter
from bitext.publish.quality import QualityCollector
from bitext.publish.schema import ARTICLES_CONFIG, PAIR_CONFIGS, article_features, dataset_features
from bitext.publish.selection import SplitPlan, SplitSizes, assign_splits, fill_splits
from bitext.records import Corpus, check_names, iter_corpus_pairs, open_stores, tuple_rows
from bitext.store import Store


@dataclass(frozen=True)
class PublishResult:
    """What :func:`publish_dataset` wrote: the folder, its files (card first), per-config statistics
    and the checks of the ``scores`` struct."""

    folder: Path
    files: list[Path]
    stats: dict[str, ConfigStats]
    checks: list[str]

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def publish_dataset(
    corpus: Corpus,
    out_dir: str | Path,
    *,
    corpus_dir: str | Path | None = None,
    license: str = DEFAULT_LICENSE,
    pretty_name: str | None = None,
    repo_id: str | None = None,
    options: CardOptions | None = None,
    splits: SplitSizes | str | None = None,
    duplicates: str = "prefer-reference",
    batch_rows: int = BATCH_ROWS,
    shard_rows: int = SHARD_ROWS,
    quiet: bool = True,
    parents: bool = False,
) -> PublishResult:
    """Write the corpus as a Hub-ready dataset folder at ``out_dir`` (replaced atomically).

    ``corpus``: a corpus folder (or open :class:`Store`), or the stores of one corpus (its shards: folders
    holding disjoint sets of articles). Several stores make the dataset one store holding all their articles
    would make, byte for byte: rows in one corpus order, duplicates and split groups across stores, one
    card with the totals. ``corpus_dir`` is the corpus folder (its name titles the card, and input paths
    inside it are published relative to it); default: the folder of the one store, or the folder the
    stores have in common.

    ``options`` (:class:`~bitext.publish.card.CardOptions`) carries what the card cannot read from the
    store (licences, the articles' publisher, where the human references came from); ``license``,
    ``pretty_name`` and ``repo_id`` are shortcuts for its fields. The licence is checked against the
    Hub's ids before anything is written. ``splits``: sizes of train/validation/test by article
    (:class:`~bitext.publish.selection.SplitSizes` or ``'80,10,10'``; default 80/10/10).
    ``parents`` creates missing folders above ``out_dir`` (otherwise a missing one is an error, so
    a typo never makes a new tree). ``duplicates``: which row of an Indonesian sentence with both an ``mt`` and a ``reference`` row
    ``clean`` keeps (:data:`~bitext.publish.selection.DUPLICATE_RULES`). ``quiet=False`` shows a
    progress bar on stderr. The folder is built in a temp dir beside ``out_dir`` and swapped in at
    the end, so an interrupted publish leaves the previous folder (or none). A non-empty ``out_dir``
    that is not an earlier publish is refused (:class:`BitextError`, exit code 2).
    """
    if options is None:
        options = CardOptions(license=license, pretty_name=pretty_name, repo_id=repo_id)
    check_license(options.license, name=options.license_name, link=options.license_link)
    sizes = splits if isinstance(splits, SplitSizes) else SplitSizes.parse(splits) if splits else SplitSizes()
    stores = open_stores(corpus)
    corpus_dir = Path(corpus_dir) if corpus_dir is not None else _common_folder(stores)
    out_dir = Path(out_dir)
    _check_target(out_dir)
    flags = flag_config(stores)
    checks = sorted({name for s in stores for name in check_names(s, extra=sorted(flags.checks))})
    features = {cfg: dataset_features(checks) for cfg in PAIR_CONFIGS} | {ARTICLES_CONFIG: article_features()}
    shared = list(shared_texts(stores))  # one scan for the split groups and the duplicates rule
    # Refuses here, before anything is written, if a split cannot get pairs.
    plan = assign_splits(stores, sizes, shared=shared)
    rule = CleanRule.of(stores, duplicates, shared=shared)
    del shared

    if not out_dir.parent.is_dir():
        if not parents:
            raise BitextError(f"{out_dir}: folder {out_dir.parent} does not exist (create it, or pass --parents)",
                              exit_code=2)
        out_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(out_dir)
    _check_free_space(stores, out_dir)
    # A plain mkdir (not mkdtemp) so the folder gets the umask's permissions, not 0700.
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    tmp.mkdir()
    rows: _Rows | None = None
    try:
        rows = _Rows.open(tmp, plan, features, batch_rows, shard_rows)
        _write_rows(rows, stores, plan, checks, rule, options, quiet, corpus_dir)
        # Only now are clean's rows known: a split without any is filled (a second pass) or refused.
        filled = fill_splits(plan, rows.clean_per_article, "clean pairs", sizes) if rows.stats["clean"].pairs else plan
        if filled is not plan:
            rows.abort()
            shutil.rmtree(tmp)
            tmp.mkdir()
            plan = filled
            rows = _Rows.open(tmp, plan, features, batch_rows, shard_rows)
            _write_rows(rows, stores, plan, checks, rule, options, quiet, corpus_dir)
        files = _close_writers(rows.writers)
        facts = CardFacts(rows.stats, rows.writers, sizes, rows.articles, rule.duplicates, rows.quality.result(),
                          rows.example, plan)
        card = build_card(stores, features, checks, flags, facts, tmp, options, corpus_dir)
        card.save(tmp / "README.md")
        _swap_into_place(tmp, out_dir)
    except BaseException as exc:
        if rows is not None:
            rows.abort()
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise BitextError(
                f"{out_dir}: cannot write the dataset: {exc.strerror or exc}; "
                f"{'free space and re-run; ' if exc.errno == errno.ENOSPC else ''}"
                "the previous dataset folder (if any) is untouched", exit_code=2) from None
        raise
    rel = [out_dir / p.relative_to(tmp) for p in files]
    return PublishResult(out_dir, [out_dir / "README.md", *rel], rows.stats, checks)


@dataclass
class _Rows:
    """What one pass over the pairs wrote and counted."""

    writers: dict[str, dict[str, ShardWriter]]
    stats: dict[str, ConfigStats]
    quality: QualityCollector
    example: dict | None
    clean_per_article: Counter[str]
    articles: Counter[str]

    @classmethod
    def open(cls, tmp: Path, plan: SplitPlan, features: dict, batch_rows: int, shard_rows: int) -> _Rows:
        """One writer per config and split of ``plan`` under ``tmp/data``. Pair configs get records, built
        into Arrow columns a batch at a time (no dict per row)."""
        writers = {cfg: {sp: ShardWriter(tmp / "data" / cfg, features[cfg], batch_rows, shard_rows, sp,
                                         records_table if cfg in PAIR_CONFIGS else None)
                         for sp in plan.splits} for cfg in features}
        return cls(writers, {cfg: ConfigStats() for cfg in PAIR_CONFIGS}, QualityCollector(), None, Counter(),
                   Counter())

    def abort(self) -> None:
        """Close every open shard after a failure (a full disk), so pyarrow never closes it later on its own."""
        for by_split in self.writers.values():
            for w in by_split.values():
                w.abort()


# Records handled together: the per-row work (splits, the clean rule, statistics) is done a run of rows
# of one split at a time.
_STEP_ROWS = 2_000


def _write_rows(
    rows: _Rows, stores: list[Store], plan: SplitPlan, checks: list[str], rule: CleanRule, options: CardOptions,
    quiet: bool, corpus_dir: Path,
) -> None:
    """Stream every pair (of every store, in one corpus order) into the ``default`` and ``clean`` writers of
    its article's split, every article into ``articles``; count what the card states."""
    from tqdm import tqdm

    split_of = plan.split_of
    writers = rows.writers
    progress = tqdm(total=sum(s.count("pairs") for s in stores), unit="pair", desc="publish", disable=quiet)
    default, clean = writers["default"], writers["clean"]
    stats_default, stats_clean = rows.stats["default"], rows.stats["clean"]
    records = iter_corpus_pairs(stores, checks=checks, findings=False)
    with closing(records):  # a failed write ends the read transactions at once
        while step := list(islice(records, _STEP_ROWS)):
            progress.update(len(step))
            rows.quality.add_all(step)
            # Articles come whole and in order: runs of one split, written and counted together.
            for split, run in groupby(step, lambda rec: split_of[rec.doc_id]):
                recs = list(run)
                default[split].extend(recs)
                stats_default.add_all(recs, split)
                kept = list(filter(rule, recs))
                if not kept:
                    continue
                clean[split].extend(kept)
                stats_clean.add_all(kept, split)
                rows.clean_per_article.update(map(attrgetter("doc_id"), kept))
                if rows.example is None:
                    rows.example = published_row(kept[0])
                    if not checks:
                        del rows.example["scores"]
    progress.close()
    for art in _article_rows(stores, options, corpus_dir):
        writers[ARTICLES_CONFIG][split_of[art["doc_id"]]].add(art)
        rows.articles[split_of[art["doc_id"]]] += 1


def public_path(path: str | None, corpus_dir: Path) -> str | None:
    """An input path as the ``articles`` config publishes it: never absolute (a home folder, a user name).
    A relative path stays as typed; an absolute one becomes relative to the corpus folder when inside
    it, else its file name."""
    if not path:
        return path
    pure = PurePosixPath(path.replace("\\", "/"))
    if not pure.is_absolute() and not PureWindowsPath(path).is_absolute():
        return path
    try:
        return Path(path).relative_to(corpus_dir).as_posix()
    except ValueError:
        return PureWindowsPath(path).name if PureWindowsPath(path).is_absolute() else pure.name


def _article_rows(stores: list[Store], options: CardOptions, corpus_dir: Path) -> Iterator[dict]:
    """The ``articles`` rows of every store, in article id order, with their pairs per kind (counted by
    SQL on the pairs' article index and joined as both stream by: nothing held per article)."""
    corpus_dir = corpus_dir.resolve()
    streams = [_store_article_rows(s, options, corpus_dir) for s in stores]
    return heapq.merge(*streams, key=itemgetter("doc_id")) if len(streams) > 1 else streams[0]


def _store_article_rows(store: Store, options: CardOptions, corpus_dir: Path) -> Iterator[dict]:
    counts = tuple_rows(store.conn, "SELECT article_id, kind, COUNT(*) FROM pairs GROUP BY article_id, kind"
                                    " ORDER BY article_id, kind")
    pending = next(counts, None)
    for r in tuple_rows(store.conn,
                        "SELECT id, title, url, date, source_path, dateline, segmenter FROM articles ORDER BY id"):
        per_kind: dict[str, int] = {}
        while pending is not None and pending[0] <= r[0]:
            if pending[0] == r[0]:
                per_kind[pending[1]] = pending[2]
            pending = next(counts, None)
        yield {"doc_id": r[0], "title": r[1], "url": r[2], "date": r[3], "source": options.source,
               "source_license": options.source_license, "source_path": public_path(r[4], corpus_dir),
               "dateline": r[5], "segmenter": r[6],
               "pairs_mt": per_kind.get(KIND_MT, 0), "pairs_reference": per_kind.get(KIND_REFERENCE, 0)}


def _common_folder(stores: list[Store]) -> Path:
    """The folder of the one store, or the deepest folder holding every store's folder."""
    folders = [s.path.parent.resolve() for s in stores]
    return folders[0] if len(folders) == 1 else Path(os.path.commonpath(folders))


def _remove_leftovers(out_dir: Path) -> None:
    """Temp folders of publishes of ``out_dir`` that were killed (their process is gone)."""
    for stale in leftovers([out_dir.parent]):
        if stale.name.startswith(f".{out_dir.name}.tmp-"):
            shutil.rmtree(stale, ignore_errors=True)


# Parquet of news text compresses to roughly a third of the raw text or more; both pair configs together
# (clean is a subset of default) are at least this share of the pairs' raw text.
_MIN_COMPRESSED_SHARE = 0.25


def _check_free_space(stores: list[Store], out_dir: Path) -> None:
    """Refuse before writing when the disk surely cannot hold the dataset (a full disk mid-write is
    caught too, but this says it at once and names the sizes)."""
    free = shutil.disk_usage(out_dir.parent).free
    # The texts' characters are fewer than the stores' bytes: with room for that share of the store files
    # the need below cannot exceed what is free, and the full scan of the pairs (seconds on a big corpus)
    # is skipped.
    files = sum(f.stat().st_size for s in stores for f in s.path.parent.glob(s.path.name + "*") if f.is_file())
    if files * _MIN_COMPRESSED_SHARE <= free:
        return
    raw = sum(s.conn.execute(
        "SELECT COALESCE(SUM(length(source) + length(target) + COALESCE(length(mt), 0)), 0) FROM pairs"
    ).fetchone()[0] for s in stores)
    need = int(raw * _MIN_COMPRESSED_SHARE)
    if need > free:
        raise BitextError(
            f"{out_dir}: not enough free space for the dataset (needs at least {_size(need)}, {_size(free)} free): "
            "free space and re-run", exit_code=2)


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MiB" if n >= 10 * 2**20 else f"{n / 1024:.0f} KiB"


def _close_writers(writers: dict[str, dict[str, ShardWriter]]) -> list[Path]:
    """Close every writer; a config with no rows at all (``clean`` before any pair is clean) is removed and
    not declared: ``datasets`` cannot load a split of 0 rows. The splits of a config with rows all have
    rows (:func:`~bitext.publish.selection.fill_splits`)."""
    files: list[Path] = []
    for cfg in list(writers):
        by_split = writers[cfg]
        shards = [p for w in by_split.values() for p in w.close()]
        if sum(w.num_examples for w in by_split.values()) == 0:
            for p in shards:
                p.unlink()
            if shards:
                shards[0].parent.rmdir()
            del writers[cfg]
        else:
            files += shards
    return files


def _is_published_folder(folder: Path) -> bool:
    readme = folder / "README.md"
    if not readme.is_file():
        return False
    from huggingface_hub import metadata_load

    try:
        meta = metadata_load(readme) or {}
    except Exception:  # noqa: BLE001 - unparsable YAML: not ours
        return False
    return "bitext" in (meta.get("tags") or [])


def _check_target(out_dir: Path) -> None:
    """Refuse to replace anything that is not an earlier publish (or an empty folder)."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise BitextError(f"{out_dir}: exists and is not a folder", exit_code=2)
    visible = [p for p in out_dir.iterdir() if not p.name.startswith(".")]
    if visible and not _is_published_folder(out_dir):
        raise BitextError(
            f"{out_dir}: folder is not empty and holds no bitext dataset card; refusing to replace it"
            " (choose another --to)",
            exit_code=2,
        )


def _swap_into_place(tmp: Path, dest: Path) -> None:
    """Replace ``dest`` by ``tmp``: two renames, so ``dest`` is always complete or briefly absent."""
    if not dest.exists():
        os.replace(tmp, dest)
        return
    # Keep hidden entries of the old folder (a .git clone of the Hub repo, caches).
    for entry in dest.iterdir():
        if entry.name.startswith(".") and not (tmp / entry.name).exists():
            os.replace(entry, tmp / entry.name)
    old = dest.parent / f".{dest.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
    os.replace(dest, old)
    os.replace(tmp, dest)
    shutil.rmtree(old, ignore_errors=True)
