"""Writing files outside the store: atomic replacement, one-line errors naming the path.

:func:`atomic_writer` is what every export writes through. It

* refuses what is not a regular file to replace: a folder always; a symlink, device or FIFO unless
  ``force`` (then a symlink is replaced by the file, and a device/FIFO such as ``/dev/stdout`` is
  written straight into, without a temp file);
* does not create missing parent folders unless ``parents`` (a typo in ``--out`` is an error, not a
  new folder tree);
* gives the file the permissions of the user's umask (``tempfile.mkstemp`` alone would leave 0600);
* gzips when the name ends in ``.gz`` (deterministically: no name or time in the gzip header).
"""

from __future__ import annotations

import gzip
import io
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from bitext.errors import BitextError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_target(path: Path, *, force: bool = False, parents: bool = False) -> None:
    """Raise a one-line :class:`BitextError` (exit code 2) if ``path`` is no place to write a file."""
    if path.is_symlink():
        if not force:
            raise BitextError(f"{path}: is a symbolic link; refusing to replace it (use --force)", exit_code=2)
        return
    if path.exists():
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise BitextError(f"{path}: is a folder; give a file name", exit_code=2)
        if not stat.S_ISREG(mode) and not force:
            kind = "FIFO" if stat.S_ISFIFO(mode) else "device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "special file"
            raise BitextError(f"{path}: is a {kind}, not a regular file; refusing to write it (use --force)",
                              exit_code=2)
        return
    parent = path.parent
    if not parent.exists() and not parents:
        raise BitextError(f"{path}: folder {parent} does not exist (create it, or pass --parents)", exit_code=2)
    if parent.exists() and not parent.is_dir():
        raise BitextError(f"{path}: {parent} is not a folder", exit_code=2)


@contextmanager
def atomic_writer(
    path: Path, newline: str | None = "\n", *, force: bool = False, parents: bool = False
) -> Iterator[IO[str]]:
    """Write text to ``path`` through a temp file beside it that replaces it only on success.

    See the module docstring for what is refused, ``force`` and ``parents``. An OS error (unwritable
    place) becomes a :class:`BitextError` naming the path (exit code 2).
    """
    path = Path(path)
    check_target(path, force=force, parents=parents)
    gz = path.name.lower().endswith(".gz")
    if path.exists() and not path.is_symlink() and not stat.S_ISREG(path.stat().st_mode):
        # --force on a device/FIFO: write straight into it (no rename possible).
        try:
            with open(path, "wb") as raw:
                with _text(raw, gz, newline) as fh:
                    yield fh
        except OSError as exc:
            raise _write_error(path, exc) from exc
        return
    try:
        if parents:
            path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.fchmod(fd, 0o666 & ~_umask())
    except OSError as exc:
        raise _write_error(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as raw:
            with _text(raw, gz, newline) as fh:
                yield fh
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _write_error(path, exc) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def _text(raw: IO[bytes], gz: bool, newline: str | None) -> Iterator[IO[str]]:
    """A UTF-8 text stream over ``raw`` (through gzip when ``gz``); ``raw`` stays open."""
    inner: IO[bytes] = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) if gz else raw
    fh = io.TextIOWrapper(inner, encoding="utf-8", newline=newline, write_through=False)
    try:
        yield fh
        fh.flush()
    finally:
        fh.detach()
        if gz:
            inner.close()  # writes the gzip trailer; raw stays open


def _write_error(path: Path, exc: OSError) -> BitextError:
    return BitextError(f"{path}: cannot write: {exc.strerror or exc}", exit_code=2)
