"""``bitext glossary``: the corpus glossary (termbase) the review app highlights, QA on save and the
``glossary`` flag check enforce (``import`` a TBX or CSV file, ``list``, ``add``, ``remove``)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``glossary`` subcommand."""
    p = subparsers.add_parser(
        "glossary",
        help="the corpus glossary: Indonesian terms and their English (TBX or CSV import)",
        description="Manage the corpus glossary. The review app marks its terms in the Indonesian with their "
        "English, QA on save warns when a term's English is missing, 'bitext flag' counts it (check 'glossary'; "
        "re-run 'bitext flag' after a change) and the dataset card records its size and signature.",
    )
    sub = p.add_subparsers(dest="glossary_command", metavar="ACTION", required=True)
    imp = sub.add_parser("import", help="add the terms of a TBX file or a CSV with id,en columns")
    imp.add_argument("file", help=".tbx (TBX-Basic/v2 or v3) or .csv (header with 'id' and 'en'; several English "
                     "renderings in one cell separated by '|')")
    imp.add_argument("--corpus", default=".", help="corpus folder (default: the current folder)")
    imp.set_defaults(func=run_import)
    ls = sub.add_parser("list", help="list the terms (tab-separated: Indonesian, English renderings)")
    ls.add_argument("--corpus", default=".")
    ls.set_defaults(func=run_list)
    add = sub.add_parser("add", help="add a term (or another English rendering of it)")
    add.add_argument("term", help="the Indonesian term")
    add.add_argument("english", help="its English")
    add.add_argument("--corpus", default=".")
    add.set_defaults(func=run_add)
    rm = sub.add_parser("remove", help="remove a term (every rendering, or only ENGLISH)")
    rm.add_argument("term")
    rm.add_argument("english", nargs="?")
    rm.add_argument("--corpus", default=".")
    rm.set_defaults(func=run_remove)


def _store(corpus: str):  # -> Store
    from bitext.store import Store

    return Store.open(corpus, create=False)


def run_import(args: argparse.Namespace) -> int:
    from bitext.review import glossary

    with _store(args.corpus) as store:
        r = glossary.import_file(store, args.file)
        n = len(glossary.terms(store))
    print(f"{r.path}: {r.read} term rendering(s) read, {r.added} added, {r.existing} already there; "
          f"the glossary has {n} term(s)")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from bitext.review import glossary

    with _store(args.corpus) as store:
        for t in glossary.terms(store):
            print(f"{t.source}\t{' | '.join(t.targets)}")
    return 0


def run_add(args: argparse.Namespace) -> int:
    from bitext.review import glossary

    with _store(args.corpus) as store:
        added = glossary.add_term(store, args.term, args.english)
    print(f"{args.term} → {args.english}: {'added' if added else 'already in the glossary'}")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from bitext.errors import BitextError
    from bitext.review import glossary

    with _store(args.corpus) as store:
        n = glossary.remove_term(store, args.term, args.english)
    if not n:
        raise BitextError(f"{args.term}{' → ' + args.english if args.english else ''}: not in the glossary "
                          "(see 'bitext glossary list')", exit_code=1)
    print(f"{args.term}: {n} rendering(s) removed")
    return 0
