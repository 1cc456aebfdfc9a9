"""Sharded corpora: one corpus as N ordinary stores, split by a hash of the article id.

Layout::

    CORPUS/shards.json            {"format": 1, "shards": N, "rule": HASH_RULE}
    CORPUS/shards/00-of-03/       an ordinary corpus folder (bitext.sqlite), articles with shard_of(id) == 0
    CORPUS/shards/01-of-03/       ...

Every shard is a normal store: any command works on it by its folder (or ``--shard I`` on CORPUS), and
the commands that know shards (segment, run, translate, lexicon, align, flag, status, doctor, publish)
work on all of them when given CORPUS (:mod:`bitext.sharded` runs the stages over them). An article
always lands in the same shard (:func:`shard_of`: the same on every machine and Python version), so
re-segmenting a changed article replaces it in place, as in one store.

This module only knows the layout: it imports nothing from the stages (and not the store), so the
store, the pipeline and the CLI can all ask it where a corpus's stores are.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from bitext.errors import BitextError, InputError
from bitext.fileio import atomic_writer

LAYOUT_FILE = "shards.json"
"""The file in a corpus folder that makes it a sharded corpus."""
SHARDS_DIR = "shards"
FORMAT_VERSION = 1
HASH_RULE = "sha256(article id as UTF-8): first 8 bytes as a big-endian integer, mod N"
"""The rule :func:`shard_of` follows, written into ``shards.json`` so other tools can route articles too."""
MAX_SHARDS = 10_000
"""More than any cluster runs at once; a corpus folder with more subfolders is hard to look after."""


def shard_of(article_id: str, n: int) -> int:
    """The shard (0..n-1) of the article ``article_id``: :data:`HASH_RULE`."""
    return int.from_bytes(hashlib.sha256(article_id.encode("utf-8", "surrogatepass")).digest()[:8], "big") % n


def shard_name(i: int, n: int) -> str:
    """The folder name of shard ``i`` of ``n``: ``03-of-16`` (zero-padded to at least two digits)."""
    width = max(2, len(str(n)))
    return f"{i:0{width}d}-of-{n:0{width}d}"


@dataclass(frozen=True)
class Layout:
    """A sharded corpus: its ``root`` folder and ``count`` shards."""

    root: Path
    count: int

    def folder(self, i: int) -> Path:
        """The store folder of shard ``i``."""
        if not 0 <= i < self.count:
            raise BitextError(f"--shard {i}: {self.root} has shards 0 to {self.count - 1}", 2)
        return self.root / SHARDS_DIR / shard_name(i, self.count)

    def folders(self) -> list[Path]:
        """Every shard's store folder, in shard order."""
        return [self.folder(i) for i in range(self.count)]

    def shard_of(self, article_id: str) -> int:
        """The shard an article belongs to."""
        return shard_of(article_id, self.count)


def _root(corpus: str | Path) -> Path:
    """The corpus folder of ``corpus`` (a folder, or the path of its ``bitext.sqlite``)."""
    path = Path(corpus)
    return path.parent if path.suffix == ".sqlite" else path


def read_layout(corpus: str | Path) -> Layout | None:
    """The layout of the corpus folder ``corpus``; None when it is not sharded (no ``shards.json``).

    A ``shards.json`` that cannot be read or names no valid shard count is an :class:`InputError`
    naming the file."""
    path = _root(corpus) / LAYOUT_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise InputError(f"{path}: not a readable shard layout ({e}); it should hold "
                         f'{{"format": {FORMAT_VERSION}, "shards": N, ...}}') from None
    n = data.get("shards") if isinstance(data, dict) else None
    version = data.get("format") if isinstance(data, dict) else None
    if version != FORMAT_VERSION:
        raise InputError(f"{path}: shard layout format {version!r}; this bitext reads format {FORMAT_VERSION}"
                         " (upgrade bitext, or the file was edited by hand)")
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_SHARDS:
        raise InputError(f"{path}: 'shards' must be a whole number from 1 to {MAX_SHARDS}, not {n!r}")
    if data.get("rule") != HASH_RULE:
        raise InputError(f"{path}: unknown article routing rule {data.get('rule')!r}; this bitext routes by"
                         f" {HASH_RULE!r}")
    return Layout(_root(corpus), n)


def create_layout(corpus: str | Path, n: int) -> Layout:
    """Make ``corpus`` a sharded corpus of ``n`` shards (``shards.json`` and the empty shard folders), or
    return its layout when it already is one with ``n`` shards.

    Refused in one line: a corpus that already has another shard count (re-sharding means re-segmenting into
    a new folder), and a folder that already holds an unsharded store (its articles would be left behind).
    """
    if not 1 <= n <= MAX_SHARDS:
        raise BitextError(f"--shards {n}: expected 1 to {MAX_SHARDS}", 2)
    root = _root(corpus)
    existing = read_layout(root)
    if existing is not None:
        if existing.count != n:
            raise BitextError(f"--shards {n}: {root} is already a corpus of {existing.count} shards; to re-shard,"
                              f" segment the inputs into a new folder with --shards {n}", 2)
        return existing
    if (root / "bitext.sqlite").exists():
        raise BitextError(f"--shards {n}: {root} already holds an unsharded store (bitext.sqlite); segment into a"
                          " new folder to make a sharded corpus", 2)
    layout = Layout(root, n)
    try:
        for folder in layout.folders():
            folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BitextError(f"{root}: cannot make the shard folders ({e.strerror or e})", 2) from None
    with atomic_writer(root / LAYOUT_FILE) as f:
        json.dump({"format": FORMAT_VERSION, "shards": n, "rule": HASH_RULE}, f, indent=2)
        f.write("\n")
    return layout


def store_folders(corpus: str | Path, shard: int | None = None) -> list[Path]:
    """The store folders of ``corpus``: every shard's of a sharded corpus (or only ``shard``'s), else
    ``[corpus]`` itself (an ordinary store, or a shard folder named directly)."""
    layout = read_layout(corpus)
    if layout is None:
        if shard is not None:
            raise BitextError(f"--shard {shard}: {_root(corpus)} is not a sharded corpus (no {LAYOUT_FILE})", 2)
        return [_root(corpus)]
    return [layout.folder(shard)] if shard is not None else layout.folders()


def sharded_refusal(folder: Path) -> str | None:
    """The one line :meth:`bitext.store.Store.open` says for the root of a sharded corpus (None: not one).

    Commands that work on all shards resolve the corpus through :func:`store_folders` first; the others
    (review, export, users...) work on one shard and are told how to name it."""
    if not (folder / LAYOUT_FILE).is_file() or (folder / "bitext.sqlite").exists():
        return None
    try:
        layout = read_layout(folder)
    except InputError as e:
        return str(e)
    assert layout is not None
    return (f"{folder} is a corpus of {layout.count} shards: this command works on one shard; name its folder,"
            f" e.g. {layout.folder(0)} (or give --shard I where the command has it)")
