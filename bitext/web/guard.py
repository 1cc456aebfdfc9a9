"""The review app's security, kept apart from its pages:

* :func:`is_loopback`: whether an address only accepts connections from this machine;
* the Host check: on loopback the Host header must name a loopback address (defeats DNS rebinding);
* the access token: off loopback every request needs it (``?token=`` once, then a session cookie);
* CSRF: state-changing requests are POSTs carrying a per-session token, and requests whose Origin or
  Sec-Fetch-Site say "another site" are refused;
* response headers: a Content-Security-Policy without inline scripts, no framing, no caching of pages.

A refused request raises :class:`Refused`; the app renders it (``bitext.web.app``), so this module
knows nothing of templates.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import Flask, Response, g, redirect, request, session, url_for

from bitext.model import MetaKey
from bitext.review import people
from bitext.store import Store

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
"""Host names a loopback server answers to."""
TOKEN_ENV = "BITEXT_REVIEW_TOKEN"
"""Environment variable that chooses the access token (off loopback)."""
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class Refused(Exception):
    """A request the guard refuses: HTTP ``code`` with a one-line ``message`` for the error page.

    ``keep_text``: the page shows the English the refused form carried, so a reviewer can copy it back.
    """

    def __init__(self, code: int, message: str, keep_text: bool = False) -> None:
        super().__init__(message)
        self.code, self.message, self.keep_text = code, message, keep_text


def is_loopback(host: str) -> bool:
    """Whether a bind address or host name only accepts connections from this machine."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def session_secret(store: Store) -> str:
    """The app's session key, made once and kept in the store (:attr:`MetaKey.REVIEW_SECRET`), so
    sessions and their CSRF tokens survive a restart: a page opened before it can still be saved."""
    secret = store.get_meta(MetaKey.REVIEW_SECRET)
    if secret is None:
        store.set_meta(MetaKey.REVIEW_SECRET, secrets.token_hex(32))
        secret = store.get_meta(MetaKey.REVIEW_SECRET)
    assert secret is not None
    return secret


def session_config(secret: str) -> dict[str, object]:
    """Flask settings for the session cookie signed with ``secret``."""
    return {
        "SECRET_KEY": secret,
        # Cookies are not isolated by port: name ours after the corpus so two servers don't collide.
        "SESSION_COOKIE_NAME": "bitext_" + hashlib.sha256(secret.encode()).hexdigest()[:10],
        "SESSION_COOKIE_HTTPONLY": True,
        # Lax, not Strict: a link opened from another app must not start a fresh session (that would
        # invalidate the CSRF token of pages open in other tabs). Cross-site POSTs still carry no cookie.
        "SESSION_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": 1 << 20,
    }


