"""Errors that reach the user as one clear line (the CLI prints them without a traceback)."""

from __future__ import annotations


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
