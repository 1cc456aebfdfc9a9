"""``bitext doctor``: integrity, schema, locks, leftovers of killed runs, and what the next run would do."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "doctor",
        help="check a corpus: integrity, schema, locks, leftovers of killed runs; --fix removes leftovers",
        description="Examine CORPUS without writing to its store. Exit code 1 when a problem is left.",
    )
    p.add_argument("corpus", metavar="CORPUS", help="corpus folder")
    p.add_argument("--fix", action="store_true", help="remove leftover temporary folders of killed runs")
    p.set_defaults(func=run_doctor)


def run_doctor(args: argparse.Namespace) -> int:
    from bitext.doctor import doctor, next_run
    from bitext.translate.backends.ct2 import ct2_cache_root

    report = doctor(args.corpus, fix=args.fix, cache_root=ct2_cache_root(), next_run=next_run)
    print(report.format())
    return 0 if report.ok else 1
