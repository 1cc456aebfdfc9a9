"""``bitext translate CORPUS`` and ``bitext merge TARGET SOURCE...`` (thin layer over bitext.translate).

Imports nothing heavy at module level: torch/transformers load only when a command runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from bitext.cli.options import add_translation_options, count, engine_kwargs, translation_kwargs
from bitext.errors import BitextError
from bitext.model import MetaKey
from bitext.translate import parse_shard

if TYPE_CHECKING:
    from bitext.store import Store


def _shard(value: str) -> tuple[int, int] | int:
    """``I`` (shard I of a sharded corpus) or ``I/N`` (the text-hash split of one store, merged by 'bitext merge')."""
    if "/" not in value:
        return count(0)(value)
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
    add_translation_options(p)
    p.add_argument("--shard", type=_shard, metavar="I|I/N",
                   help="a sharded corpus: only its shard I; 'I/N': translate only part I of N of this store's"
                   " sources (0 <= I < N, by a hash of the text) in a copy of it, merged back with 'bitext merge'")
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
    from bitext.shards import read_layout, store_folders
    from bitext.translate.distributed import translate_stage

    if read_layout(args.corpus) is not None and not isinstance(args.shard, tuple):
        from bitext.sharded import translate_shards

        report = translate_shards(store_folders(args.corpus, args.shard), **translation_kwargs(args),
                                  **engine_kwargs(args), quiet=args.quiet)
        print("translate: " + " ".join(f"{k}={v}" for k, v in report.as_dict().items()))
        return 0
    if isinstance(args.shard, int):
        store_folders(args.corpus, args.shard)  # not a sharded corpus: says so in one line
    with _open(args.corpus) as store:
        report = translate_stage(store, **translation_kwargs(args), **engine_kwargs(args), shard=args.shard,
                                 quiet=args.quiet)
        signature = store.get_meta(MetaKey.TRANSLATE_SIGNATURE)
    print("translate: " + " ".join(f"{k}={v}" for k, v in report.as_dict().items()))
    if not args.quiet:
        print(f"signature: {signature}", file=sys.stderr)
    return 0


def run_merge(args: argparse.Namespace) -> int:
    """Merge translations of SOURCE corpora into TARGET; prints one summary line."""
    from bitext.translate import merge_stores

    with _open(args.target) as target:
        report = merge_stores(target, args.sources)
    print("merge: " + " ".join(f"{k}={v}" for k, v in report.as_dict().items()))
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m bitext.cli.translate translate|merge …``: the ``bitext`` dispatcher itself."""
    from bitext.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
