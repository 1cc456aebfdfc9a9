"""JSON endpoints for in-place navigation: the page script (``static/review.js``) asks for the next page
and puts it into the open one, without a full page load.

Each endpoint runs one of the app's own routes inside the request (the same guard, views, templates and
error pages as the plain HTML path, which keeps working without JavaScript) and answers with the
resulting page's parts as JSON:

* ``GET /api/page?path=/pair?id=...``: a page (``/review``, ``/pair``, ``/history``, ``/stats``), after
  its redirects;
* ``POST /api/submit?path=/decide`` with the form's fields: a form of the page (decide, undo, sign-off,
  propagate), then the page it redirects to. The guard has checked the CSRF token and origin of this
  POST before it runs, and checks them again on the inner one.

The answer: ``{"url": the page's address to show (None when the answer is not a page to go to: a
refused save, a conflict, QA findings), "status": HTTP status, "title": ..., "body": the page's <body>
HTML}``.
"""

from __future__ import annotations

import html
import io
import re
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Flask, Response, abort, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, NotFound

from bitext.web.views import safe_back

PAGES = frozenset({"index", "queue_page", "pair_page", "history_page", "stats_page", "concordance_page",
                   "consistency_page"})
"""Endpoints ``/api/page`` may render."""
FORMS = frozenset({"decide", "undo", "sign_off", "propagate", "undo_propagation", "glossary_add",
                   "discuss"})
"""Endpoints ``/api/submit`` may post to."""
MAX_REDIRECTS = 4
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S)


def _endpoint(app: Flask, path: str, method: str) -> str | None:
    try:
        endpoint, _ = app.url_map.bind("localhost").match(urlsplit(path).path, method=method)
    except HTTPException:
        return None
    return endpoint


def _run(app: Flask, method: str, path: str, form: list[tuple[str, str]] | None) -> Response:
    """``method path`` through the app (guard, view, error pages) in this request's environment."""
    parts = urlsplit(path)
    body = urlencode(form or []).encode()
    environ = {**request.environ, "REQUEST_METHOD": method, "PATH_INFO": parts.path, "QUERY_STRING": parts.query,
               "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    if method == "POST":
        environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
    else:
        environ.pop("CONTENT_TYPE", None)
    with app.request_context(environ):
        return app.full_dispatch_request()


def _answer(method: str, path: str, form: list[tuple[str, str]] | None, allowed: frozenset[str]) -> Response:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    path = safe_back(path) or ""
    if _endpoint(app, path, method) not in allowed:
        raise NotFound("No such page.")
    cookies: list[str] = []
    resp = _run(app, method, path, form)
    for _ in range(MAX_REDIRECTS):
        cookies += resp.headers.getlist("Set-Cookie")
        if resp.status_code not in (301, 302, 303, 307, 308):
            break
        method, form = "GET", None
        path = safe_back(resp.location) or ""
        if _endpoint(app, path, method) not in PAGES:
            break
        resp = _run(app, method, path, form)
    page = resp.get_data(as_text=True) if resp.mimetype == "text/html" else ""
    body, title = _BODY.search(page), _TITLE.search(page)
    if body is None:
        abort(502, "The page could not be read; reload it.")
    shown = path if method == "GET" and resp.status_code == 200 else None
    out = jsonify(url=shown, status=resp.status_code, title=html.unescape(title.group(1)) if title else "",
                  body=body.group(1))
    out.headers["Cache-Control"] = "no-store"
    for c in cookies:  # a session change made by the inner request (a new CSRF token) reaches the browser
        out.headers.add("Set-Cookie", c)
    return out


def page_api() -> Response:
    """``GET /api/page?path=...``: a page of the app as JSON parts."""
    return _answer("GET", request.args.get("path", ""), None, PAGES)


def submit_api() -> Response:
    """``POST /api/submit?path=/decide``: a form of the app, then the page it leads to, as JSON parts."""
    form = [(k, v) for k, v in request.form.items(multi=True)]
    return _answer("POST", request.args.get("path", ""), form, FORMS)


ROUTES: tuple[tuple[str, str, Any, tuple[str, ...]], ...] = (
    ("/api/page", "page_api", page_api, ("GET",)),
    ("/api/submit", "submit_api", submit_api, ("POST",)),
)
"""(rule, endpoint, view, methods) of these endpoints, for the app's route table."""
