"""Reference (human) translations for ``bitext align --reference``, read with :mod:`bitext.readers`."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import BitextError, InputError
from ..readers import RecordError, folder_files, read_file, reader_for, suffixes
from ..store import Store


def load_references(path: Path, encoding: str | None = None) -> dict[str, str]:
    """Reference texts by id from a folder of reader files (``*.txt``: id = file stem; ``*.jsonl``/``*.csv``:
    ``id`` and ``text`` fields; not recursive) or from one such file. Raises :class:`InputError` naming the
    file and line of a bad record, :class:`BitextError` (exit code 2) if ``path`` does not exist or is a
    file no reader reads."""
    if not path.exists():
        raise BitextError(f"{path}: no such reference folder or file", exit_code=2)
    if path.is_dir():
        files = folder_files(path, recursive=False)
    elif reader_for(path) is None:
        known = suffixes()
        raise BitextError(f"{path}: a reference file must be {', '.join(known[:-1])} or {known[-1]}", exit_code=2)
    else:
        files = [path]
    refs: dict[str, str] = {}
    origin: dict[str, str] = {}
    for f in files:
        for rec in read_file(f, encoding):
            if isinstance(rec, RecordError):
                raise InputError(f"{rec.where}: a reference record needs an 'id' and a 'text'")
            if isinstance(rec, InputError):
                raise rec
            if rec.id in refs:
                raise InputError(f"{rec.where}: reference id {rec.id!r} already given in {origin[rec.id]}")
            refs[rec.id] = rec.text
            origin[rec.id] = rec.where
    return refs


def match_references(store: Store, refs: dict[str, str], quiet: bool) -> tuple[dict[str, str], int]:
    """Reference texts by article id, and the number of references that match no article.

    A reference id is an article id or the stem of an article's source file (a stem shared by several
    articles, as in a JSONL or CSV source, matches none). Unmatched ids are listed on stderr unless ``quiet``.
    """
    ids = store.article_ids()
    by_stem: dict[str, list[str]] = {}
    for article_id in ids:
        row = store.article(article_id)
        if row is not None:  # None only if it was deleted since it was listed
            by_stem.setdefault(Path(row["source_path"]).stem, []).append(article_id)
    known = set(ids)
    out: dict[str, str] = {}
    unmatched: list[str] = []
    for ref_id, text in refs.items():
        if ref_id in known:
            out[ref_id] = text
        elif len(by_stem.get(ref_id, [])) == 1:
            out.setdefault(by_stem[ref_id][0], text)
        else:
            unmatched.append(ref_id)
    if unmatched and not quiet:
        shown = ", ".join(unmatched[:10]) + (" ..." if len(unmatched) > 10 else "")
        print(f"bitext align: {len(unmatched)} reference(s) match no article: {shown}", file=sys.stderr)
    return out, len(unmatched)
