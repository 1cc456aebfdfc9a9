"""The ``bitext`` command: a thin argparse layer over the Python API.

Each stage lives in ``bitext/cli/<stage>.py`` with ``register(subparsers)``; modules import
their heavy dependencies (torch, datasets…) only when their command runs, so ``bitext --help``
stays fast. Errors the user can act on (:class:`bitext.errors.BitextError`) are printed as one
line; exit codes: 0 ok, 1 the work failed (bad input, failed checks), 2 usage or environment.
"""

from __future__ import annotations

import argparse
import importlib
import sqlite3
import sys
from collections.abc import Sequence

from .. import __version__
from ..errors import BitextError, is_fault

# Order = order in --help.
COMMAND_MODULES = ["run", "fetch", "segment", "translate", "lexicon", "align", "flag", "review", "users", "glossary",
                   "adapt", "compare", "publish", "export", "status", "doctor"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bitext",
        description="Turn Indonesian news articles into a reviewed Indonesian-English parallel corpus.",
        epilog="Run 'bitext COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"bitext {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``bitext`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except BitextError as e:
        print(f"bitext: error: {e}", file=sys.stderr)
        return e.exit_code
    except sqlite3.Error as e:
        # A storage fault that escaped the store's own translation (a read outside a transaction).
        if not is_fault(e):
            raise
        hint = "" if args.command == "doctor" else " (run 'bitext doctor CORPUS')"  # not the command that failed
        print(f"bitext: error: corpus store: {e}{hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bitext: interrupted; everything committed so far is kept, re-run to resume", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1


def run_cli() -> None:
    sys.exit(main())
