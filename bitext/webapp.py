"""The review web app: a local Flask app over the corpus store (``bitext review corpus/``).

Pages are rendered on the server (Jinja, autoescaped); one small static script adds keyboard shortcuts.
Every decision is one POST that commits (fsynced) before the browser is redirected to the next pair, so
what the reviewer saw as saved is saved. Safety by default:

* binds to 127.0.0.1; the Host header must then name a loopback address (defeats DNS rebinding);
* on any other address an access token is required (``?token=`` once, then a session cookie);
* state-changing requests are POSTs carrying a per-session CSRF token, and requests whose Origin or
  Sec-Fetch-Site say "another site" are refused;
* a Content-Security-Policy without inline scripts, so even a missed escape cannot run code.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
import socket
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, abort, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException

from bitext import review
from bitext.errors import BitextError, Conflict
from bitext.store import Store

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
TOKEN_ENV = "BITEXT_REVIEW_TOKEN"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
FILTER_KEYS = ("flag", "status", "article", "q")
_ACTIONS = {"accept": "accepted", "edit": "edited", "reject": "rejected"}
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def is_loopback(host: str) -> bool:
    """Whether a bind address or host name only accepts connections from this machine."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _filters(source: Any) -> dict[str, str]:
    """Queue filters from request args or form fields; missing status means 'pending'."""
    out = {k: (source.get(k) or "").strip() for k in FILTER_KEYS}
    if not out["status"]:
        out["status"] = "pending"
    return out


