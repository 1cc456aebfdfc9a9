"""``bitext review`` (the web app) and ``bitext import-review`` (edits and decisions from XLIFF/CSV/TSV).

Imports stay light: Flask is imported only when the server starts.
"""

from __future__ import annotations

import argparse
import sys

from bitext.errors import BitextError
from bitext.formats import IMPORTERS
from bitext.model import ACCEPTED, EDITED, PENDING, REJECTED


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``review`` and ``import-review`` subcommands."""
    p = subparsers.add_parser(
        "review",
        help="review aligned pairs in a local web app",
        description="Start the review web app over a corpus. Binds to 127.0.0.1; with any other --host an "
        "access token is required (printed once, or taken from $BITEXT_REVIEW_TOKEN).",
    )
    p.add_argument("corpus", help="corpus folder (holding bitext.sqlite)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (default: 8765; 0 picks a free one)")
    p.add_argument("--reviewer", help="name recorded with decisions (default: $BITEXT_REVIEWER or $USER); "
                   "in a team each person's name comes from their token")
    p.add_argument("--users", metavar="FILE", help="a review team: a TOML file of [[person]] entries (name, role "
                   "reviewer|approver|lead, optional token); each person signs in with a personal URL, printed once")
    p.add_argument("--certfile", help="serve HTTPS with this PEM certificate (with --keyfile)")
    p.add_argument("--keyfile", help="the certificate's private key (PEM)")
    p.add_argument("--guidelines", metavar="FILE", help="a Markdown file of review guidelines, shown in a panel "
                   "(key g)")
    p.set_defaults(func=run_review)

    p = subparsers.add_parser(
        "import-review",
        help="apply English edits and decisions from an XLIFF 2 or CSV/TSV file",
        description="Apply edits made in a CAT tool (XLIFF from 'bitext export --format xliff') or a spreadsheet "
        "(CSV/TSV with columns id, target and edited; or id/source/target). Changed targets become 'edited' "
        "decisions; an XLIFF state reviewed/final (approve) or subState bitext:rejected, or a changed status column, "
        "becomes that decision; conflicts and unknown ids are reported one per line and not applied (exit 1).",
    )
    p.add_argument("file", help="the edited .xlf/.xliff, .csv or .tsv file")
    p.add_argument("--corpus", required=True, help="corpus folder")
    p.add_argument("--reviewer", required=True, help="name recorded with the imported edits")
    p.add_argument("--format", choices=("auto", *IMPORTERS), default="auto",
                   help="file format (default: by extension)")
    p.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    p.add_argument("--force-corpus", action="store_true",
                   help="import a file exported from another corpus (e.g. a copy of this one); each row's "
                   "Indonesian must still match its pair")
    p.set_defaults(func=run_import_review)


def _open_store(corpus: str):  # -> Store (kept unannotated to avoid importing at module top)
    from bitext.store import Store

    return Store.open(corpus, create=False)  # StoreError is a BitextError (exit code 2): one line


def run_review(args: argparse.Namespace) -> int:
    """Serve the review app until Ctrl-C."""
    from bitext.web.app import serve

    if not 0 <= args.port <= 65535:
        raise BitextError(f"--port {args.port}: not a port number", exit_code=2)
    _open_store(args.corpus).close()
    if args.guidelines is not None:  # a bad file is one line before the server starts
        from bitext.web.guidelines import load_guidelines

        load_guidelines(args.guidelines)
    serve(args.corpus, host=args.host, port=args.port, reviewer=args.reviewer, users=args.users,
          certfile=args.certfile, keyfile=args.keyfile, guidelines=args.guidelines)
    return 0


def run_import_review(args: argparse.Namespace) -> int:
    """Import edits; print one line per problem on stderr and a summary on stdout."""
    from bitext.review import import_review

    store = _open_store(args.corpus)
    with store:
        result = import_review(store, args.file, reviewer=args.reviewer, fmt=args.format, dry_run=args.dry_run,
                               force_corpus=args.force_corpus)
    for line in result.problems:
        print(f"bitext: error: {line}", file=sys.stderr)
    verb = "would import" if args.dry_run else "imported"
    reopened = result.count(PENDING)
    print(
        f"{args.file}: {verb} {result.count(EDITED)} edit(s), {result.count(ACCEPTED)} accepted, "
        f"{result.count(REJECTED)} rejected, " + (f"{reopened} reopened, " if reopened else "")
        + f"{result.unchanged} unchanged, {len(result.problems)} conflict(s)/problem(s)"
    )
    return 1 if result.problems else 0
