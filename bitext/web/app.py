"""The review web app: a local Flask app over the corpus store (``bitext review corpus/``).

:func:`create_app` builds it from one route table (:data:`ROUTES`) over the views of
:mod:`bitext.web.views`, with the checks of :mod:`bitext.web.guard` in front of every request;
:func:`serve` runs it. Pages are rendered on the server (Jinja, autoescaped; ``templates/`` beside this
module); one small static script (``static/``) adds keyboard shortcuts. Safe by default: it binds to
127.0.0.1, and on any other address an access token is required.
"""

from __future__ import annotations

import os
import secrets
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from bitext.errors import BitextError
from bitext.flags.report import histograms as flag_histograms
from bitext.review import people
from bitext.review.typology import ensure_notes
from bitext.store import Store
from bitext.web import ab, api, notes, postedit, views
from bitext.web.guard import (
    LOOPBACK_NAMES,
    TOKEN_ENV,
    Guard,
    Refused,
    csrf_token,
    is_loopback,
    session_config,
    session_secret,
)
from bitext.web.guidelines import load_guidelines

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


class Route(NamedTuple):
    """One URL of the app: ``endpoint`` is the name templates pass to ``url_for``."""

    rule: str
    endpoint: str
    view: Callable[..., Any]
    methods: tuple[str, ...] = ("GET",)


ROUTES = (
    Route("/", "index", views.index),
    Route("/review", "queue_page", views.queue_page),
    Route("/pair", "pair_page", views.pair_page),
    Route("/history", "history_page", views.history_page),
    Route("/api/progress", "progress_api", views.progress_api),
    Route("/decide", "decide", views.decide, ("POST",)),
    Route("/undo", "undo", views.undo, ("POST",)),
    Route("/reviewer", "set_reviewer", views.set_reviewer, ("POST",)),
    Route("/stats", "stats_page", views.stats_page),
    Route("/sign-off", "sign_off", views.sign_off, ("POST",)),
    Route("/reshape", "reshape", views.reshape, ("POST",)),
    Route("/assign", "assign", views.assign, ("POST",)),
    Route("/release", "release", views.release, ("POST",)),
    Route("/propagate", "propagate", views.propagate, ("POST",)),
    Route("/undo-propagation", "undo_propagation", views.undo_propagation, ("POST",)),
    Route("/discuss", "discuss", views.discuss, ("POST",)),
    *(Route(*r) for r in api.ROUTES),  # JSON for the page script's in-place navigation
    *(Route(*r) for r in postedit.ROUTES),  # translation memory, glossary, consistency, concordance
    *(Route(*r) for r in ab.ROUTES),  # the blind A/B page
)


def create_app(
    store: Store | str | Path,
    *,
    reviewer: str | None = None,
    token: str | None = None,
    allowed_hosts: tuple[str, ...] | None = LOOPBACK_NAMES,
    guidelines: str | Path | None = None,
) -> Flask:
    """Build the review app over ``store`` (a Store or a corpus folder).

    ``reviewer``: default name recorded with decisions (each browser session may change its own).
    ``token``: if set, every request needs it (``?token=`` once, then the session cookie).
    ``allowed_hosts``: host names the Host header may carry (None: any; use with a token).
    ``guidelines``: a Markdown file shown in the guidelines panel (key ``g``).
    """
    if not isinstance(store, Store):
        store = Store.open(store, create=False)
    app = Flask(__name__, template_folder="templates", static_folder="static")  # relative to this package
    app.config.update(session_config(session_secret(store)))
    app.extensions["bitext"] = views.ReviewSite(store, (reviewer or "").strip() or _default_reviewer())
    app.jinja_env.globals.update(csrf_token=csrf_token, current_reviewer=views.current_reviewer,
                                 current_person=views.current_person, may_sign_off=views.may_sign_off)
    app.jinja_env.globals["postedit"] = postedit.pair_context  # the pair page's TM panel and glossary
    app.jinja_env.globals.update(ab_items=ab.has_items, ab_stats=ab.stats_context)  # header link, stats table
    app.jinja_env.globals["flag_histograms"] = lambda: flag_histograms(views.site().store)  # _histograms.html
    notes.install(app, load_guidelines(guidelines) if guidelines is not None else None)
    ensure_notes(store)
    Guard(allowed_hosts, token, team=store).install(app)
    for route in ROUTES:
        app.add_url_rule(route.rule, route.endpoint, route.view, methods=list(route.methods))

    @app.errorhandler(Refused)
    def refused(e: Refused) -> Response:
        return views.error_page(e.code, e.message, e.keep_text)

    @app.errorhandler(views.Waiting)
    def waiting(e: views.Waiting) -> Response:
        return views.waiting_page(e.article_id, request.values.get("id", ""))

    @app.errorhandler(BitextError)
    def bitext_error(e: BitextError) -> Response:
        # A refused save shows the reviewer's typed English, so nothing typed is lost.
        return views.error_page(400, str(e), keep_text=request.method == "POST")

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Response:
        return views.error_page(e.code or 500, e.description or e.name)

    return app


def _default_reviewer() -> str:
    for var in ("BITEXT_REVIEWER", "USER", "USERNAME", "LOGNAME"):
        if os.environ.get(var):
            return os.environ[var]
    return "reviewer"


def _check_listen(host: str, port: int) -> None:
    """Fail with one clear line if the address cannot be bound (werkzeug would sys.exit instead)."""
    try:
        family, kind, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as e:
        raise BitextError(f"--host {host}: {e.strerror}", exit_code=2) from e
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as werkzeug's server does
        try:
            s.bind(addr)
        except OSError as e:
            raise BitextError(f"cannot listen on {host}:{port}: {e.strerror} (try another --port)", 2) from e