def _queue_kwargs(f: dict[str, str]) -> dict[str, str | None]:
    return {
        "flag": f["flag"] or None,
        "status": None if f["status"] == "all" else f["status"],
        "article": f["article"] or None,
        "search": f["q"] or None,
    }


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def create_app(
    store: Store | str | Path,
    *,
    reviewer: str | None = None,
    token: str | None = None,
    allowed_hosts: tuple[str, ...] | None = LOOPBACK_NAMES,
) -> Flask:
    """Build the review app over ``store`` (a Store or a corpus folder).

    ``reviewer``: default name recorded with decisions (each browser session may change its own).
    ``token``: if set, every request needs it (``?token=`` once, then the session cookie).
    ``allowed_hosts``: host names the Host header may carry (None: any; use with a token).
    """
    if not isinstance(store, Store):
        store = Store.open(store, create=False)
    app = Flask(__name__)
    # The session key lives in the store so sessions (and their CSRF tokens) survive a restart:
    # a page opened before the server was restarted can still be saved.
    secret = store.get_meta("review.secret_key")
    if secret is None:
        store.set_meta("review.secret_key", secrets.token_hex(32))
        secret = store.get_meta("review.secret_key")
    assert secret is not None
    app.config.update(
        SECRET_KEY=secret,
        # Cookies are not isolated by port: name ours after the corpus so two servers don't collide.
        SESSION_COOKIE_NAME="bitext_" + hashlib.sha256(secret.encode()).hexdigest()[:10],
        SESSION_COOKIE_HTTPONLY=True,
        # Lax, not Strict: a link opened from another app must not start a fresh session (that would
        # invalidate the CSRF token of pages open in other tabs). Cross-site POSTs still carry no cookie.
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=1 << 20,
    )
    default_reviewer = (reviewer or "").strip() or _default_reviewer()
    token_fp = hashlib.sha256(token.encode()).hexdigest()[:32] if token else None
    app.extensions["bitext"] = {"store": store, "reviewer": default_reviewer}

    def current_reviewer() -> str:
        return session.get("reviewer") or default_reviewer

    def csrf_token() -> str:
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(32)
        return session["csrf"]

    app.jinja_env.globals.update(csrf_token=csrf_token, current_reviewer=current_reviewer)

    def refuse(code: int, message: str, keep_text: bool = False) -> Response:
        # keep_text: show the English the refused form carried, so a reviewer can copy it back.
        text = request.form.get("after") if keep_text else None
        return Response(render_template("error.html", code=code, message=message, text=text), code)

    @app.before_request
    def guard() -> Response | None:
        if allowed_hosts is not None:
            hostname = urlsplit("//" + request.host).hostname or ""
            if hostname not in allowed_hosts:
                return refuse(400, f"Host {request.host!r} is not served here; open http://127.0.0.1 instead.")
        if token_fp is not None:
            given = request.args.get("token")
            if given is not None:
                if not hmac.compare_digest(hashlib.sha256(given.encode()).hexdigest()[:32], token_fp):
                    return refuse(401, "Wrong access token. Use the URL that 'bitext review' printed.")
                session["auth"] = token_fp
                # Drop the token from the address bar (history, screenshots, Referer).
                args = {k: v for k, v in request.args.items() if k != "token"}
                return redirect(url_for(request.endpoint or "index", **(request.view_args or {}), **args), 303)
            if not hmac.compare_digest(str(session.get("auth", "")), token_fp):
                return refuse(401, "An access token is required. Open the URL that 'bitext review' printed.")
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
                return refuse(403, "Cross-site request refused.")
            origin = request.headers.get("Origin")
            if origin is not None and origin != request.host_url.rstrip("/"):
                return refuse(403, f"Request from another origin ({origin}) refused.")
            sent = request.form.get("csrf", "")
            expected = str(session.get("csrf", ""))
            if not sent or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
                return refuse(
                    403, "The form's security token is missing or expired. Reload the page and try again.", True
                )
        return None

    @app.after_request
    def headers(resp: Response) -> Response:
        resp.headers["Content-Security-Policy"] = _CSP
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["X-Frame-Options"] = "DENY"
        # "no-referrer" would make Chromium send "Origin: null" on our own form posts.
        resp.headers["Referrer-Policy"] = "same-origin"
        if resp.mimetype == "text/html":
            # Never show a cached page: its parent_id would be stale (a conflict) after Back.
            resp.headers["Cache-Control"] = "no-store"
        return resp

    @app.errorhandler(BitextError)
    def bitext_error(e: BitextError) -> Response:
        return refuse(400, str(e))

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Response:
        return refuse(e.code or 500, e.description or e.name)

    def page_context(f: dict[str, str]) -> dict[str, Any]:
        return {
            "filters": f,
            "progress": review.review_progress(store),
            "flag_counts": review.flag_counts(store),
            "articles": store.article_ids()[:1000],
            "statuses": ("pending", "accepted", "edited", "rejected", "all"),
        }

    def pair_url(pair_id: str, f: dict[str, str], **extra: Any) -> str:
        return url_for("pair_page", id=pair_id, **f, **extra)

    @app.get("/")
    def index() -> Response:
        return redirect(url_for("queue_page"))

    @app.get("/review")
    def queue_page() -> Response | str:
        f = _filters(request.args)
        first = review.queue(store, **_queue_kwargs(f), limit=1)
        extra = {"last": request.args["last"]} if _int(request.args.get("last")) else {}
        if first:
            return redirect(pair_url(first[0].id, f, **extra))
        last = review.review_row(store, _int(request.args.get("last")) or -1)
        return render_template("empty.html", last=last, last_undoable=_undoable(last), **page_context(f))

    def _undoable(row: Any) -> bool:
        if row is None:
            return False
        newest = review.history(store, row["pair_id"])
        return bool(newest) and newest[-1]["id"] == row["id"]

    @app.get("/pair")
    def pair_page() -> str:
        f = _filters(request.args)
        item = review.get_item(store, request.args.get("id", ""))
        if item is None:
            abort(404, f"No pair {request.args.get('id', '')!r} in this corpus.")
        kwargs = _queue_kwargs(f)
        upcoming = review.queue(store, **kwargs, after=item.id, limit=12)
        before, after = review.neighbours(store, item)
        last = review.review_row(store, _int(request.args.get("last")) or -1)
        return render_template(
            "review.html",
            item=item,
            flags=review.pair_flags(store, item.id),
            history=review.history(store, item.id),
            before=before,
            after=after,
            upcoming=upcoming,
            next_id=upcoming[0].id if upcoming else None,
            in_queue=review.queue_count(store, **kwargs),
            last=last,
            last_undoable=_undoable(last),
            article=store.article(item.article_id),
            **page_context(f),
        )

    @app.post("/decide")
    def decide() -> Response | tuple[str, int]:
        form = request.form
        f = _filters(form)
        pair_id = form.get("id", "")
        status = _ACTIONS.get(form.get("action", ""))
        if status is None:
            abort(400, "Unknown action.")
        parent_id = _int(form.get("parent_id"))
        if parent_id is None:
            abort(400, "The form lacks parent_id; reload the page.")
        try:
            rid = review.decide(
                store,
                pair_id,
                status,
                reviewer=current_reviewer(),
                after=form.get("after"),
                comment=form.get("comment"),
                parent_id=parent_id,
            )
        except Conflict as c:
            item = review.get_item(store, pair_id)
            return render_template(
                "conflict.html",
                item=item,
                current=c.current,
                mine={"status": status, "after": form.get("after", ""), "comment": form.get("comment", "")},
                action=form.get("action"),
                **page_context(f),
            ), 409
        nxt = review.queue(store, **_queue_kwargs(f), after=pair_id, limit=1)
        if nxt:
            return redirect(pair_url(nxt[0].id, f, last=rid), 303)
        return redirect(url_for("queue_page", **f, last=rid), 303)

    @app.post("/undo")
    def undo() -> Response | tuple[str, int]:
        form = request.form
        f = _filters(form)
        pair_id = form.get("id", "")
        parent_id = _int(form.get("parent_id"))
        if parent_id is None:
            abort(400, "The form lacks parent_id; reload the page.")
        try:
            review.undo(store, pair_id, reviewer=current_reviewer(), parent_id=parent_id)
        except Conflict as c:
            return render_template(
                "conflict.html", item=review.get_item(store, pair_id), current=c.current, mine=None, action="undo",
                **page_context(f),
            ), 409
        return redirect(pair_url(pair_id, f), 303)

    @app.post("/reviewer")
    def set_reviewer() -> Response:
        name = " ".join(request.form.get("reviewer", "").split())[:80]
        if name:
            session["reviewer"] = name
        back = request.form.get("back", "")
        # Only local paths: never redirect off-site.
        return redirect(back if back.startswith("/") and not back.startswith("//") else url_for("queue_page"), 303)

    @app.get("/history")
    def history_page() -> str:
        f = _filters(request.args)
        item = review.get_item(store, request.args.get("id", ""))
        if item is None:
            abort(404, f"No pair {request.args.get('id', '')!r} in this corpus.")
        return render_template("history.html", item=item, history=review.history(store, item.id), **page_context(f))

    @app.get("/api/progress")
    def progress_api() -> dict[str, int]:
        return review.review_progress(store)

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


