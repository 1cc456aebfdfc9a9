"""Every error class of bitext. Each reaches the user as one clear line (the CLI prints it without a
traceback) naming the file (and line) and what to do; ``exit_code`` follows the CLI convention."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any


class BitextError(Exception):
    """An error the user can act on: the message names the file (and line) and what to do.

    ``exit_code`` follows the CLI convention: 1 for a failure of the work (bad input),
    2 for a usage or environment problem (missing model, unreachable Hub, bad arguments).
    """

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class InputError(BitextError):
    """A bad input file or record; the message starts with 'FILE:LINE:'."""


class EnvironmentProblem(BitextError):
    """Something outside the data is missing (model, network, permissions): exit code 2."""

    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=2)


class StoreError(BitextError):
    """A problem with the corpus store that the user can act on (exit code 2)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=2)


class Conflict(BitextError):
    """A pair changed since the caller read it; ``current`` is its newest review row (None if none)."""

    def __init__(self, message: str, pair_id: str, current: Any | None) -> None:
        super().__init__(message, exit_code=1)
        self.pair_id = pair_id
        self.current = current


def is_fault(exc: sqlite3.Error) -> bool:
    """True for errors of the storage (disk, file, lock, damage), False for a bug in the SQL (constraint
    violations, misuse), which must stay visible as the programming error it is."""
    return isinstance(exc, sqlite3.OperationalError) or type(exc) is sqlite3.DatabaseError


def store_error(exc: sqlite3.Error, path: Path) -> StoreError:
    """A one-line, actionable :class:`StoreError` for an ``sqlite3`` error on the store at ``path``."""
    msg = str(exc)
    low = msg.lower()
    if "disk is full" in low or "disk full" in low:
        what = "disk full: free space and re-run; nothing committed was lost"
    elif "disk i/o error" in low:
        what = "disk I/O error (a full or failing disk?): free space or check the disk, then re-run; nothing committed was lost"
    elif "not a database" in low or "malformed" in low or "corrupt" in low:
        what = (f"the store is damaged ({msg}): restore a copy (a {path.name}.bak-* file beside it, if any), "
                "or move it away and re-run the stages")
    elif "readonly" in low or "read-only" in low:
        what = "the store cannot be written (read-only file, folder or medium): fix the permissions, or use a command that only reads"
    elif "unable to open" in low:
        what = ("cannot open the store: missing, unreadable, or on a read-only folder or medium (commands that "
                "write need a writable folder; status, export and publish can read it from there)")
    elif "locked" in low or "busy" in low:
        what = "locked by another bitext process for over 30 s: wait for it to finish, then re-run"
    else:
        what = f"store error: {msg}"
    return StoreError(f"{path}: {what}")
