"""The review app's HTTP server: werkzeug's WSGI server with a fixed pool of worker threads.

werkzeug's threaded server starts a thread per request: under a burst (1,000 concurrent GETs) that is
1,000 threads, each opening its own SQLite connection with a cold page cache, fighting for the GIL,
while the listen queue (128) overflows and clients wait out SYN retries (84 of 1,000 timed out at 60 s).
Here a burst waits in a deep listen queue and an in-process queue, and a fixed set of threads serves it,
each keeping its SQLite connection (and its cache) warm across requests. Connections are closed after
each response (HTTP/1.0): an idle keep-alive connection would hold a worker of a fixed pool.
"""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler

WORKERS = 16
"""Threads serving requests (SQLite reads release the GIL; more would only queue on two cores)."""
BACKLOG = 2048
"""Listen queue: connections the kernel holds while the workers are busy (capped by net.core.somaxconn)."""


class PooledWSGIServer(BaseWSGIServer):
    """A :class:`werkzeug.serving.BaseWSGIServer` whose requests run on a fixed thread pool."""

    multithread = True
    request_queue_size = BACKLOG
    daemon_threads = True

    def __init__(self, host: str, port: int, app: Any, handler: type[WSGIRequestHandler] | None = None,
                 workers: int = WORKERS, **kwargs: Any) -> None:  # fmt: skip
        handler = handler or WSGIRequestHandler
        if "protocol_version" not in vars(handler):
            handler = type("Handler", (handler,), {"protocol_version": "HTTP/1.0"})
        super().__init__(host, port, app, handler, **kwargs)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bitext-review")

    def process_request(self, request: socket.socket, client_address: Any) -> None:  # type: ignore[override]
        self._pool.submit(self._serve_one, request, client_address)

    def _serve_one(self, request: socket.socket, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:  # as socketserver does: log it, keep serving
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)

    def server_close(self) -> None:
        super().server_close()
        pool = getattr(self, "_pool", None)  # None: the bind failed inside __init__
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def make_server(host: str, port: int, app: Any, request_handler: type[WSGIRequestHandler] | None = None,
                **kwargs: Any) -> PooledWSGIServer:  # fmt: skip
    """The review app's server (as :func:`werkzeug.serving.make_server`; ``ssl_context`` etc. pass through)."""
    return PooledWSGIServer(host, port, app, request_handler, **kwargs)
