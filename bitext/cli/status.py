"""``bitext status``: counts per stage and what is left to do."""

from __future__ import annotations

import argparse

from ..pipeline import corpus_status, format_status, status_json
from ..store import Store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", help="show counts per stage and what is left to do")
    p.add_argument("corpus", metavar="CORPUS", help="corpus folder")
    p.add_argument("--json", action="store_true", help="print the status as JSON")
    p.set_defaults(func=run_status)


def run_status(args: argparse.Namespace) -> int:
    with Store.open(args.corpus, read_only=True) as store:
        status = corpus_status(store)
    print(status_json(status) if args.json else format_status(status))
    return 0
