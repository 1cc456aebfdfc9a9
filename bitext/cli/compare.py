"""``bitext compare``: two translation models on the same pairs (chrF, BLEU, TER, paired bootstrap)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bitext.adapt.data import ON_CHOICES
from bitext.cli.options import count
from bitext.translate.backends import BACKEND_CHOICES

if TYPE_CHECKING:
    from bitext.adapt.compare import CompareReport
    from bitext.store import Store


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``compare`` subcommand."""
    p = subparsers.add_parser(
        "compare",
        help="compare two MT models on the corpus's trusted pairs",
        description=(
            "Translate the same pairs with two models (the first --model is A, the second B) and score both"
            " against the trusted English with sacrebleu (chrF, BLEU, TER, signatures), with sacrebleu's paired"
            " bootstrap significance of B against A, a per-article table and the sentences where they differ"
            " most. Nothing is written to the corpus."
        ),
    )
    p.add_argument("corpus", type=Path, help="corpus folder (holds bitext.sqlite)")
    p.add_argument("--model", action="append", required=True, metavar="MODEL",
                   help="folder or Hub id; give it twice (A, then B)")
    p.add_argument("--on", choices=ON_CHOICES, default="held-out",
                   help="held-out: trusted pairs of the held-out articles (as bitext adapt; default); reviewed:"
                   " every accepted or edited pair; references: every clean reference pair")
    p.add_argument("--splits", default=None, metavar="T,V,T", help="article split sizes for --on held-out")
    p.add_argument("--backend", choices=BACKEND_CHOICES, default="auto", help="translation backend for both")
    p.add_argument("--beams", type=count(1), metavar="N", help="beam size for both (default: each model's)")
    p.add_argument("--device", choices=("cpu", "cuda"), help="default: cuda if available")
    p.add_argument("--samples", type=count(1), default=1000, metavar="N", help="bootstrap resamples (default 1000)")
    p.add_argument("--top", type=count(0), default=20, metavar="N", help="sentences that differ most (default 20)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--to-review", action="store_true",
                   help="also store both Englishes of the pairs where they differ for the review app's blind A/B page"
                   " (/ab): reviewers pick one or edit it, the stats page sums up the preferences")
    p.set_defaults(func=run_compare)


def run_compare(args: argparse.Namespace) -> int:
    """Run ``bitext compare``."""
    from bitext.adapt.compare import compare_models, render_text
    from bitext.errors import BitextError
    from bitext.publish.selection import SplitSizes
    from bitext.store import Store

    if len(args.model) != 2:
        raise BitextError(f"--model: give exactly two models (A and B), got {len(args.model)}", 2)
    sizes = SplitSizes.parse(args.splits) if args.splits else None
    with Store.open(args.corpus, read_only=not args.to_review) as store:
        report = compare_models(store, args.model[0], args.model[1], on=args.on, sizes=sizes, samples=args.samples,
                                top=args.top, backend=args.backend, beams=args.beams, device=args.device)
        stored = to_review(store, report) if args.to_review else None
    print(json.dumps(report.as_dict(), indent=1, ensure_ascii=False) if args.json else render_text(report))
    if stored is not None:
        print(f"blind A/B: {stored[0]} pairs added for review (/ab in bitext review), {stored[1]} left out (both"
              " models gave the same English, or already added)", file=sys.stderr if args.json else sys.stdout)
    return 0


def to_review(store: Store, report: CompareReport) -> tuple[int, int]:
    """Store both models' English of the compared pairs as blind A/B items; (added, left out)."""
    from bitext.review.ab import add_items

    rows = [(p.pair_id, p.source, ha, hb) for p, ha, hb in zip(report.pairs, report.a.hyps, report.b.hyps, strict=True)]
    return add_items(store, rows, model_a=report.a.translation_signature, model_b=report.b.translation_signature,
                     label_a=report.a.label, label_b=report.b.label)
