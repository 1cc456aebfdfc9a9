"""``bitext doctor``: integrity, schema, locks, leftovers of killed runs, and what the next run would do."""

from __future__ import annotations

import argparse

from bitext.errors import BitextError


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
    from bitext.shards import read_layout, store_folders
    from bitext.translate.backends.ct2 import ct2_cache_root

    try:
        sharded = read_layout(args.corpus) is not None
    except BitextError as e:  # an unreadable shards.json: the doctor's finding, not a crash
        print(f"store   {args.corpus}\nPROBLEM {e}\nproblems found (exit code 1)")
        return 1
    if not sharded:
        report = doctor(args.corpus, fix=args.fix, cache_root=ct2_cache_root(), next_run=next_run)
        print(report.format())
        return 0 if report.ok else 1
    # A sharded corpus: the doctor of every shard (the CTranslate2 cache looked at once), then the verdict.
    folders = store_folders(args.corpus)
    ok = True
    for i, folder in enumerate(folders):
        report = doctor(folder, fix=args.fix, cache_root=ct2_cache_root() if i == 0 else None, next_run=next_run)
        ok = ok and report.ok
        print(report.format().rsplit("\n", 1)[0])  # its own verdict line is replaced by the corpus's
    print(f"{len(folders)} shards: " + ("healthy" if ok else "problems found (exit code 1)"))
    return 0 if ok else 1
