"""``bitext adapt``: continued training of the translation model on the corpus's trusted pairs."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bitext.cli.options import count


def _positive(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        x = 0.0
    if not x > 0:
        raise argparse.ArgumentTypeError(f"{value!r}: must be a number greater than 0")
    return x


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``adapt`` subcommand."""
    p = subparsers.add_parser(
        "adapt",
        help="adapt the MT model to the reviewed pairs (continued training)",
        description=(
            "Continue training the corpus's MarianMT model on its trusted pairs (reviewed accepted/edited pairs"
            " and clean human-reference pairs), measuring chrF/BLEU/TER on held-out reviewed articles (the"
            " dataset splits' rule: never trained on) before training and at every evaluation; stops early"
            " when chrF stops improving, keeps the best weights, and refuses to save a model worse than its"
            " base. Killed runs resume from MODEL_DIR/.checkpoints. The result is an ordinary model folder"
            " with a model card; translate with it: bitext translate CORPUS --model MODEL_DIR."
        ),
    )
    p.add_argument("corpus", type=Path, help="corpus folder (holds bitext.sqlite)")
    p.add_argument("--out", "-o", type=Path, required=True, metavar="MODEL_DIR", help="folder for the adapted model")
    p.add_argument("--base", metavar="MODEL",
                   help="model to adapt: folder or Hub id (default: the model that translated the corpus)")
    p.add_argument("--force", action="store_true", help="replace a model already in MODEL_DIR")
    p.add_argument("--splits", default=None, metavar="T,V,T",
                   help="article split sizes (as bitext publish --splits); articles outside train are held out")
    p.add_argument("--learning-rate", "--lr", type=_positive, default=5e-5, metavar="X", help="(default 5e-5)")
    p.add_argument("--epochs", type=_positive, default=1.0, metavar="X", help="passes over the pairs (default 1)")
    p.add_argument("--max-steps", type=count(1), metavar="N", help="stop after N updates")
    p.add_argument("--batch-size", type=count(1), default=16, metavar="N", help="pairs per update (default 16)")
    p.add_argument("--warmup-steps", type=count(0), default=100, metavar="N", help="(default 100)")
    p.add_argument("--eval-every", type=count(1), default=100, metavar="N",
                   help="updates between held-out evaluations (default 100)")
    p.add_argument("--patience", type=count(1), default=5, metavar="N",
                   help="evaluations without a chrF gain before stopping (default 5)")
    p.add_argument("--min-gain", type=float, default=0.0, metavar="X",
                   help="the guard: save only if held-out chrF >= the base's + X (default 0)")
    p.add_argument("--eval-beams", type=count(1), default=1, metavar="N", help="beam of held-out translations (default 1)")
    p.add_argument("--eval-max", type=count(1), default=1000, metavar="N", help="held-out pairs measured at most")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", choices=("cpu", "cuda"), help="default: cuda if available")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=run_adapt)


def run_adapt(args: argparse.Namespace) -> int:
    """Run ``bitext adapt``; the guard's refusal is one line and exit code 1."""
    from bitext.adapt.report import AdaptOptions
    from bitext.adapt.train import AdaptRefused, adapt_corpus
    from bitext.publish.selection import SplitSizes

    options = AdaptOptions(
        learning_rate=args.learning_rate, epochs=args.epochs, max_steps=args.max_steps, batch_size=args.batch_size,
        warmup_steps=args.warmup_steps, eval_every=args.eval_every, patience=args.patience, min_gain=args.min_gain,
        eval_beams=args.eval_beams, eval_max=args.eval_max, seed=args.seed,
    )
    sizes = SplitSizes.parse(args.splits) if args.splits else None
    try:
        report = adapt_corpus(args.corpus, args.out, base=args.base, options=options, sizes=sizes, device=args.device,
                              force=args.force, progress=not args.quiet)
    except AdaptRefused as refused:
        if args.json:
            print(json.dumps(refused.report.as_dict(), indent=1, ensure_ascii=False))
        raise
    if args.json:
        print(json.dumps(report.as_dict(), indent=1, ensure_ascii=False))
        return 0
    counts = report.data.counts
    print(f"adapted {report.base} on {sum(counts['train'].values())} trusted pairs"
          f" ({', '.join(f'{n} {k}' for k, n in sorted(counts['train'].items()))}); held out"
          f" {sum(counts['heldout'].values())}", file=sys.stderr)
    for p in report.history:
        loss = "" if p.loss is None else f"  loss {p.loss:.3f}"
        print(f"  update {p.step:>6}: chrF {p.chrf:6.2f}  BLEU {p.bleu:6.2f}  TER {p.ter:6.2f}{loss}")
    print(f"held-out chrF {report.before.chrf:.2f} -> {report.after.chrf:.2f}"
          f" ({report.after.chrf - report.before.chrf:+.2f}) at update {report.best_step};"
          f" {report.tokens_per_second:,.0f} tokens/s on {report.device}; saved to {report.out}")
    return 0
