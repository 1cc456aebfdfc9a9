"""``bitext run``: every stage, in order, each skipping the work already done."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..pipeline import (
    corpus_status,
    format_status,
    run_pipeline,
    sharded_status,
)
from ..readers import expand_inputs
from ..shards import read_layout
from ..store import Store
from .options import add_translation_options, engine_kwargs, translation_kwargs
from .segment import add_input_options, report_ingest


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="run the whole job: segment, translate, lexicon, align, flag, publish",
        description="Segment INPUT articles into CORPUS, translate them, align, flag, and write the dataset "
        "folder CORPUS/dataset. Re-running skips everything already done, so an interrupted run resumes.",
    )
    add_input_options(p)
    t = p.add_argument_group("translation")
    add_translation_options(t)
    a = p.add_argument_group("alignment, flags, publishing")
    a.add_argument("--reference", type=Path, metavar="DIR", help="human English versions to align against too")
    a.add_argument("--flag-config", type=Path, metavar="TOML", help="thresholds overriding the defaults")
    a.add_argument("--publish-to", type=Path, metavar="DIR", help="dataset folder (default: CORPUS/dataset)")
    a.add_argument("--no-publish", action="store_true", help="stop after flagging")
    a.add_argument(
        "--license",
        default="unknown",
        help="license of the published dataset (default: %(default)s: news articles belong to their publishers)",
    )
    p.set_defaults(func=run_run)


def run_run(args: argparse.Namespace) -> int:
    expand_inputs(args.inputs)  # a missing input fails before any store is created
    publish_to = None if args.no_publish else (args.publish_to or Path(args.out) / "dataset")
    if args.shards is not None or read_layout(args.out) is not None:
        return _run_sharded(args, publish_to)
    with Store.open(args.out) as store:
        report = run_pipeline(
            store,
            args.inputs,
            keep_dateline=args.keep_dateline,
            encoding=args.encoding,
            max_article_mb=args.max_article_mb,
            translate_options={**translation_kwargs(args), **engine_kwargs(args)},
            reference=args.reference,
            flag_config=args.flag_config,
            publish_to=publish_to,
            publish_options={"license": args.license, "quiet": args.quiet},
            quiet=args.quiet,
            on_ingest=lambda r: report_ingest(r, args.quiet),
        )
        if not args.quiet:
            print(format_status(corpus_status(store)))
            if publish_to is not None:
                print(f"dataset     {publish_to}")
    return 0 if report.ingest.ok else 1


def _run_sharded(args: argparse.Namespace, publish_to: Path | None) -> int:
    """``bitext run`` into a sharded corpus (``--shards N``, or an ``--out`` that is one)."""
    report = run_pipeline(
        Path(args.out), args.inputs, shards=args.shards, keep_dateline=args.keep_dateline, encoding=args.encoding,
        max_article_mb=args.max_article_mb, translate_options={**translation_kwargs(args), **engine_kwargs(args)},
        reference=args.reference, flag_config=args.flag_config, publish_to=publish_to,
        publish_options={"license": args.license, "quiet": args.quiet}, quiet=args.quiet,
        on_ingest=lambda r: report_ingest(r, args.quiet),
    )
    if not args.quiet:
        print(format_status(sharded_status(args.out)))
        if publish_to is not None:
            print(f"dataset     {publish_to}")
    return 0 if report.ingest.ok else 1
