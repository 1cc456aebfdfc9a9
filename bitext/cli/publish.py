"""``bitext publish``: write a Hub-ready dataset folder and optionally push it to the Hub."""

from __future__ import annotations

import argparse
from pathlib import Path

from bitext.formats.rows import DUPLICATE_RULES


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``publish`` subcommand."""
    p = subparsers.add_parser(
        "publish",
        help="write the corpus as a Hugging Face dataset (Parquet + card), optionally push it",
        description=(
            "Write a dataset repository folder (data/default, data/clean as Parquet, README.md card) that "
            "datasets.load_dataset() loads; with --push, upload it to the Hub in one commit (no commit if "
            "nothing changed). The token comes from HF_TOKEN or 'hf auth login'."
        ),
    )
    p.add_argument("corpus", type=Path, help="corpus folder (holds bitext.sqlite)")
    p.add_argument("--to", type=Path, default=None, metavar="DIR",
                   help="dataset folder to write (replaced atomically); default CORPUS/dataset")
    p.add_argument("--parents", action="store_true", help="create missing folders above --to")
    p.add_argument("--license", default=None,
                   help="licence id for the card (default 'unknown': the source articles' terms are the publishers')")
    p.add_argument("--license-name", default=None, help="name of a custom licence (with --license other)")
    p.add_argument("--license-link", default=None, help="URL of a custom licence (with --license other)")
    p.add_argument("--source", default=None, metavar="NAME",
                   help="publisher of the Indonesian articles (card, articles config); one for all inputs for now")
    p.add_argument("--source-license", default=None, metavar="TEXT", help="the articles' licence or terms")
    p.add_argument("--reference-source", default=None, metavar="NAME",
                   help="where the human English of 'reference' rows comes from (card, citation)")
    p.add_argument("--reference-license", default=None, metavar="TEXT", help="licence of those references")
    p.add_argument("--contact", default=None, metavar="TEXT",
                   help="where removal requests and questions go (an e-mail or URL; stated on the card)")
    p.add_argument("--model-name", default=None, metavar="HUB_ID",
                   help="the Hub id of the translation model when the corpus was translated with a local folder"
                   " (the card names, licenses and cites it; a copy of a known model is recognised without it)")
    p.add_argument("--splits", default=None, metavar="TRAIN,VAL,TEST",
                   help="sizes of the train/validation/test splits, by article (default 80,10,10; a tiny corpus is"
                   " then not split). Sizes given here are kept: a split the draw leaves empty gets the smallest"
                   " article groups, or publishing is refused when there are too few")
    p.add_argument("--duplicates", default="prefer-reference", choices=DUPLICATE_RULES,
                   help="an Indonesian sentence with both an mt and a reference row: which one 'clean' keeps")
    p.add_argument("--pretty-name", default=None, help="human-readable dataset name for the card")
    p.add_argument("--push", default=None, metavar="USER/NAME", help="upload to this Hub dataset repository")
    p.add_argument("--private", action="store_true", help="create the Hub repository as private")
    p.add_argument("--revision", default=None, metavar="BRANCH", help="branch to commit to (created if needed)")
    p.set_defaults(func=run_publish)


def run_publish(args: argparse.Namespace) -> int:
    """Run ``bitext publish``; errors are raised as BitextError for the dispatcher."""
    import sys

    from bitext.errors import BitextError
    from bitext.publish import DEFAULT_LICENSE, push_dataset
    from bitext.publish.card import CardOptions
    from bitext.publish.hub import check_push_target

    if (args.private or args.revision) and not args.push:
        raise BitextError("--private and --revision need --push USER/NAME", exit_code=2)
    if args.push:  # a bad repo id, branch or a missing token is said before the folder is written
        check_push_target(args.push, args.revision)
    out = args.to if args.to is not None else args.corpus / "dataset"
    options = CardOptions(
        license=args.license or DEFAULT_LICENSE, license_name=args.license_name, license_link=args.license_link,
        pretty_name=args.pretty_name, repo_id=args.push, source=args.source, source_license=args.source_license,
        reference_source=args.reference_source, reference_license=args.reference_license,
        contact=args.contact, model_name=args.model_name,
    )
    from bitext.pipeline import publish_folders
    from bitext.records import unchecked_count
    from bitext.shards import store_folders
    from bitext.store import Store

    folders = store_folders(args.corpus)  # one store, or every shard's: one dataset either way
    result = publish_folders(
        folders, out, corpus_dir=args.corpus, options=options, splits=args.splits, duplicates=args.duplicates,
        parents=args.parents, quiet=not sys.stderr.isatty(),
    )
    unchecked = 0
    for folder in folders:
        with Store.open(folder, read_only=True) as store:
            unchecked += unchecked_count(store)
    s = result.stats
    splits = ", ".join(f"{sp} {n}" for sp, n in s["default"].splits.items())
    print(f"wrote {result.folder}: {s['default'].pairs} pairs (default), {s['clean'].pairs} pairs (clean);"
          f" pairs per split: {splits or 'none'}")
    if not s["clean"].pairs:
        print("bitext: note: no pair is clean yet, so 'clean' is not published as a config", file=sys.stderr)
    if unchecked:
        print(f"bitext: warning: {unchecked} pairs have not been checked yet, so they are not in 'clean'; "
              "run 'bitext flag'", file=sys.stderr)
    if args.push:
        pushed = push_dataset(result.folder, args.push, private=args.private, revision=args.revision)
        where = f"{pushed.repo_id}" + (f"@{pushed.revision}" if pushed.revision else "")
        if pushed.commit_url is None:
            print(f"{where}: nothing changed, no commit made")
        else:
            print(f"pushed to {where}: {len(pushed.uploaded)} file(s) uploaded, {len(pushed.deleted)} deleted;"
                  f" {pushed.commit_url}")
    return 0