def serve(
    corpus: str | Path,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    reviewer: str | None = None,
    token: str | None = None,
    out: Any = None,
) -> None:
    """Serve the review app until interrupted (werkzeug's threaded WSGI server: one thread per request).

    On a non-loopback ``host`` a token is required: ``token``, else ``$BITEXT_REVIEW_TOKEN``, else a
    random one; the URL with it is printed once.
    """
    from werkzeug.serving import make_server

    out = out or sys.stdout
    store = Store.open(corpus, create=False)  # StoreError is a BitextError (exit code 2)
    local = is_loopback(host)
    if not local:
        token = token or os.environ.get(TOKEN_ENV) or secrets.token_urlsafe(24)
    app = create_app(store, reviewer=reviewer, token=None if local else token,
                     allowed_hosts=LOOPBACK_NAMES if local else None)
    _check_listen(host, port)
    try:
        server = make_server(host, port, app, threaded=True)
    except (OSError, SystemExit) as e:  # werkzeug prints its own message and exits on a busy port
        raise BitextError(f"cannot listen on {host}:{port}", exit_code=2) from e
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{server.port}/"
    if local:
        print(f"bitext review: {store.path} at {url}  (Ctrl-C to stop)", file=out, flush=True)
    else:
        print(f"bitext review: {store.path} on {host}:{server.port}; open {url}?token={token}", file=out)
        print("  (the token is shown only now; set BITEXT_REVIEW_TOKEN to choose it)  Ctrl-C to stop", file=out,
              flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
