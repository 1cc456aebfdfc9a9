"""One reader family for every input: articles (``bitext segment``) and references (``align --reference``).

* ``*.txt``, ``*.text``, ``*.md``: one record per file, id = file name without its suffix;
* ``*.jsonl``, ``*.ndjson``: one JSON object per line with ``id`` and ``text`` and optional ``title``,
  ``url``, ``date``, ``lang``;
* ``*.csv``: a header row with the same columns;
* ``*.html``, ``*.htm``: a saved news page; its boilerplate (navigation, header, footer) is left out.

Encodings: UTF-8 with or without BOM, UTF-16 with BOM; anything else is refused with a message naming
the file (``--encoding`` overrides). A new format is one module with a class registered in
:data:`READERS` (see :mod:`bitext.readers.base`).
"""

from __future__ import annotations

import codecs
import errno
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import InputError
from . import csv, html, jsonl, text  # noqa: F401  (each registers its reader)
from .base import METADATA_FIELDS, READERS, Reader, Record, RecordError, record_from_mapping, register

__all__ = [
    "METADATA_FIELDS", "READERS", "Reader", "Record", "RecordError", "decode", "expand_inputs", "folder_files",
    "read_file", "reader_for", "record_from_mapping", "register", "suffixes",
]  # fmt: skip


def suffixes() -> list[str]:
    """Every registered suffix, in registry order (``.txt`` ... ``.csv``)."""
    return [s for r in READERS.values() for s in r.suffixes]


def reader_for(path: Path) -> Reader | None:
    """The reader registered for ``path``'s suffix (case-insensitive), None for an unknown suffix."""
    suffix = path.suffix.lower()
    return next((cls() for cls in READERS.values() if suffix in cls.suffixes), None)


def decode(data: bytes, path: Path, encoding: str | None = None) -> str:
    """Bytes to text: UTF-8 (BOM optional), UTF-16 with BOM, or ``encoding`` if given.

    Raises :class:`InputError` naming the file (and the line of the first bad byte).
    """
    if encoding:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as e:
            raise InputError(f"{path}: cannot decode as {encoding}: {e}") from None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise InputError(f"{path}: broken UTF-16 at byte {e.start}") from None
    nul = data.find(b"\x00")  # anywhere, not only in the head: a text file never holds one
    if 0 <= nul < 8192:
        raise InputError(f"{path}: binary file (NUL bytes), not a text article; skipped")
    if nul >= 0:
        line = data[:nul].count(b"\n") + 1
        raise InputError(f"{path}:{line}: NUL byte in the text (a damaged or binary file?); remove it; skipped")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(
            f"{path}:{line}: not UTF-8 (byte 0x{data[e.start]:02x}); convert it "
            f"(e.g. iconv -f latin1 -t utf-8) or pass --encoding latin-1"
        ) from None


def read_file(path: Path, encoding: str | None = None) -> Iterator[Record | InputError]:
    """Yield the records of one file, or an :class:`InputError` for each bad record.

    A problem with the whole file (unreadable, binary, undecodable, a CSV without ``id``/``text``
    columns) is raised; a problem with one record is yielded so the caller can report it and go on.
    A file with an unknown suffix is read as plain text (it was named on purpose).
    """
    reader = reader_for(path) or READERS["text"]()
    return _valid_unicode(reader.read(decode(path.read_bytes(), path, encoding), path))


def _valid_unicode(items: Iterable[Record | InputError]) -> Iterator[Record | InputError]:
    """Each record unchanged, or a :class:`RecordError` for one whose text or fields hold a lone surrogate.

    Only a JSON escape (``"\\ud800"``) or an exotic ``--encoding`` yields one: such a string cannot be
    stored (SQLite, every export format and the model want UTF-8), so the record is refused, naming
    ``FILE:LINE`` and the character position, rather than silently replaced by U+FFFD.
    """
    for item in items:
        if isinstance(item, Record):
            bad = _surrogate(item)
            if bad is not None:
                field, pos, ch = bad
                item = RecordError(item.where, f"field '{field}' holds a lone surrogate (\\u{ord(ch):04x} at "
                                   f"character {pos}), not valid Unicode; fix the escape in the file; skipped")
        yield item


def _surrogate(rec: Record) -> tuple[str, int, str] | None:
    """(field, position, character) of the first lone surrogate in ``rec``, None when it has none."""
    for name, value in (("text", rec.text), ("id", rec.id), *rec.metadata.items()):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as e:
            return name, e.start, value[e.start]
    return None


def folder_files(folder: Path, *, recursive: bool = True) -> list[Path]:
    """The files of ``folder`` that a reader reads (sorted), leaving out hidden files and README.md."""
    known = set(suffixes())
    found = folder.rglob("*") if recursive else folder.iterdir()
    return sorted(
        f
        for f in found
        if f.is_file()
        and not any(part.startswith(".") for part in f.relative_to(folder).parts)
        and f.suffix.lower() in known
        and f.name.lower() != "readme.md"
    )


def expand_inputs(paths: Iterable[str | Path]) -> list[Path]:
    """Files named directly, plus the readable files inside named folders (see :func:`folder_files`).

    Raises :class:`InputError` (exit code 2), before anything is read, for a path that does not exist,
    a symlink loop, and anything that is neither a regular file nor a folder: a FIFO or a device named
    on the command line would block or never end (inside a folder such entries are skipped).
    """
    files: list[Path] = []
    for p in map(Path, paths):
        kind = _kind(p)
        if kind == "folder":
            files.extend(folder_files(p))
        elif kind == "file":
            files.append(p)
        else:
            raise InputError(f"{p}: {kind}", exit_code=2)
    return files


def _kind(path: Path) -> str:
    """'file', 'folder', or why the path cannot be read as input."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "no such file or folder"
    except OSError as e:
        if e.errno == errno.ELOOP:
            return "symlink loop (the link points back at itself)"
        return f"cannot read ({e.strerror})"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISREG(mode):
        return "file"
    what = ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    return f"is {what}, not an article file; refusing to read it"
