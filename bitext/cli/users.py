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
    asg = sub.add_parser("assign", help="give articles to a person (a lead's split of the work)")
    asg.add_argument("articles", nargs="+", metavar="ARTICLE")
    asg.add_argument("--to", required=True, metavar="NAME", help="the team member who gets them")
    asg.add_argument("--hours", type=float, default=4.0, help="how long without a decision before they return "
                     "to the pool (default: 4)")
    asg.add_argument("--double", action="store_true", help="a double review: keep them with their other holder")
    asg.add_argument("--by", default="lead", help="name recorded as who assigned them (default: lead)")
    asg.add_argument("--corpus", default=".")
    asg.set_defaults(func=run_assign)
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


def run_assign(args: argparse.Namespace) -> int:
    """Lease articles to a person (see :func:`bitext.review.people.assign`)."""
    from bitext.review import people

    if not 0 < args.hours <= 24 * 14:
        raise BitextError(f"--hours {args.hours:g}: give 0 to 336 hours", exit_code=2)
    with _store(args.corpus) as store:
        given = people.assign(store, args.articles, args.to, lead=args.by, hours=args.hours, double=args.double)
    print(f"{len(given)} article(s) assigned to {args.to} for {args.hours:g} h" + (" (double review)" if args.double
                                                                                  else ""))
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from bitext.review import people

    with _store(args.corpus) as store:
        if not people.remove_person(store, args.name):
            raise BitextError(f"{args.name!r} is not a member of this review team", exit_code=1)
    print(f"{args.name} removed")
    return 0
