"""Writing files outside the store: atomic replacement, and one-line errors naming the path."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from bitext.errors import BitextError


@contextmanager
def atomic_writer(path: Path, newline: str | None = "\n") -> Iterator[IO[str]]:
    """Write text to ``path`` through a temp file beside it that replaces it only on success.

    Missing parent folders are created. An OS error (unwritable place, ``path`` is a folder) becomes
    a :class:`BitextError` naming the path (exit code 2).
    """
    path = Path(path)
    if path.is_dir():  # checked first: otherwise the temp file lands beside the folder and rename fails
        raise BitextError(f"{path}: is a folder; give a file name", exit_code=2)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _write_error(path, exc) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _write_error(path, exc) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_error(path: Path, exc: OSError) -> BitextError:
    return BitextError(f"{path}: cannot write: {exc.strerror or exc}", exit_code=2)
