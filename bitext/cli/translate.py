"""``bitext translate CORPUS`` and ``bitext merge TARGET SOURCE...`` (thin layer over bitext.translate).

Imports nothing heavy at module level: torch/transformers load only when a command runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from bitext.errors import BitextError

if TYPE_CHECKING:
    from bitext.store import Store

DEFAULT_MODEL = "Helsinki-NLP/opus-mt-id-en"  # = bitext.translate.DEFAULT_MODEL, without importing it


def _shard(value: str) -> tuple[int, int]:
    from bitext.translate import parse_shard

    try:
        return parse_shard(value)
    except BitextError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``translate`` and ``merge`` subcommands."""
    p = subparsers.add_parser(
        "translate",
        help="machine-translate the corpus sentences (cached, resumable)",
        description="Translate every sentence of CORPUS that has no translation under the current"
        " model and settings. Safe to interrupt: the next run resumes.",
    )
    p.add_argument("corpus", metavar="CORPUS", help="corpus folder (or its bitext.sqlite)")
    p.add_argument("--model", default=DEFAULT_MODEL, help=f"Hub id or local folder (default {DEFAULT_MODEL})")
    p.add_argument("--revision", help="Hub revision (branch, tag or commit) of --model")
    p.add_argument("--backend", choices=("auto", "transformers", "ctranslate2"), default="auto",
                   help="auto = ctranslate2 if it is installed and the model converts (default)")
    p.add_argument("--beams", type=int, metavar="N", help="beam size (default: the model's generation config)")
    p.add_argument("--max-new-tokens", type=int, metavar="N", help="output length limit (default: the model's)")
    p.add_argument("--min-new-tokens", type=int, metavar="N", help="minimum output length (default 0)")
    p.add_argument("--length-penalty", type=float, metavar="X", help="beam length penalty (default: the model's)")
    p.add_argument("--batch-tokens", type=int, metavar="N", help="padded source tokens per batch (default: by device)")
    p.add_argument("--device", choices=("cpu", "cuda"), help="default: cuda if available")
    p.add_argument("--compute-type", metavar="TYPE",
                   help="e.g. float32, float16, int8, int8_float16 (default: int8[_float16] for ctranslate2,"
                   " float32/float16 for transformers)")
    p.add_argument("--threads", type=int, metavar="N", help="CPU threads (default: all this process may use)")
    p.add_argument("--shard", type=_shard, metavar="I/N",
                   help="translate only shard I of N (0 <= I < N, by a hash of the text); merge with 'bitext merge'")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=run_translate)

    m = subparsers.add_parser(
        "merge",
        help="copy translations from other copies of a corpus (e.g. --shard runs) into TARGET",
        description="Merge the translations of SOURCE corpora into TARGET. All must hold the same"
        " articles and have been translated with the same signature.",
    )
    m.add_argument("target", metavar="TARGET_CORPUS")
    m.add_argument("sources", metavar="SOURCE_CORPUS", nargs="+")
    m.set_defaults(func=run_merge)


def _open(folder: str) -> Store:
    from bitext.store import Store

    return Store.open(folder, create=False)  # a missing store is a StoreError: exit 2, one line


def run_translate(args: argparse.Namespace) -> int:
    """Run the translate stage; prints one summary line to stdout."""
    from bitext.translate import translate_corpus

    with _open(args.corpus) as store:
        counts = translate_corpus(
            store,
            model=args.model,
            revision=args.revision,
            backend=args.backend,
            beams=args.beams,
            max_new_tokens=args.max_new_tokens,
            min_new_tokens=args.min_new_tokens,
            length_penalty=args.length_penalty,
            batch_tokens=args.batch_tokens,
            device=args.device,
            compute_type=args.compute_type,
            threads=args.threads,
            shard=args.shard,
            quiet=args.quiet,
        )
        signature = store.get_meta("translate.signature")
    print("translate: " + " ".join(f"{k}={v}" for k, v in counts.items()))
    if not args.quiet:
        print(f"signature: {signature}", file=sys.stderr)
    return 0


def run_merge(args: argparse.Namespace) -> int:
    """Merge translations of SOURCE corpora into TARGET; prints one summary line."""
    from bitext.translate import merge_stores

    with _open(args.target) as target:
        counts = merge_stores(target, args.sources)
    print("merge: " + " ".join(f"{k}={v}" for k, v in counts.items()))
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m bitext.cli.translate translate|merge …``: the ``bitext`` dispatcher itself."""
    from bitext.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