def csrf_token() -> str:
    """This session's CSRF token (made on first use); every form carries it."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def _fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:32]


class GuessLimit:
    """Wrong tokens per client: after ``limit`` wrong guesses within ``window`` seconds a client is refused
    (429) until the window has passed. At most ``clients`` addresses are remembered (the oldest are
    forgotten first), so a flood of addresses cannot exhaust memory. Thread-safe."""

    def __init__(self, limit: int = 5, window: float = 60.0, clients: int = 4096) -> None:
        self.limit, self.window, self.clients = limit, window, clients
        self._fails: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> list[float]:
        times = [t for t in self._fails.get(client, []) if now - t < self.window]
        if times:
            self._fails[client] = times
        else:
            self._fails.pop(client, None)
        return times

    def check(self, client: str) -> None:
        """Raise :class:`Refused` (429) if ``client`` guessed wrong too often lately."""
        with self._lock:
            times = self._recent(client, time.monotonic())
        if len(times) >= self.limit:
            wait = int(self.window - (time.monotonic() - times[0])) + 1
            raise Refused(429, f"Too many wrong access tokens from this address; try again in {wait} s.")

    def fail(self, client: str) -> None:
        """Count one wrong guess of ``client``."""
        with self._lock:
            now = time.monotonic()
            times = self._recent(client, now)
            times.append(now)
            self._fails[client] = times[-self.limit:]
            self._fails.move_to_end(client)
            while len(self._fails) > self.clients:
                self._fails.popitem(last=False)


@dataclass(frozen=True)
class Guard:
    """The checks every request passes before a view runs, and the headers every response gets.

    ``allowed_hosts``: host names the Host header may carry (None: any; use with a token).
    ``token``: if set, every request needs it. ``team``: the store whose review team (if it has one:
    :mod:`bitext.review.people`) signs people in by their personal tokens; then every request needs one,
    and ``g.person`` is the person (their name is recorded with their decisions).
    """

    allowed_hosts: tuple[str, ...] | None = LOOPBACK_NAMES
    token: str | None = None
    team: Store | None = None
    guesses: GuessLimit = field(default_factory=GuessLimit)

    def install(self, app: Flask) -> None:
        """Run :meth:`check` before every request and :meth:`headers` after it."""
        fingerprint = _fingerprint(self.token) if self.token else None
        app.before_request(lambda: self.check(fingerprint))
        app.after_request(self.headers)

    def check(self, fingerprint: str | None) -> Response | None:
        """Raise :class:`Refused`, or return a redirect (token accepted), or None (go on)."""
        if self.allowed_hosts is not None:
            hostname = urlsplit("//" + request.host).hostname or ""
            if hostname not in self.allowed_hosts:
                raise Refused(400, f"Host {request.host!r} is not served here; open http://127.0.0.1 instead.")
        g.person = None
        if self.team is not None and people.has_people(self.team):
            return self.check_person()
        if fingerprint is not None:
            given = request.args.get("token")
            if given is not None:
                self.guesses.check(request.remote_addr or "")
                if not hmac.compare_digest(_fingerprint(given), fingerprint):
                    self.guesses.fail(request.remote_addr or "")
                    raise Refused(401, "Wrong access token. Use the URL that 'bitext review' printed.")
                session["auth"] = fingerprint
                # Drop the token from the address bar (history, screenshots, Referer).
                args = {k: v for k, v in request.args.items() if k != "token"}
                return redirect(url_for(request.endpoint or "index", **(request.view_args or {}), **args), 303)
            if not hmac.compare_digest(str(session.get("auth", "")), fingerprint):
                raise Refused(401, "An access token is required. Open the URL that 'bitext review' printed.")
        if request.method not in SAFE_METHODS:
            self.check_same_origin()
        return None

    def check_person(self) -> Response | None:
        """A review team: the request must come from a person signed in with their own token."""
        assert self.team is not None
        given = request.args.get("token")
        if given is not None:
            client = request.remote_addr or ""
            self.guesses.check(client)
            who = people.person_by_token(self.team, given)
            if who is None:
                self.guesses.fail(client)
                raise Refused(401, "Wrong access token. Use the personal URL your team lead gave you.")
            session["person"] = who.name
            session["auth"] = people.session_auth(given)
            args = {k: v for k, v in request.args.items() if k != "token"}
            return redirect(url_for(request.endpoint or "index", **(request.view_args or {}), **args), 303)
        name = session.get("person")
        # The session holds a prefix of the token's hash: a new token (or a removed person) signs it out.
        who = people.signed_in(self.team, name, str(session.get("auth", ""))) if isinstance(name, str) else None
        if who is None:
            raise Refused(401, "This review team signs people in by their personal URL; open the one your team "
                               "lead gave you ('bitext users add' prints it).")
        g.person = who
        if request.method not in SAFE_METHODS:
            self.check_same_origin()
        return None

    @staticmethod
    def check_same_origin() -> None:
        """A state-changing request must come from our own pages and carry this session's CSRF token."""
        if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
            raise Refused(403, "Cross-site request refused.")
        origin = request.headers.get("Origin")
        if origin is not None and origin != request.host_url.rstrip("/"):
            raise Refused(403, f"Request from another origin ({origin}) refused.")
        sent = request.form.get("csrf", "")
        expected = str(session.get("csrf", ""))
        if not sent or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            raise Refused(403, "The form's security token is missing or expired. Reload the page and try again.", True)

    @staticmethod
    def headers(resp: Response) -> Response:
        """Security headers on every response."""
        resp.headers["Content-Security-Policy"] = CSP
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["X-Frame-Options"] = "DENY"
        # "no-referrer" would make Chromium send "Origin: null" on our own form posts.
        resp.headers["Referrer-Policy"] = "same-origin"
        if resp.mimetype == "text/html":
            # Never show a cached page: its parent_id would be stale (a conflict) after Back.
            resp.headers["Cache-Control"] = "no-store"
        return resp
