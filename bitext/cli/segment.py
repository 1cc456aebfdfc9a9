"""``bitext segment``: read articles and split them into sentences in the store."""

from __future__ import annotations

import argparse
import sys

from ..ingest import MAX_ARTICLE_MB, IngestReport, ingest
from ..readers import expand_inputs
from ..shards import read_layout
from ..store import Store
from .options import add_engine_options, count


def add_input_options(p: argparse.ArgumentParser) -> None:
    """Options shared by ``segment`` and ``run``."""
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="article files (.txt, .jsonl, .csv, .html) or folders of them")
    p.add_argument("--out", "-o", required=True, metavar="CORPUS", help="corpus folder (holds bitext.sqlite)")
    p.add_argument(
        "--keep-dateline",
        action="store_true",
        help="keep 'Kota (ANTARA) - ' in the first sentence (it is always stored as a field of the article)",
    )
    p.add_argument("--encoding", help="decode inputs with this encoding instead of UTF-8/UTF-16-with-BOM")
    p.add_argument("--max-article-mb", type=_positive_mb, default=MAX_ARTICLE_MB, metavar="MB",
                   help=f"refuse an article of more than MB million characters (default: {MAX_ARTICLE_MB:g}); "
                   "memory is about 10 bytes per character")
    p.add_argument("--shards", type=count(1), metavar="N",
                   help="make CORPUS a sharded corpus of N stores, each article in the shard of a hash of its id"
                   " (CORPUS/shards/NN-of-MM); a sharded CORPUS keeps its own count without it")
    p.add_argument("--quiet", "-q", action="store_true", help="print only errors")


def _positive_mb(value: str) -> float:
    try:
        mb = float(value)
    except ValueError:
        mb = -1.0
    if not mb > 0 or mb == float("inf"):
        raise argparse.ArgumentTypeError(f"{value!r}: give a positive number of millions of characters")
    return mb


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "segment",
        help="read articles and segment them into paragraphs and sentences",
        description="Read articles and segment them into the corpus store. Unchanged articles are skipped; "
        "changed ones (new content hash) are re-segmented.",
    )
    add_input_options(p)
    add_engine_options(p)
    p.set_defaults(func=run_segment)


def report_ingest(report: IngestReport, quiet: bool) -> None:
    """Print problems (always) and a one-line summary (unless quiet)."""
    for w in report.warnings:
        if not quiet:
            print(f"bitext: warning: {w}", file=sys.stderr)
    for p in report.problems:
        print(f"bitext: error: {p}", file=sys.stderr)
    if not quiet:
        print(
            f"segment: {report.added} added, {report.changed} changed, {report.unchanged} unchanged, "
            f"{report.skipped} skipped, {len(report.problems)} errors; {report.sentences} sentences in the store"
        )


def run_segment(args: argparse.Namespace) -> int:
    expand_inputs(args.inputs)  # a missing input fails before any store is created
    if args.shards is not None or read_layout(args.out) is not None:
        from ..sharded import segment_shards

        report = segment_shards(args.out, args.inputs, args.shards, engine=args.engine, ray_address=args.ray_address,
                                keep_dateline=args.keep_dateline, encoding=args.encoding,
                                max_article_mb=args.max_article_mb)
        report_ingest(report, args.quiet)
        return 0 if report.ok else 1
    with Store.open(args.out) as store:
        report = ingest(store, args.inputs, keep_dateline=args.keep_dateline, encoding=args.encoding,
                        max_article_mb=args.max_article_mb)
    report_ingest(report, args.quiet)
    return 0 if report.ok else 1
