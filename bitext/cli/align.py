"""`bitext align CORPUS [--reference DIR] [--encoding ENC] [--quiet]`: align Indonesian sentences with English ones."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bitext.cli.options import add_shard_options

if TYPE_CHECKING:
    from bitext.align import AlignReport


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``align`` subcommand."""
    p = subparsers.add_parser(
        "align",
        help="align sentences with their translations into pairs",
        description="Align every article's Indonesian sentences with its machine translation (re-split into "
        "English sentences) and store one pair per bead (1-1, 1-2, 2-1, 2-2, 1-0, 0-1). With --reference, "
        "align with human English translations instead. Articles already aligned from the same inputs are "
        "skipped; articles not fully translated yet are left for later.",
    )
    p.add_argument("corpus", metavar="CORPUS", help="corpus folder (or its bitext.sqlite)")
    p.add_argument(
        "--reference",
        metavar="DIR",
        type=Path,
        help="human English translations: a folder of <article id>.txt (or <source file stem>.txt) files, or "
        "of .jsonl/.csv files with 'id' and 'text' (or one such file)",
    )
    p.add_argument("--encoding", help="decode reference files with this encoding instead of UTF-8/UTF-16-with-BOM")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar or summary")
    add_shard_options(p)
    p.set_defaults(func=run_align)


def run_align(args: argparse.Namespace) -> int:
    """Align the corpus and print a summary; errors surface as BitextError (exit code 1 or 2)."""
    from bitext.align import align_corpus
    from bitext.shards import read_layout, store_folders
    from bitext.store import Store

    if read_layout(args.corpus) is not None:
        from bitext.sharded import align_shards

        report = align_shards(store_folders(args.corpus, args.shard), reference=args.reference,
                              encoding=args.encoding, engine=args.engine, ray_address=args.ray_address)
        if not args.quiet:
            print(format_summary(report))
        return 0
    store_folders(args.corpus, args.shard)  # --shard on an unsharded corpus: one line
    with Store.open(args.corpus, create=False) as store:
        report = align_corpus(store, reference=args.reference, encoding=args.encoding, quiet=args.quiet)
    if not args.quiet:
        print(format_summary(report))
    return 0


def format_summary(report: AlignReport) -> str:
    """A short human summary of an :class:`~bitext.align.AlignReport`."""
    reference = report.unmatched_reference is not None
    kind = "reference" if reference else "machine translation"
    lines = [
        f"aligned {report.aligned} article(s) with their {kind}: {report.pairs} pair(s); "
        f"{report.skipped} already done, {report.pending} waiting for translation"
        + (f", {report.empty} without sentences" if report.empty else "")
    ]
    if reference:
        lines.append(
            f"{report.no_reference or 0} article(s) without a reference, "
            f"{report.unmatched_reference} reference(s) matching no article"
        )
    if report.length_model is not None:
        lm = report.length_model
        lines.append(f"length model of the references: ratio {lm.ratio:.3f}, variance {lm.variance:.2f} "
                     f"(from {lm.beads} confident bead(s) of a first pass)")
    types = [f"{t} {c}" for t, c in report.beads.items() if c]
    if types:
        lines.append("beads: " + ", ".join(types))
    return "\n".join(lines)