MIN_TOKEN = people.MIN_TOKEN
"""Shortest access token accepted (characters): a short one can be guessed."""


class _Handler:
    """werkzeug's request handler, logging the path without its query string (the access token rides in
    ``?token=`` once; it must not land in a terminal or a log file)."""

    @staticmethod
    def make() -> type:
        from werkzeug.serving import WSGIRequestHandler

        class Handler(WSGIRequestHandler):
            def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
                saved = getattr(self, "path", None)
                if saved is not None and "?" in saved:
                    self.path = saved.partition("?")[0] + "?…"
                try:
                    super().log_request(code, size)
                finally:
                    if saved is not None:
                        self.path = saved

        return Handler


def reachable_host(host: str) -> str:
    """An address a browser can open for a server bound to ``host``: the wildcard addresses 0.0.0.0 and
    :: are not reachable, so this machine's address (as other machines route to it) is given instead."""
    if host not in ("0.0.0.0", "::", ""):
        return host
    family = socket.AF_INET6 if host == "::" else socket.AF_INET
    probe = ("2001:db8::1", 80) if family == socket.AF_INET6 else ("192.0.2.1", 80)  # documentation ranges
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            s.connect(probe)  # no packet is sent: only picks the interface a route would use
            return s.getsockname()[0]
    except OSError:
        return socket.gethostname()


def _tls(certfile: str | None, keyfile: str | None) -> Any:
    """An SSL context for ``--certfile/--keyfile`` (None: plain HTTP); problems are one line."""
    if certfile is None and keyfile is None:
        return None
    if certfile is None:
        raise BitextError("--keyfile needs --certfile (the certificate, PEM)", exit_code=2)
    import ssl

    for option, path in (("--certfile", certfile), ("--keyfile", keyfile)):
        if path is not None and not Path(path).is_file():
            raise BitextError(f"{path}: no such file ({option})", exit_code=2)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        ctx.load_cert_chain(certfile, keyfile)
    except (ssl.SSLError, OSError) as e:
        raise BitextError(f"{certfile}: cannot use it as a TLS certificate and key ({e}); give a PEM certificate "
                          "with --certfile and its key with --keyfile", exit_code=2) from None
    return ctx


def personal_url(base: str, token: str) -> str:
    """The URL that signs a person in: ``base`` with the token percent-encoded."""
    return f"{base}?token={quote(token, safe='')}"


def serve(
    corpus: str | Path,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    reviewer: str | None = None,
    token: str | None = None,
    users: str | Path | None = None,
    certfile: str | None = None,
    keyfile: str | None = None,
    guidelines: str | Path | None = None,
    out: Any = None,
) -> None:
    """Serve the review app until interrupted (:mod:`bitext.web.server`: a fixed pool of threads).

    Single user (the store has no review team and no ``users`` file): on a non-loopback ``host`` a token is
    required: ``token``, else ``$BITEXT_REVIEW_TOKEN``, else a random one; a weak one is refused
    (:func:`bitext.review.people.check_token`). A team (``users``: a people file, see
    :func:`bitext.review.people.read_people_file`, or people added with ``bitext users add``): every
    person signs in with their own token, on any address; tokens made now are printed once, as personal
    URLs. ``certfile``/``keyfile``: serve HTTPS. ``guidelines``: a Markdown file for the guidelines panel. URLs are printed with an address a browser can reach
    (never 0.0.0.0) and the token percent-encoded; the access log never shows query strings.
    """
    from bitext.web.server import make_server

    out = out or sys.stdout
    store = Store.open(corpus, create=False)  # StoreError is a BitextError (exit code 2)
    ssl_context = _tls(certfile, keyfile)
    made: list[tuple[people.Person, str]] = []
    if users is not None:
        made = people.load_people(store, people.read_people_file(users))
    team = people.has_people(store)
    local = is_loopback(host)
    if not local and not team:
        token = people.check_token(token or os.environ.get(TOKEN_ENV) or secrets.token_urlsafe(24))
    hosts = LOOPBACK_NAMES + ((host.strip("[]"),) if host.strip("[]") not in LOOPBACK_NAMES else ())
    app = create_app(store, reviewer=reviewer, token=None if (local or team) else token,
                     allowed_hosts=hosts if local else None, guidelines=guidelines)
    if ssl_context is not None:
        app.config["SESSION_COOKIE_SECURE"] = True
    _check_listen(host, port)
    try:
        server = make_server(host, port, app, request_handler=_Handler.make(), ssl_context=ssl_context)
    except (OSError, SystemExit) as e:  # werkzeug prints its own message and exits on a busy port
        raise BitextError(f"cannot listen on {host}:{port}", exit_code=2) from e
    shown = reachable_host(host)
    shown = f"[{shown}]" if ":" in shown else shown
    url = f"{'https' if ssl_context is not None else 'http'}://{shown}:{server.port}/"
    if team:
        print(f"bitext review: {store.path} at {url}  for a team of {len(people.people(store))}  (Ctrl-C to stop)",
              file=out)
        for who, tok in made:
            print(f"  {who.name} ({who.role}): {personal_url(url, tok)}", file=out)
        print("  (tokens are shown only when made; people sign in with their personal URL)", file=out, flush=True)
    elif local:
        print(f"bitext review: {store.path} at {url}  (Ctrl-C to stop)", file=out, flush=True)
    else:
        print(f"bitext review: {store.path} on {host}:{server.port}; open {personal_url(url, token or '')}", file=out)
        print(f"  (the token is shown only now; set {TOKEN_ENV} to choose it)  Ctrl-C to stop", file=out,
              flush=True)
    if not local and ssl_context is None:
        print("bitext review: warning: plain HTTP on a network: tokens and texts travel unencrypted; serve with "
              "--certfile/--keyfile or reach it through an SSH tunnel (see README)", file=out, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
