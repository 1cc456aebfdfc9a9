"""Shards: ``--shard I/N`` runs on copies of one corpus, and merging their translations back.

A source text belongs to shard ``sha256(text) mod N`` (:func:`shard_of`), the same on every
machine; :func:`merge_stores` copies the translations of the shard stores into one target.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from bitext.errors import BitextError
from bitext.model import MetaKey
from bitext.store import TRANSLATION_COLUMNS, Store, has_column
from bitext.translate.leases import TRANSLATE_MIGRATIONS


@dataclass(frozen=True)
class MergeReport:
    """What one merge did: ``sources`` merged, ``copied`` (new rows), ``skipped`` (rows already in target)."""

    sources: int
    copied: int
    skipped: int

    def as_dict(self) -> dict[str, int]:
        """The counts as a dict, in field order."""
        return asdict(self)


MAX_SHARDS = 1_000_000
"""More shards than sentences in any archive; also keeps shard numbers inside SQLite's integers."""


def parse_shard(spec: str) -> tuple[int, int]:
    """Parse ``I/N`` (0 <= I < N) as given to ``--shard``."""
    m = re.fullmatch(r"\s*(\d{1,20})\s*/\s*(\d{1,20})\s*", spec)
    if not m:
        raise BitextError(f"--shard {spec[:40]!r}: expected I/N with 0 <= I < N, e.g. 0/4", 2)
    return check_shard(int(m.group(1)), int(m.group(2)))


def check_shard(i: int, n: int) -> tuple[int, int]:
    """``(i, n)`` when it names a shard (0 <= i < n <= :data:`MAX_SHARDS`), else a one-line BitextError."""
    if not 0 <= i < n:
        raise BitextError(f"--shard {i}/{n}: expected I/N with 0 <= I < N, e.g. 0/4", 2)
    if n > MAX_SHARDS:
        raise BitextError(f"--shard {i}/{n}: at most {MAX_SHARDS} shards", 2)
    return i, n


def shard_of(text: str, n: int) -> int:
    """The shard (0..n-1) a source text belongs to: a hash of the text, the same on every machine."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") % n


def _articles_digest(store: Store) -> tuple[int, str, dict[str, str]]:
    rows = store.conn.execute("SELECT id, content_hash FROM articles ORDER BY id").fetchall()
    h = hashlib.sha256()
    for r in rows:
        h.update(f"{r[0]}\0{r[1]}\n".encode())
    return len(rows), h.hexdigest(), {r[0]: r[1] for r in rows} if len(rows) <= 200_000 else {}


def merge_stores(target: Store | str | Path, sources: Iterable[Store | str | Path]) -> MergeReport:
    """Copy the translations of ``sources`` (e.g. the stores of ``--shard I/N`` runs) into ``target``.

    Every store must hold the same articles (ids and content hashes) and the same
    ``translate.signature`` (a target without one adopts the sources'). Rows of the current
    signature are copied with INSERT OR IGNORE, so merging twice changes nothing.
    """
    opened: list[Store] = []  # stores opened here from paths, closed at the end

    def as_store(s: Store | str | Path) -> Store:
        if isinstance(s, Store):
            return s
        opened.append(Store.open(s, create=False))
        return opened[-1]

    try:
        tgt = as_store(target)
        srcs = [as_store(s) for s in sources]
        if not srcs:
            raise BitextError("merge: no source corpus given", 2)
        return _merge(tgt, srcs)
    finally:
        for st in opened:
            st.close()


def _check_sources(tgt: Store, srcs: list[Store]) -> str:
    """The signature to merge; raises unless every source holds the target's articles and that signature."""
    t_n, t_digest, t_map = _articles_digest(tgt)
    sig = tgt.get_meta(MetaKey.TRANSLATE_SIGNATURE)
    for src in srcs:
        if src.path.resolve() == tgt.path.resolve():
            raise BitextError(f"merge: {src.path} is the target itself", 2)
        s_n, s_digest, s_map = _articles_digest(src)
        if s_digest != t_digest:
            only_t = sorted(set(t_map) - set(s_map))
            only_s = sorted(set(s_map) - set(t_map))
            changed = sorted(k for k in set(t_map) & set(s_map) if t_map[k] != s_map[k])
            example = (only_t or only_s or changed or ["?"])[0]
            raise BitextError(
                f"merge: {src.path} does not hold the same articles as {tgt.path} ({s_n} vs {t_n} articles;"
                f" {len(only_t)} only in target, {len(only_s)} only in source, {len(changed)} with other"
                f" content, e.g. {example!r}): shards must be made from copies of one segmented corpus"
            )
        s_sig = src.get_meta(MetaKey.TRANSLATE_SIGNATURE)
        if s_sig is None:
            raise BitextError(f"merge: {src.path} has no translations (no translate.signature)")
        if sig is None:
            sig = s_sig  # an untranslated target adopts the sources' signature
        elif s_sig != sig:
            own = tgt.get_meta(MetaKey.TRANSLATE_SIGNATURE)
            raise BitextError(
                f"merge: {src.path} was translated with another model or settings than"
                f" {'the other sources' if own is None else tgt.path}:"
                f" {s_sig!r} != {sig!r}; re-run 'bitext translate' on it with the same options"
            )
    assert sig is not None  # there is at least one source, and each has a signature
    return sig


def _merge(tgt: Store, srcs: list[Store]) -> MergeReport:
    # Check every source before copying anything: a refused merge changes nothing.
    sig = _check_sources(tgt, srcs)
    if tgt.get_meta(MetaKey.TRANSLATE_SIGNATURE) is None:
        tgt.set_meta(MetaKey.TRANSLATE_SIGNATURE, sig)
        settings = srcs[0].get_meta(MetaKey.TRANSLATE_SETTINGS)
        if settings is not None:
            tgt.set_meta(MetaKey.TRANSLATE_SETTINGS, settings)
        path = srcs[0].get_meta(MetaKey.TRANSLATE_MODEL_PATH)
        if path is not None:
            tgt.set_meta(MetaKey.TRANSLATE_MODEL_PATH, path)
    copied = skipped = 0
    for src in srcs:
        # The ``retried`` mark (translate migration v2) travels with its rows.
        retried = has_column(src.conn, "translations", "retried")
        if retried:
            tgt.migrate("translate", TRANSLATE_MIGRATIONS)
        cols = ", ".join(TRANSLATION_COLUMNS) + (", retried" if retried else "")
        rows = src.conn.execute(f"SELECT {cols} FROM translations WHERE signature=?", (sig,))
        with tgt.tx() as conn:  # one source, one transaction
            while block := rows.fetchmany(5000):
                added = tgt.add_translations(r[: len(TRANSLATION_COLUMNS)] for r in block)
                if retried:
                    conn.executemany("UPDATE translations SET retried = 1 WHERE key = ?",
                                     [(r[0],) for r in block if r[-1]])
                copied += added
                skipped += len(block) - added
    return MergeReport(sources=len(srcs), copied=copied, skipped=skipped)
