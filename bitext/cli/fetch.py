"""``bitext fetch``: articles from feeds, sitemaps, URL lists and WARC files into a corpus."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    from ..fetch.http import DEFAULT_USER_AGENT

    p = sub.add_parser(
        "fetch",
        help="fetch articles from feeds, sitemaps, URL lists or WARC files into a corpus",
        description="Fetch the pages that each SOURCE names (an RSS/Atom feed URL, a sitemap or sitemap index, "
        "a file of URLs, a .warc/.arc[.gz] file, or one article URL), politely (robots.txt, a per-host rate and "
        "concurrency limit), keep their main text, skip pages that are not Indonesian, record duplicates (same "
        "URL, same text, near-duplicates) without ingesting them, and ingest the rest as 'bitext segment' does. "
        "Re-running resumes: a page already logged is not fetched again. Then: 'bitext run CORPUS --out CORPUS'.",
    )
    p.add_argument("sources", nargs="+", metavar="SOURCE", help="feed/sitemap/page URL, URL file, or WARC/ARC file")
    p.add_argument("--out", "-o", required=True, metavar="CORPUS", help="corpus folder (holds bitext.sqlite)")
    p.add_argument("--kind", choices=["feed", "sitemap", "urls", "warc", "page"],
                   help="the kind of every SOURCE (default: by suffix and content)")
    g = p.add_argument_group("politeness and limits")
    g.add_argument("--user-agent", default=DEFAULT_USER_AGENT, help="User-Agent header (and robots.txt agent)")
    g.add_argument("--rate", type=float, default=1.0, metavar="R",
                   help="requests per second per host, 0 = no limit (default: %(default)s)")
    g.add_argument("--per-host", type=int, default=2, metavar="N", help="requests in flight per host (default: %(default)s)")
    g.add_argument("--concurrency", type=int, default=8, metavar="N", help="requests in flight in all (default: %(default)s)")
    g.add_argument("--timeout", type=float, default=30.0, metavar="S", help="seconds per request (default: %(default)s)")
    g.add_argument("--retries", type=int, default=3, metavar="N", help="retries on 429/5xx/network errors (default: %(default)s)")
    g.add_argument("--max-retry-wait", type=float, default=60.0, metavar="S",
                   help="longest Retry-After or backoff wait honoured (default: %(default)s)")
    g.add_argument("--max-page-mb", type=float, default=10.0, metavar="MB",
                   help="largest page, counted decoded (default: %(default)s)")
    g.add_argument("--max-redirects", type=int, default=5, metavar="N", help="(default: %(default)s)")
    g.add_argument("--recheck", action="store_true",
                   help="revalidate pages fetched before (conditional requests: ETag / Last-Modified)")
    d = p.add_argument_group("content")
    d.add_argument("--near-duplicate", type=float, default=0.8, metavar="J",
                   help="MinHash Jaccard of 5-word shingles at which a page is a near-duplicate; 1 = off "
                   "(default: %(default)s)")
    d.add_argument("--keep-dateline", action="store_true", help="as for 'bitext segment'")
    d.add_argument("--any-language", action="store_true", help="do not skip pages whose text is not Indonesian")
    d.add_argument("--as", dest="as_", choices=["articles", "reference"], default="articles",
                   help="'reference': the pages are an English edition: pair each with its Indonesian article "
                   "(same article number in the URL, or date and shared names/numbers, with a confidence) and "
                   "write CORPUS/references.jsonl for 'bitext run --reference' (default: %(default)s)")
    d.add_argument("--pair-threshold", type=float, default=0.3, metavar="S",
                   help="--as reference: least anchor overlap to pair by date (default: %(default)s)")
    p.add_argument("--quiet", "-q", action="store_true", help="print only errors")
    p.set_defaults(func=run_fetch)


def run_fetch(args: argparse.Namespace) -> int:
    from ..errors import InputError
    from ..fetch import FetchOptions, HttpOptions, fetch_corpus
    from ..store import Store

    for name in ("rate", "timeout", "max_retry_wait", "max_page_mb"):
        if getattr(args, name) < 0:
            raise InputError(f"--{name.replace('_', '-')} must not be negative", exit_code=2)
    if min(args.per_host, args.concurrency) < 1 or not 0 < args.near_duplicate <= 1:
        raise InputError("--per-host and --concurrency must be at least 1, --near-duplicate in (0, 1]", exit_code=2)
    http = HttpOptions(user_agent=args.user_agent, rate=args.rate, per_host=args.per_host, timeout=args.timeout,
                       retries=args.retries, max_retry_wait=args.max_retry_wait,
                       max_bytes=int(args.max_page_mb * 2**20), max_redirects=args.max_redirects)
    options = FetchOptions(http=http, concurrency=args.concurrency, near_threshold=args.near_duplicate,
                           keep_dateline=args.keep_dateline, recheck=args.recheck, kind=args.kind,
                           check_language=not args.any_language, as_reference=args.as_ == "reference",
                           pair_threshold=args.pair_threshold)
    with Store.open(args.out) as store:
        report = fetch_corpus(store, args.sources, options, progress=not args.quiet and sys.stderr.isatty())
    if not args.quiet:
        for w in report.warnings:
            print(f"bitext: warning: {w}", file=sys.stderr)
    for p in report.problems:
        print(f"bitext: error: {p}", file=sys.stderr)
    if not args.quiet:
        dups = ", ".join(f"{n} {k}" for k, n in sorted(report.duplicates.items())) or "0"
        rate = report.pages / report.seconds if report.seconds else 0.0
        refs = f"{report.references} English pages paired, " if args.as_ == "reference" else ""
        print(f"fetch: {refs}{report.added} added, {report.changed} changed, {report.unchanged} unchanged, "
              f"{report.already} done before, duplicates {dups}, {report.skipped} skipped, {report.errors} "
              f"failed (retried next run); {report.pages} pages in {report.seconds:.1f} s ({rate:.1f} pages/s)")
    return 0 if report.ok else 1
