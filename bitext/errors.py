"""Every error class of bitext. Each reaches the user as one clear line (the CLI prints it without a
traceback) naming the file (and line) and what to do; ``exit_code`` follows the CLI convention."""

from __future__ import annotations

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
