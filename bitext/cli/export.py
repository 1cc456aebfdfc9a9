"""``bitext export``: write the corpus's pairs in one of the formats of :data:`bitext.formats.EXPORTERS`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bitext.formats import EXPORTERS
from bitext.formats.rows import DUPLICATE_RULES


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``export`` subcommand; its ``--format`` choices are the registry's formats."""
    listing = "; ".join(f"{name}: {cls.description}" for name, cls in EXPORTERS.items())
    p = subparsers.add_parser(
        "export",
        help=f"export pairs ({', '.join(EXPORTERS)})",
        description=(
            "Export the corpus's pairs, in corpus order, to a file (atomically). "
            f"Formats: {listing}."
        ).replace("%", "%%"),
    )
    p.add_argument("corpus", type=Path, help="corpus folder (holds bitext.sqlite)")
    p.add_argument("--format", "-f", required=True, choices=list(EXPORTERS), help="output format")
    p.add_argument(
        "--out", "-o", type=Path, default=None,
        help="output file (Moses: path prefix; a .gz name is gzipped), or an existing folder for "
        "OUT/bitext.id-en.<ext>; default CORPUS/export/bitext.id-en.<ext>",
    )
    p.add_argument("--parents", action="store_true", help="create missing folders of --out")
    p.add_argument("--force", action="store_true",
                   help="replace a symbolic link at --out, or write straight into a device/FIFO")
    p.add_argument("--include-empty", action="store_true",
                   help="moses/tmx/tsv/jsonl: keep pairs with an empty side (left out by default: no use for MT training)")
    p.add_argument("--score-file", action="store_true",
                   help="also write NAME.scores.tsv beside the export: id, alignment score, model confidence and "
                   "each check's score, one line per written pair")
    p.add_argument("--only-clean", action="store_true",
                   help="only the pairs of the published 'clean' config (checked, not rejected, no unresolved flag,"
                   " both sides non-empty, the --duplicates rule applied)")
    p.add_argument("--duplicates", default="prefer-reference", choices=DUPLICATE_RULES,
                   help="with --only-clean: an Indonesian sentence with both an mt and a reference row keeps"
                   " which (as bitext publish --duplicates)")
    p.add_argument("--min-score", type=float, default=None, metavar="X",
                   help="only pairs with alignment score >= X (pairs without a score are dropped)")
    p.add_argument("--exclude-flag", action="append", default=[], metavar="NAME",
                   help="drop pairs on which check NAME fired (repeatable)")
    p.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    """Run ``bitext export``; errors are raised as BitextError for the dispatcher."""
    from bitext.formats import export_pairs
    from bitext.records import PairFilter
    from bitext.store import Store

    filters = PairFilter(
        only_clean=args.only_clean, min_score=args.min_score, exclude_flags=tuple(args.exclude_flag),
    )
    with Store.open(args.corpus, read_only=True) as store:  # exporting only reads the store
        result = export_pairs(store, args.format, args.out, filters, include_empty=args.include_empty,
                              score_file=args.score_file, force=args.force, parents=args.parents,
                              duplicates=args.duplicates)
    if result.unchecked and args.only_clean:
        print(
            f"bitext: warning: {result.unchecked} pairs have not been checked yet; run 'bitext flag'"
            " (they are not in the clean selection)",
            file=sys.stderr,
        )
    print(f"wrote {result.pairs} pairs to {', '.join(str(p) for p in result.paths)}")
    if result.empty_left_out:
        print(f"left out {result.empty_left_out} pairs with an empty side (--include-empty keeps them)")
    return 0
