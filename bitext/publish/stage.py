"""The publish stage: the store's pairs -> a Hub-ready dataset folder, replaced atomically.

Layout written by :func:`publish_dataset` (a folder ``datasets.load_dataset(DIR)`` loads)::

    README.md                                  dataset card (YAML metadata + documentation)
    data/default/train-00000-of-00001.parquet  every pair
    data/clean/train-00000-of-00001.parquet    pairs without unresolved flags, never rejected ones

Rows stream from :func:`bitext.records.iter_pairs` into :class:`~bitext.publish.parquet.ShardWriter` s
with the exact Arrow schema of :func:`~bitext.publish.schema.dataset_features`. Output is deterministic,
so publishing an unchanged store gives byte-identical files and :func:`bitext.publish.push_dataset`
makes no commit.
"""

from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from bitext.errors import BitextError
from bitext.publish.card import DEFAULT_LICENSE, ConfigStats, build_card, flag_config
from bitext.publish.parquet import BATCH_ROWS, SHARD_ROWS, ShardWriter
from bitext.publish.schema import CONFIGS, dataset_features
from bitext.records import check_names, iter_pairs, open_store
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
    corpus: str | Path | Store,
    out_dir: str | Path,
    *,
    license: str = DEFAULT_LICENSE,
    pretty_name: str | None = None,
    repo_id: str | None = None,
    batch_rows: int = BATCH_ROWS,
    shard_rows: int = SHARD_ROWS,
    quiet: bool = True,
) -> PublishResult:
    """Write the corpus as a Hub-ready dataset folder at ``out_dir`` (replaced atomically).

    ``repo_id`` only fills the usage snippet of the card; ``quiet=False`` shows a progress bar on
    stderr. The enabled checks of the store's flag config (:func:`bitext.flags.effective_config`) are
    part of the ``scores`` struct even before they ran, so the schema does not depend on the data. The
    folder is built in a temp dir beside ``out_dir`` and swapped in at the end, so an interrupted
    publish leaves the previous folder (or none) and never a half-written one. A non-empty ``out_dir``
    that is not an earlier publish is refused (:class:`BitextError`, exit code 2).
    """
    from tqdm import tqdm

    store = open_store(corpus)
    out_dir = Path(out_dir)
    _check_target(out_dir)
    flags = flag_config(store)
    checks = check_names(store, extra=sorted(flags.checks))
    features = dataset_features(checks)

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    # A plain mkdir (not mkdtemp) so the folder gets the umask's permissions, not 0700.
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        writers = {cfg: ShardWriter(tmp / "data" / cfg, features, batch_rows, shard_rows) for cfg in CONFIGS}
        stats = {cfg: ConfigStats() for cfg in CONFIGS}
        progress = tqdm(total=store.count("pairs"), unit="pair", desc="publish", disable=quiet)
        for rec in iter_pairs(store, checks=checks):
            progress.update()
            row = rec.to_row()
            if not checks:
                del row["scores"]
            writers["default"].add(row)
            stats["default"].add(rec)
            if rec.clean:
                writers["clean"].add(row)
                stats["clean"].add(rec)
        progress.close()
        files = {cfg: w.close() for cfg, w in writers.items()}
        card = build_card(
            store, features, checks, flags, stats, writers, tmp,
            license=license, pretty_name=pretty_name, repo_id=repo_id,
        )
        card.save(tmp / "README.md")
        _swap_into_place(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    rel = [out_dir / p.relative_to(tmp) for cfg in CONFIGS for p in files[cfg]]
    return PublishResult(out_dir, [out_dir / "README.md", *rel], stats, checks)


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
