"""The polite fetcher against a fault-injecting loopback server: 429 with Retry-After, 5xx backoff,
resets, slow answers, redirect loops, a gzip bomb, a 50 MB page, robots.txt, conditional requests."""

from __future__ import annotations

import gzip

import pytest

from bitext.fetch.http import Fetcher, HttpOptions

from .server import Page, Site, free_port, serve


def fetcher(**kw) -> tuple[Fetcher, list[float]]:
    waits: list[float] = []
    opts = {"rate": 0, "timeout": 5, "robots": True, **kw}
    return Fetcher(HttpOptions(**opts), sleep=waits.append), waits


def failing_then(status: int, times: int, headers: dict[str, str] | None = None):
    state = {"n": 0}

    def handler(h):
        state["n"] += 1
        if state["n"] <= times:
            h.answer(Page(b"busy", "text/plain", status, headers or {}))
        else:
            h.answer(Page(b"<html><body><p>ok</p></body></html>"))
    return handler


@pytest.fixture
def site():
    with serve(Site()) as s:
        yield s


def test_429_retry_after_is_honoured_and_bounded(site):
    site.routes["/a"] = failing_then(429, 1, {"Retry-After": "7"})
    site.routes["/b"] = failing_then(429, 1, {"Retry-After": "7"})
    f, waits = fetcher()
    got = f.get(site.url("/a"))
    assert (got.status, got.problem, waits) == (200, None, [7.0])
    f, waits = fetcher(max_retry_wait=2)
    assert f.get(site.url("/b")).status == 200 and waits == [2.0]


def test_5xx_backs_off_exponentially_then_gives_up_as_retryable(site):
    site.routes["/x"] = failing_then(503, 10)
    f, waits = fetcher(retries=3, backoff=0.5)
    got = f.get(site.url("/x"))
    assert (got.status, got.problem, got.final) == (503, f"{site.url('/x')}: HTTP 503", False)
    assert waits == [0.5, 1.0, 2.0] and site.hits["/x"] == 4


def test_connection_reset_is_retried(site):
    state = {"n": 0}

    def reset_once(h):
        state["n"] += 1
        if state["n"] == 1:
            h.close_connection = True
            h.connection.shutdown(2)  # no answer at all
            return
        h.answer(Page(b"<html><body><p>ok</p></body></html>"))
    site.routes["/r"] = reset_once
    f, waits = fetcher()
    got = f.get(site.url("/r"))
    assert got.status == 200 and got.body and len(waits) == 1


def test_slow_answer_times_out_as_one_line(site):
    site.routes["/slow"] = Page(b"late", delay=1.0)
    f, _ = fetcher(timeout=0.2, retries=0)
    got = f.get(site.url("/slow"))
    assert got.problem == f"{site.url('/slow')}: no answer within 0.2 s" and not got.final


def test_redirect_loop_unreachable_host_and_size_limits(site):
    site.routes["/loop"] = Page(b"", status=302, headers={"Location": "/loop"})
    f, _ = fetcher(max_redirects=3, retries=0, max_bytes=2**20)
    assert f.get(site.url("/loop")).problem == f"{site.url('/loop')}: more than 3 redirects (a redirect loop?); skipped"

    dead = f"http://127.0.0.1:{free_port()}/x"
    got = f.get(dead)
    assert got.problem.startswith(f"{dead}: unreachable (") and "\n" not in got.problem and not got.final

    bomb = gzip.compress(b"\0" * (20 * 2**20))  # 20 MB of zeros in ~20 kB
    site.routes["/bomb"] = Page(bomb, headers={"Content-Encoding": "gzip"})
    got = f.get(site.url("/bomb"))
    assert got.body is None and got.problem == (f"{site.url('/bomb')}: page is over the 1 MB limit once decoded "
                                                "(--max-page-mb; a compression bomb?); skipped")

    site.routes["/big"] = Page(b"x" * (50 * 2**20))  # declared 50 MB: refused before the body is read
    got = f.get(site.url("/big"))
    assert got.problem == f"{site.url('/big')}: page of 50.0 MB is over the 1 MB limit (--max-page-mb); skipped"

    def endless(h):  # 50 MB with no Content-Length: read until the limit, then dropped
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Connection", "close")
        h.end_headers()
        try:
            for _ in range(50):
                h.wfile.write(b"y" * 2**20)
        except OSError:
            pass
        h.close_connection = True
    site.routes["/stream"] = endless
    got = f.get(site.url("/stream"))
    assert got.body is None and "over the 1 MB limit once decoded" in got.problem


def test_robots_rules_crawl_delay_and_unreachable_robots(site):
    site.routes["/robots.txt"] = Page(b"User-agent: bitext-x\nDisallow: /no/\nCrawl-delay: 3\n\nUser-agent: *\n"
                                      b"Disallow: /\n", "text/plain")
    f, waits = fetcher(user_agent="bitext-x")
    assert f.allowed(site.url("/no/1")) == f"{site.url('/no/1')}: disallowed by robots.txt for this user agent; skipped"
    assert f.allowed(site.url("/yes")) is None
    site.routes["/yes"] = Page(b"<html></html>")
    f.get(site.url("/yes"))
    f.get(site.url("/yes"))
    assert waits and max(waits) > 2  # the second waited for Crawl-delay
    g, _ = fetcher(user_agent="other")
    assert "disallowed" in g.allowed(site.url("/yes"))

    site.routes["/robots.txt"] = Page(b"down", "text/plain", 500)
    h, _ = fetcher(retries=0)
    assert "robots.txt unreachable" in h.allowed(site.url("/page"))


def test_conditional_request_gets_304(site):
    site.routes["/c"] = Page(b"<html></html>", headers={"ETag": '"v1"'})
    f, _ = fetcher()
    first = f.get(site.url("/c"))
    again = f.get(site.url("/c"), etag=first.etag)
    assert (first.status, first.etag, again.status, again.body) == (200, '"v1"', 304, None)
