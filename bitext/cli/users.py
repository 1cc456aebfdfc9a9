"""``bitext users``: the people of a review team (``add`` prints a personal token once; ``list``; ``remove``)."""

from __future__ import annotations

import argparse

from bitext.errors import BitextError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``users`` subcommand."""
    p = subparsers.add_parser(
        "users",
        help="the people of a review team (personal tokens, roles)",
        description="Manage who may review a corpus. With people, 'bitext review' signs each person in by a "
        "personal token (stored hashed) and records their name with every decision; only an approver or lead "
        "signs decisions off, never their own; a lead splits the work.",
    )
    sub = p.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    a = sub.add_parser("add", help="add a person and print their personal token once")
    a.add_argument("name")
    a.add_argument("--role", required=True, choices=("reviewer", "approver", "lead"))
    a.add_argument("--corpus", default=".", help="corpus folder (default: the current folder)")
    a.add_argument("--replace", action="store_true", help="give an existing person a new role and token")
    a.add_argument("--url", default="http://127.0.0.1:8765/", help="the review server's address, for the "
                   "printed personal URL (default: http://127.0.0.1:8765/)")
    a.set_defaults(func=run_add)
    ls = sub.add_parser("list", help="list the team")
    ls.add_argument("--corpus", default=".")
    ls.set_defaults(func=run_list)
    rm = sub.add_parser("remove", help="remove a person (their decisions stay; their token stops working)")
    rm.add_argument("name")
    rm.add_argument("--corpus", default=".")
    rm.set_defaults(func=run_remove)


def _store(corpus: str):  # -> Store
    from bitext.store import Store

    return Store.open(corpus, create=False)


def run_add(args: argparse.Namespace) -> int:
    """Add a person; the token is printed now and never again (only its hash is kept)."""
    from bitext.review import people
    from bitext.web.app import personal_url

    with _store(args.corpus) as store:
        token = people.add_person(store, args.name, args.role, replace=args.replace)
    print(f"{args.name} ({args.role}) added. Personal token (shown only now): {token}")
    print(f"  sign in at {personal_url(args.url, token)}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from bitext.review import people

    with _store(args.corpus) as store:
        team = people.people(store)
        for who in team:
            held = [lease.article_id for lease in people.my_articles(store, who.name)]
            print(f"{who.name}\t{who.role}\t{len(held)} article(s) assigned")
    if not team:
        print("no team: 'bitext review' runs for a single reviewer")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from bitext.review import people

    with _store(args.corpus) as store:
        if not people.remove_person(store, args.name):
            raise BitextError(f"{args.name!r} is not a member of this review team", exit_code=1)
    print(f"{args.name} removed")
    return 0
