"""`bitext lexicon CORPUS [WORD] [--rebuild] [--top N]`: build the corpus lexicon, or look a word up in it."""

from __future__ import annotations

import argparse

from bitext.cli.options import count


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``lexicon`` subcommand."""
    p = subparsers.add_parser(
        "lexicon",
        help="learn word translations and abbreviations from the corpus's own pairs, or look a word up",
        description="Without WORD: build or refresh the corpus lexicon (eflomal word alignment of every "
        "sentence and its MT, and of aligned reference pairs; only new pairs are aligned unless the corpus "
        "doubled or --rebuild) and print its signature and sizes. With WORD: its most probable translations "
        "(Indonesian or English) and, for an abbreviation, the English learned for it.",
    )
    p.add_argument("corpus", metavar="CORPUS", help="corpus folder (or its bitext.sqlite)")
    p.add_argument("word", metavar="WORD", nargs="?", help="a word to look up (either language)")
    p.add_argument("--rebuild", action="store_true", help="train from scratch instead of adding the new pairs")
    p.add_argument("--top", type=int, default=10, metavar="N", help="translations shown per word (default 10)")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing when building")
    p.add_argument("--shard", type=count(0), metavar="I", help="a sharded corpus: look WORD up in shard I's copy"
                   " (a sharded corpus has one lexicon, built from every shard and installed in each)")
    p.set_defaults(func=run_lexicon)


def run_lexicon(args: argparse.Namespace) -> int:
    """Build (no WORD) or look up; 0 on success, 1 when there is nothing to show."""
    from bitext.shards import read_layout, store_folders
    from bitext.store import Store

    if read_layout(args.corpus) is not None and (args.word is not None or args.shard is not None):
        args.corpus = str(store_folders(args.corpus, 0 if args.shard is None else args.shard)[0])
    elif args.shard is not None:
        store_folders(args.corpus, args.shard)  # not a sharded corpus: one line
    if args.word is None:
        from bitext.lexicon import build_lexicon

        if read_layout(args.corpus) is not None:
            from bitext.sharded import lexicon_shards

            report = lexicon_shards(args.corpus, rebuild=args.rebuild, quiet=args.quiet)
            path = args.corpus
        else:
            with Store.open(args.corpus, create=False) as store:
                report = build_lexicon(store, rebuild=args.rebuild, quiet=args.quiet)
                path = store.path
        if args.quiet:
            return 0
        if report.status == "no-translations":
            print(f"{path}: no translations yet, so no lexicon (run 'bitext translate' first)")
            return 0
        if report.status == "no-usable-pairs":
            print(f"{path}: every translation ran to its length bound (loops) and there is no reference pair, "
                  "so no lexicon")
            return 0
        did = {"built": f"built from {report.pairs:,} pair(s)",
               "refreshed": f"refreshed: {report.pairs_added:,} new pair(s) added, {report.pairs:,} in all",
               "current": f"current ({report.pairs:,} pair(s); nothing new)"}[report.status]
        print(f"lexicon {did} in {report.seconds:.1f} s")
        print(f"  signature      {report.signature}")
        print(f"  words          {report.words_id:,} Indonesian, {report.words_en:,} English; "
              f"{report.abbreviations:,} abbreviation(s)")
        print(f"  size           {report.rows:,} rows, {report.bytes / 1e6:.2f} MB in the store")
        return 0
    return _look_up(args)


def _look_up(args: argparse.Namespace) -> int:
    from bitext.lexicon import load_lexicon
    from bitext.store import Store

    with Store.open(args.corpus, create=False, read_only=True) as store:
        lexicon = load_lexicon(store)
        path = store.path
    if lexicon is None:
        print(f"{path}: no lexicon yet (run 'bitext lexicon CORPUS' to build it)")
        return 1
    word = args.word
    shown = False
    for direction, label in (("id-en", "Indonesian -> English"), ("en-id", "English -> Indonesian")):
        found = lexicon.translations(word, direction, top=max(1, args.top))
        if found:
            print(f"{word.lower()} ({label})")
            for t, p in found.items():
                print(f"  {p:6.3f}  {t}")
            shown = True
    for form in dict.fromkeys((word, word.upper(), word.capitalize())):
        english, long_forms = lexicon.expansions(form), lexicon.long_forms(form)
        if english or long_forms:
            print(f"{form} (abbreviation)")
            for e, share in english[: args.top]:
                print(f"  {share:6.3f}  {e}")
            for e, share in long_forms[: args.top]:
                print(f"  long form in the articles: {e} ({share:.3f})")
            shown = True
    if not shown:
        print(f"{word}: not in the lexicon")
        return 1
    return 0
