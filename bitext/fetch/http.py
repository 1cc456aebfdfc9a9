"""Polite HTTP: robots.txt, a per-host rate and concurrency limit, retries with backoff on 429/5xx
(honouring ``Retry-After``, bounded), conditional requests, and bounded bodies.

Every problem becomes :attr:`Fetched.problem`, one line naming the URL; nothing here raises for a bad
server. A body is streamed and decoded (gzip/deflate) chunk by chunk and the *decoded* size counted, so
a gzip bomb or a 50 MB page stops at ``max_bytes`` without being held in memory.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.robotparser import RobotFileParser

import requests

from ..store import utcnow
from .urls import host_of

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
DEFAULT_USER_AGENT = "bitext-fetch/0.1 (+https://github.com/bitext; corpus building, polite)"


@dataclass(frozen=True)
class HttpOptions:
    """Politeness and limits (the ``bitext fetch`` options)."""

    user_agent: str = DEFAULT_USER_AGENT
    rate: float = 1.0
    """Requests per second per host; 0 = no rate limit. A robots.txt Crawl-delay slows it further."""
    per_host: int = 2
    """Requests in flight per host."""
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 1.0
    """First wait before a retry (seconds), doubled each time."""
    max_retry_wait: float = 60.0
    """Longest wait honoured from a Retry-After header or the backoff."""
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    robots: bool = True


@dataclass(frozen=True)
class Fetched:
    """The outcome of one GET: a body, a 304, or a one-line ``problem``."""

    url: str
    final_url: str
    status: int | None
    body: bytes | None = None
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: str = field(default_factory=utcnow)
    problem: str | None = None
    final: bool = True
    """False for a problem worth retrying on a later run (unreachable, 5xx); True when it is the page's answer."""

    @property
    def charset(self) -> str | None:
        """The charset named in the Content-Type header, if any."""
        for part in self.content_type.split(";")[1:]:
            k, _, v = part.partition("=")
            if k.strip().lower() == "charset" and v.strip():
                return v.strip().strip('"')
        return None

    @property
    def mime(self) -> str:
        return self.content_type.split(";")[0].strip().lower()


class _Host:
    """Per-host state: a concurrency gate, the time the next request may start, robots.txt rules."""

    def __init__(self, per_host: int) -> None:
        self.gate = threading.Semaphore(max(1, per_host))
        self.lock = threading.Lock()  # guards next_at
        self.robots_lock = threading.Lock()  # one robots.txt fetch per host
        self.next_at = 0.0
        self.robots: RobotFileParser | None = None
        self.robots_problem: str | None = None
        self.delay = 0.0


