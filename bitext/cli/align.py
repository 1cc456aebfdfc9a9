"""`bitext align CORPUS [--reference DIR] [--quiet]`: align Indonesian sentences with English ones."""

from __future__ import annotations

import argparse
from pathlib import Path


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
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(func=run_align)


def run_align(args: argparse.Namespace) -> int:
    """Align the corpus and print a summary; errors surface as BitextError (exit code 1 or 2)."""
    from bitext.align import align_corpus
    from bitext.store import Store

    with Store.open(args.corpus, create=False) as store:
        counts = align_corpus(store, reference=args.reference, quiet=args.quiet)
    if not args.quiet:
        print(format_summary(counts, reference=args.reference is not None))
    return 0


def format_summary(counts: dict[str, int], *, reference: bool = False) -> str:
    """A short human summary of :func:`bitext.align.align_corpus` counts."""
    kind = "reference" if reference else "machine translation"
    lines = [
        f"aligned {counts['aligned']} article(s) with their {kind}: {counts['pairs']} pair(s); "
        f"{counts['skipped']} already done, {counts['pending']} waiting for translation"
        + (f", {counts['empty']} without sentences" if counts.get("empty") else "")
    ]
    if reference:
        lines.append(
            f"{counts.get('no_reference', 0)} article(s) without a reference, "
            f"{counts.get('unmatched_reference', 0)} reference(s) matching no article"
        )
    types = [f"{t} {counts[t]}" for t in ("1-1", "1-2", "2-1", "2-2", "1-0", "0-1") if counts.get(t)]
    if types:
        lines.append("beads: " + ", ".join(types))
    return "\n".join(lines)
