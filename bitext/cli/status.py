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
        quality = _mt_quality_lines(store)
    if args.json:
        print(status_json({**status, "mt_quality": quality}))
    else:
        print(format_status(status))
        for line in quality:
            print(f"quality     {line}")
    return 0


def _mt_quality_lines(store: Store) -> list[str]:
    """MT against human references and post-edits (sacrebleu), when the corpus has either."""
    has_human = store.conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pairs WHERE kind = 'reference') OR EXISTS"
        " (SELECT 1 FROM reviews WHERE status = 'edited')"
    ).fetchone()[0]
    if not has_human:
        return []
    from bitext.publish.quality import mt_quality, status_lines

    return status_lines(mt_quality(store))
