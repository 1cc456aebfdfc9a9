"""`bitext flag CORPUS [--config FILE|default] [--explain PAIR_ID] [--workers N] [--quiet]`: mark pairs that need a human look.

`bitext flag CORPUS --report [--check NAME ...] [--what-if NAME=VALUE ...]`: how many pairs each check fires on,
a histogram of its stored scores, pairs near the threshold and what other thresholds would fire (nothing is
measured or written)."""

from __future__ import annotations

import argparse

from bitext.cli.options import add_shard_options, count


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``flag`` subcommand."""
    p = subparsers.add_parser(
        "flag",
        help="run the review checks on every aligned pair",
        description="Run the review checks (bitext/flags/defaults.toml, overridable with --config) on every "
        "pair of the corpus and store one row per check in pair_flags. Pairs already flagged under the "
        "same config are skipped. A --config file is stored in the corpus and reused by later runs "
        "(also by 'bitext run') until another file or '--config default' is given.",
    )
    p.add_argument("corpus", metavar="CORPUS", help="corpus folder (or its bitext.sqlite)")
    p.add_argument(
        "--config", "--flag-config", dest="config", metavar="FILE",
        help="TOML file overriding check thresholds/severities (kept for later runs); "
        "'default' goes back to the built-in defaults",
    )
    p.add_argument("--explain", metavar="PAIR_ID", help="print every check's score and reason for one pair")
    p.add_argument("--workers", type=count(0), metavar="N",
                   help="processes measuring the checks (default: one per core up to 4 for 5,000 pairs or more;"
                   " 0: in this process, no pool); the flags are the same either way")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar or summary")
    p.add_argument("--model", metavar="PATH",
                   help="folder of the corpus's MT model: reference pairs get the model signal (model_score: forced "
                   "decoding of the English); kept for later runs, 'none' forgets it")
    p.add_argument("--report", action="store_true",
                   help="print per check: pairs fired (by severity), a histogram of its stored scores, pairs near the "
                   "threshold and 'what if the threshold were x' counts; flags nothing")
    p.add_argument("--check", action="append", default=[], metavar="NAME", help="with --report: only this check"
                   " (repeatable)")
    p.add_argument("--what-if", action="append", default=[], metavar="NAME=VALUE",
                   help="with --report: count the pairs NAME fires on (and the pairs needing review) at threshold VALUE"
                   " (LOW,HIGH for a range check such as length_z); repeatable")
    add_shard_options(p)
    p.set_defaults(func=run_flag)


def run_flag(args: argparse.Namespace) -> int:
    """Flag the corpus (or explain one pair); 0 on success, errors surface as BitextError."""
    from bitext import flags
    from bitext.shards import read_layout, store_folders
    from bitext.store import Store

    folders = store_folders(args.corpus, args.shard)
    if args.shard is not None:
        args.corpus = str(folders[0])  # that shard as a store of its own
    elif read_layout(args.corpus) is not None and not (args.explain or args.report or args.check or args.what_if):
        return _flag_shards(args, folders)  # (explain and report need a shard: the store's refusal says so)

    # A missing store raises StoreError, a BitextError with exit code 2: the dispatcher prints it.
    with Store.open(args.corpus, create=False) as store:
        if args.explain:
            print(flags.explain(store, args.explain, args.config))
            return 0
        if args.report or args.check or args.what_if:
            from bitext.flags.report import report

            print(report(store, args.config, args.check or None, args.what_if), end="")
            return 0
        report = flags.flag_corpus(store, args.config, quiet=args.quiet, workers=args.workers, model=args.model)
        label = flags.config_label(store)
    if not args.quiet:
        refreshed = f", {report.refreshed} duplicate flag(s) updated" if report.refreshed else ""
        if report.redecided:
            refreshed += f", {report.redecided} stored row(s) re-decided from their scores"
        print(f"flagged {report.flagged} pair(s), skipped {report.skipped} already flagged{refreshed}; "
              f"{report.needs_review} pair(s) in the corpus need review; config: {label}")
        fired = {name: n for name, n in report.fired.items() if n}
        for name, n in sorted(fired.items(), key=lambda kv: -kv[1]):
            print(f"  {name:16} {n}")
    return 0


def _flag_shards(args: argparse.Namespace, folders: list) -> int:
    """Flag every shard of a sharded corpus as one corpus (:func:`bitext.sharded.flag_shards`)."""
    from bitext.sharded import flag_shards

    report = flag_shards(folders, config_path=args.config, workers=args.workers, model=args.model,
                         engine=args.engine, ray_address=args.ray_address)
    if not args.quiet:
        print(f"flagged {report.flagged} pair(s) in {len(folders)} shard(s), skipped {report.skipped} already flagged;"
              f" {report.needs_review} pair(s) in the corpus need review")
        for name, n in sorted(((k, v) for k, v in report.fired.items() if v), key=lambda kv: -kv[1]):
            print(f"  {name:16} {n}")
    return 0
