"""``bitext status``: counts per stage and what is left to do."""

from __future__ import annotations

import argparse

from ..pipeline import corpus_status, format_status, sharded_status, status_json
from ..shards import read_layout, store_folders
from ..store import Store
from .options import count


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", help="show counts per stage and what is left to do")
    p.add_argument("corpus", metavar="CORPUS", help="corpus folder")
    p.add_argument("--json", action="store_true", help="print the status as JSON")
    p.add_argument("--shard", type=count(0), metavar="I", help="a sharded corpus: only shard I")
    p.set_defaults(func=run_status)


def run_status(args: argparse.Namespace) -> int:
    if read_layout(args.corpus) is not None:  # every shard's counts summed, and a line per shard
        status = sharded_status(args.corpus, args.shard)
        print(status_json(status) if args.json else format_status(status))
        return 0
    store_folders(args.corpus, args.shard)  # --shard on an unsharded corpus: one line
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