class Fetcher:
    """GETs with politeness; thread-safe (one ``requests.Session``, per-host gates)."""

    def __init__(self, options: HttpOptions, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self.options = options
        self.session = requests.Session()
        self.session.headers["User-Agent"] = options.user_agent
        self.session.max_redirects = options.max_redirects
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=32)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self._hosts: dict[str, _Host] = {}
        self._lock = threading.Lock()
        self._sleep = sleep
        self.requests = 0

    def close(self) -> None:
        self.session.close()

    def _host(self, url: str) -> _Host:
        key = host_of(url)
        with self._lock:
            h = self._hosts.get(key)
            if h is None:
                h = self._hosts[key] = _Host(self.options.per_host)
            return h

    def allowed(self, url: str) -> str | None:
        """None when robots.txt lets our user agent fetch ``url``; else why not (one line)."""
        if not self.options.robots:
            return None
        h = self._host(url)
        with h.robots_lock:
            if h.robots is None and h.robots_problem is None:
                self._load_robots(url, h)
        if h.robots_problem is not None:
            return h.robots_problem
        assert h.robots is not None
        if not h.robots.can_fetch(self.options.user_agent, url):
            return f"{url}: disallowed by robots.txt for this user agent; skipped"
        return None

    def _load_robots(self, url: str, h: _Host) -> None:
        base = url.split("/", 3)
        robots_url = "/".join(base[:3]) + "/robots.txt"
        got = self._get(robots_url, h, None, None, robots=True)
        rp = RobotFileParser(robots_url)
        if got.status is not None and got.status in (401, 403):
            rp.disallow_all = True  # as urllib.robotparser.read() treats them
        elif got.status is not None and 400 <= got.status < 500:
            rp.allow_all = True  # no robots.txt: everything is allowed
        elif got.body is None:
            # RFC 9309: robots.txt unreachable (5xx, network) means "assume complete disallow".
            h.robots_problem = (f"{robots_url}: robots.txt unreachable ({got.problem or got.status}); "
                                "the host is skipped this run (re-run later)")
            return
        else:
            rp.parse(got.body.decode("utf-8", "replace").splitlines())
        delay = rp.crawl_delay(self.options.user_agent)
        if delay:
            h.delay = min(float(delay), self.options.max_retry_wait)
        h.robots = rp

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """GET ``url`` politely (robots.txt must be checked with :meth:`allowed` first)."""
        return self._get(url, self._host(url), etag, last_modified)

    def _wait_turn(self, h: _Host) -> None:
        interval = max(1.0 / self.options.rate if self.options.rate > 0 else 0.0, h.delay)
        with h.lock:
            now = time.monotonic()
            start = max(now, h.next_at)
            h.next_at = start + interval
        if start > now:
            self._sleep(start - now)

    def _get(self, url: str, h: _Host, etag: str | None, last_modified: str | None, *,
             robots: bool = False) -> Fetched:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        o = self.options
        attempt = 0
        while True:
            with h.gate:
                self._wait_turn(h)
                got, retry_after = self._once(url, headers)
            retryable = got.status in RETRY_STATUSES or (got.status is None and not got.final)
            if not retryable or attempt >= o.retries:
                return got
            wait = o.backoff * (2 ** attempt)
            if retry_after is not None:
                wait = max(wait, retry_after)
            self._sleep(min(wait, o.max_retry_wait))
            attempt += 1

    def _once(self, url: str, headers: dict[str, str]) -> tuple[Fetched, float | None]:
        o = self.options
        self.requests += 1
        try:
            r = self.session.get(url, headers=headers, timeout=o.timeout, stream=True)
        except requests.TooManyRedirects:
            return Fetched(url, url, None, problem=f"{url}: more than {o.max_redirects} redirects (a redirect loop?); "
                           "skipped"), None
        except requests.Timeout:
            return Fetched(url, url, None, problem=f"{url}: no answer within {o.timeout:g} s", final=False), None
        except requests.ConnectionError as e:
            return Fetched(url, url, None, problem=f"{url}: unreachable ({_reason(e)})", final=False), None
        except requests.RequestException as e:
            return Fetched(url, url, None, problem=f"{url}: cannot fetch ({_reason(e)})"), None
        with r:
            base = dict(url=url, final_url=r.url, status=r.status_code,
                        content_type=r.headers.get("Content-Type", ""), etag=r.headers.get("ETag"),
                        last_modified=r.headers.get("Last-Modified"))
            if r.status_code == 304:
                return Fetched(**base), None
            if r.status_code >= 400:
                return (Fetched(**base, problem=f"{url}: HTTP {r.status_code}", final=r.status_code < 500),
                        _retry_after(r.headers.get("Retry-After")))
            declared = r.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > o.max_bytes and "Content-Encoding" not in r.headers:
                return Fetched(**base, problem=f"{url}: page of {int(declared) / 2**20:.1f} MB is over the "
                               f"{o.max_bytes / 2**20:g} MB limit (--max-page-mb); skipped"), None
            chunks: list[bytes] = []
            size = 0
            try:
                for chunk in r.iter_content(64 * 1024):  # decoded (gzip/deflate) chunks
                    size += len(chunk)
                    if size > o.max_bytes:
                        return Fetched(**base, problem=f"{url}: page is over the {o.max_bytes / 2**20:g} MB limit "
                                       "once decoded (--max-page-mb; a compression bomb?); skipped"), None
                    chunks.append(chunk)
            except requests.RequestException as e:
                return Fetched(**base, problem=f"{url}: connection broke while reading ({_reason(e)})",
                               final=False), None
            return Fetched(**base, body=b"".join(chunks)), None


def _reason(e: BaseException) -> str:
    """The innermost reason of a requests/urllib3 error, short."""
    inner: BaseException | None = e
    seen = 0
    while inner is not None and seen < 6:
        args = getattr(inner, "args", ())
        nxt = getattr(inner, "reason", None) or (args[0] if args and isinstance(args[0], BaseException) else None)
        if not isinstance(nxt, BaseException):
            break
        inner, seen = nxt, seen + 1
    text = str(inner or e)
    if "]" in text and "Errno" in text:
        text = text.split("]", 1)[1].strip()
    return text.split(" (Caused by")[0][:160] or type(e).__name__


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
