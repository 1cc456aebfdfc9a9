"""Fetch throughput against a loopback mirror of a small news site (no rate limit) and the dedup counts.

The site is the test site (tests/fetch/site.py: 50 FLORES-200 articles, a feed, a sitemap index, 10
republished copies, an English page, a PDF, a robots.txt-disallowed page), built from ../shared at run
time. Printed side by side: a bare sequential ``requests.get`` of the same pages (the baseline: transfer
only) and ``bitext fetch`` at concurrency 1 and 8 (robots.txt, extraction, language check, dedup, ingest),
on the bare loopback server and on one that takes 50 ms per answer, each against the baseline on the
same server.

    PYTHONPATH=$PWD python scripts/bench_fetch.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bitext.fetch import FetchOptions, HttpOptions, fetch_corpus  # noqa: E402
from bitext.store import Store  # noqa: E402
from tests.fetch.server import Site, serve  # noqa: E402
from tests.fetch.site import build_site  # noqa: E402

LATENCY = 0.05
"""A server that takes 50 ms per answer, as a real one far away does: what concurrency is for."""
REPEATS = 5
"""Each run is a fraction of a second on a shared machine: the best of 5 is printed."""


def set_latency(site: Site, latency: float) -> None:
    for route in site.routes.values():
        if hasattr(route, "delay"):
            route.delay = latency


def baseline(site: Site, pages: list[str], repeats: int) -> float:
    """Pages per second of a bare sequential ``requests.get`` of ``pages`` (best of ``repeats``)."""
    import requests

    best = 0.0
    for _ in range(repeats):
        t = time.perf_counter()
        with requests.Session() as s:
            for p in pages:
                assert s.get(site.url(p)).content
        best = max(best, len(pages) / (time.perf_counter() - t))
    return best


def main() -> None:
    flores = ROOT.parent / "shared" / "data" / "flores200-devtest"
    with serve(Site()) as site:
        exp = build_site(site, flores / "devtest.id", flores / "devtest.en")
        pages = [*exp.originals, *exp.exact, *exp.near, *exp.syndicated]
        print(f"{'run':<45}{'pages':>6}{'pages/s':>10}{'vs baseline':>13}")
        runs = [(0, 0.0), (1, 0.0), (8, 0.0), (1, LATENCY), (8, LATENCY)]  # 0: a warm-up, not printed
        base: dict[float, float] = {}
        for conc, latency in runs:
            set_latency(site, latency)
            repeats = 2 if latency else REPEATS
            if latency not in base:  # each server speed has its own baseline, printed above its runs
                base[latency] = baseline(site, pages, repeats)
                what = f"requests.get, sequential, {latency * 1000:g} ms server" if latency else \
                    "requests.get, sequential (baseline)"
                print(f"{what:<45}{len(pages):>6}{base[latency]:>10.1f}{1.0:>12.2f}x")
            rate = 0.0
            for _ in range(repeats if conc else 1):
                with tempfile.TemporaryDirectory() as d, Store.open(d) as store:
                    opts = FetchOptions(http=HttpOptions(rate=0, per_host=max(1, conc)), concurrency=max(1, conc))
                    r = fetch_corpus(store, [site.url("/rss.xml"), site.url("/sitemap.xml")], opts)
                    rate = max(rate, r.pages / r.seconds)
            if conc:
                what = f"bitext fetch, concurrency {conc}" + (f", {latency * 1000:g} ms server" if latency else "")
                print(f"{what:<45}{r.pages:>6}{rate:>10.1f}{rate / base[latency]:>12.2f}x"
                      f"   added {r.added}, duplicates {dict(sorted(r.duplicates.items()))}, skipped {r.skipped}")

if __name__ == "__main__":
    main()
