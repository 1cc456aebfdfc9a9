"""A loopback HTTP server for the fetch tests: routes of fixed answers or fault-injecting callables,
and a count of every request (path with query) so tests can say what was fetched and how often."""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


Handler = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Site:
    routes: dict[str, Page | Handler] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    agents: list[str] = field(default_factory=list)
    conditional: list[str] = field(default_factory=list)
    base: str = ""

    def url(self, path: str) -> str:
        return self.base + path


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # quiet
            pass

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes: without TCP_NODELAY, Nagle and delayed ACKs add
            # 40 ms to every answer and the benchmark would measure that.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_GET(self) -> None:  # noqa: N802
            site.hits[self.path] += 1
            site.agents.append(self.headers.get("User-Agent", ""))
            route = site.routes.get(self.path) or site.routes.get(self.path.split("?")[0])
            if route is None:
                return self.answer(Page(b"not found", "text/plain", 404))
            if callable(route):
                return route(self)
            etag = route.headers.get("ETag")
            if etag and self.headers.get("If-None-Match") == etag:
                site.conditional.append(self.path)
                return self.answer(Page(b"", route.content_type, 304, {"ETag": etag}))
            self.answer(route)

        def answer(self, page: Page) -> None:
            if page.delay:
                time.sleep(page.delay)
            self.send_response(page.status)
            self.send_header("Content-Type", page.content_type)
            for k, v in page.headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(page.body)))
            self.end_headers()
            if page.status != 304:
                self.wfile.write(page.body)

    return H


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hangs up early (size limits) is part of the tests


@contextmanager
def serve(site: Site) -> Iterator[Site]:
    """Serve ``site`` on 127.0.0.1 (a free port) in a thread; ``site.base`` is its URL."""
    server = _Server(("127.0.0.1", 0), _handler(site))
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        t.join(5)


def free_port() -> int:
    """A loopback port nothing listens on (for 'unreachable host')."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
