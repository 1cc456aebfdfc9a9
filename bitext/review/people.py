"""The people of a review team and the work split between them.

* **People** (``review_users``): a name, a role and a per-person access token, kept only as its sha256
  hash. ``reviewer`` decides pairs; ``approver`` also signs decisions off (a second person's pass);
  ``lead`` also splits the work. The name recorded with a decision comes from the token the browser
  presented, never from a form field. A store without people is the single-user default.
* **Leases** (``review_leases``): a lead gives articles to a person; a lease expires (default
  :data:`LEASE_HOURS`), so a stalled reviewer's articles go back to the pool. A person without a live
  lease claims the next article nobody holds, so two reviewers never get the same pending pair, unless
  the lead asks for a double review of an article (agreement on the stats page).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bitext.errors import BitextError
from bitext.review.schema import ensure_schema
from bitext.store import Store, utcnow

REVIEWER, APPROVER, LEAD = "reviewer", "approver", "lead"
ROLES = (REVIEWER, APPROVER, LEAD)
SIGNERS = (APPROVER, LEAD)
"""Roles that may sign a decision off (never their own)."""
MIN_TOKEN = 16
"""Shortest access token accepted (characters)."""
LEASE_HOURS = 4.0
"""How long an article stays with a person without a decision on it (each decision renews the lease)."""
MAX_NAME = 80


def check_token(token: str, what: str = "the access token") -> str:
    """``token`` if it is strong enough to guard a review server, else a one-line :class:`BitextError`:
    at least :data:`MIN_TOKEN` characters, no whitespace or control characters, at least 8 different
    characters (so not ``aaaaaaaaaaaaaaaa`` nor 16 spaces)."""
    if len(token) < MIN_TOKEN:
        raise BitextError(f"{what} is {len(token)} characters; use at least {MIN_TOKEN} (or leave it out to get a "
                          "random one)", exit_code=2)
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in token):
        raise BitextError(f"{what} contains whitespace or control characters; use a random token "
                          "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(24))')", exit_code=2)
    if len(set(token)) < 8:
        raise BitextError(f"{what} repeats too few characters ({len(set(token))} different) to be hard to guess; "
                          "use a random token", exit_code=2)
    return token


def token_hash(token: str) -> str:
    """How a token is kept in the store: its sha256 (tokens are long and random, so no salt is needed
    for guessing to be hopeless; the lookup by hash needs it deterministic)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh random access token (32 URL-safe characters)."""
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Person:
    """One member of the review team."""

    name: str
    role: str

    @property
    def can_sign_off(self) -> bool:
        return self.role in SIGNERS

    @property
    def is_lead(self) -> bool:
        return self.role == LEAD


def _name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > MAX_NAME:
        raise BitextError(f"a person's name must be 1 to {MAX_NAME} characters (got {name!r})", exit_code=2)
    return name


def _role(role: str) -> str:
    if role not in ROLES:
        raise BitextError(f"unknown role {role!r}; use one of {', '.join(ROLES)}", exit_code=2)
    return role


def add_person(store: Store, name: str, role: str, token: str | None = None, *, replace: bool = False) -> str:
    """Add a person (or, with ``replace``, give an existing one a new role and token); returns the token
    (``token`` checked with :func:`check_token`, or a new random one). Only its hash is stored."""
    name, role = _name(name), _role(role)
    token = check_token(token, f"the token of {name}") if token is not None else new_token()
    ensure_schema(store)
    with store.tx() as conn:
        if conn.execute("SELECT 1 FROM review_users WHERE token_hash = ?", (token_hash(token),)).fetchone():
            raise BitextError(f"the token of {name} is already someone's token; every person needs their own",
                              exit_code=2)
        exists = conn.execute("SELECT 1 FROM review_users WHERE name = ?", (name,)).fetchone()
        if exists and not replace:
            raise BitextError(f"{name} is already a member of this review team (use --replace to give a new token)",
                              exit_code=2)
        conn.execute("INSERT INTO review_users(name, role, token_hash, added) VALUES (?, ?, ?, ?) ON CONFLICT(name)"
                     " DO UPDATE SET role = excluded.role, token_hash = excluded.token_hash",
                     (name, role, token_hash(token), utcnow()))
    return token


def remove_person(store: Store, name: str) -> bool:
    """Remove a person (their decisions stay, under their name; their token stops working)."""
    ensure_schema(store)
    with store.tx() as conn:
        conn.execute("DELETE FROM review_leases WHERE reviewer = ?", (name,))
        return conn.execute("DELETE FROM review_users WHERE name = ?", (name,)).rowcount > 0


def people(store: Store) -> list[Person]:
    """Every member of the team, by name (empty: the single-user default)."""
    ensure_schema(store)
    return [Person(r[0], r[1]) for r in store.conn.execute("SELECT name, role FROM review_users ORDER BY name")]


def has_people(store: Store) -> bool:
    """Whether the store has a review team (then every request needs a person's token)."""
    ensure_schema(store)
    return store.conn.execute("SELECT 1 FROM review_users LIMIT 1").fetchone() is not None


def person_by_token(store: Store, token: str) -> Person | None:
    """The person whose token this is, or None."""
    ensure_schema(store)
    row = store.conn.execute("SELECT name, role FROM review_users WHERE token_hash = ?",
                             (token_hash(token),)).fetchone()
    return None if row is None else Person(row[0], row[1])


def person(store: Store, name: str) -> Person | None:
    """The member called ``name``, or None."""
    ensure_schema(store)
    row = store.conn.execute("SELECT name, role FROM review_users WHERE name = ?", (name,)).fetchone()
    return None if row is None else Person(row[0], row[1])


SESSION_HASH_CHARS = 32
"""Characters of a token's hash a signed-in session holds (:func:`session_auth`)."""


def session_auth(token: str) -> str:
    """What a session signed in with ``token`` holds: the start of the token's hash, never the token."""
    return token_hash(token)[:SESSION_HASH_CHARS]


def signed_in(store: Store, name: str, auth: str) -> Person | None:
    """The member called ``name`` if ``auth`` (a session's :func:`session_auth`) is still their token's: a new
    token, or a removed person, signs the session out. One read of their row."""
    ensure_schema(store)
    row = store.conn.execute("SELECT name, role, token_hash FROM review_users WHERE name = ?", (name,)).fetchone()
    if row is None or not auth or not hmac.compare_digest(row[2][:SESSION_HASH_CHARS], auth):
        return None
    return Person(row[0], row[1])


@dataclass(frozen=True)
class Entry:
    """One person of a ``--users`` file."""

    name: str
    role: str
    token: str | None


def read_people_file(path: str | Path) -> list[Entry]:
    """The people of a ``--users`` TOML file::

        [[person]]
        name = "Ana"
        role = "lead"          # reviewer | approver | lead
        token = "..."          # optional: a random one is made and printed once

    Problems are one line naming the file.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise BitextError(f"{path}: cannot read the people file ({e.strerror})", exit_code=2) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise BitextError(f"{path}: not a TOML file ({e})", exit_code=2) from None
    rows = data.get("person")
    if not isinstance(rows, list) or not rows:
        raise BitextError(f"{path}: no [[person]] entries (each with name and role)", exit_code=2)
    out: list[Entry] = []
    for i, row in enumerate(rows, 1):
        if not isinstance(row, dict) or not isinstance(row.get("name"), str) or not isinstance(row.get("role"), str):
            raise BitextError(f"{path}: person {i} needs a name and a role (strings)", exit_code=2)
        token = row.get("token")
        if token is not None and not isinstance(token, str):
            raise BitextError(f"{path}: person {i}: token must be a string", exit_code=2)
        try:
            out.append(Entry(_name(row["name"]), _role(row["role"]),
                             check_token(token, f"the token of {row['name']}") if token is not None else None))
        except BitextError as e:
            raise BitextError(f"{path}: person {i}: {e}", exit_code=2) from None
    names = [e.name for e in out]
    if len(set(names)) != len(names):
        raise BitextError(f"{path}: a name is listed twice", exit_code=2)
    return out


def load_people(store: Store, entries: list[Entry]) -> list[tuple[Person, str]]:
    """Make the store's team what ``entries`` says: roles updated, given tokens set; a person without a
    token in the file who is new gets a random one. Returns (person, token) of every token made or set
    now (to print once); people already known keep theirs."""
    ensure_schema(store)
    out = []
    for e in entries:
        known = person(store, e.name)
        if e.token is not None:
            if known is None or person_by_token(store, e.token) != known:
                add_person(store, e.name, e.role, e.token, replace=True)
        elif known is None:
            out.append((Person(e.name, e.role), add_person(store, e.name, e.role)))
            continue
        if known is not None and known.role != e.role:
            with store.tx() as conn:
                conn.execute("UPDATE review_users SET role = ? WHERE name = ?", (e.role, e.name))
    return out


# -- leases --------------------------------------------------------------------------------------


def _later(hours: float) -> str:
    return (datetime.now(UTC).replace(microsecond=0) + timedelta(hours=hours)).isoformat()


@dataclass(frozen=True)
class Lease:
    """An article given to a person until ``expires``."""

    article_id: str
    reviewer: str
    lead: str
    at: str
    expires: str
    double: bool


def _lease(r: sqlite3.Row) -> Lease:
    return Lease(r["article_id"], r["reviewer"], r["lead"], r["at"], r["expires"], bool(r["double"]))


def assign(store: Store, article_ids: list[str], reviewer: str, *, lead: str, hours: float = LEASE_HOURS,
           double: bool = False) -> list[str]:
    """Give articles to ``reviewer`` (a lead's split); returns those given. An article another person
    holds (a live lease) is moved to ``reviewer``, unless ``double``: then both hold it (double review)."""
    if person(store, reviewer) is None:
        raise BitextError(f"{reviewer!r} is not a member of this review team", exit_code=2)
    now, until = utcnow(), _later(hours)
    out = []
    with store.tx() as conn:
        for aid in article_ids:
            if conn.execute("SELECT 1 FROM articles WHERE id = ?", (aid,)).fetchone() is None:
                raise BitextError(f"no article {aid!r} in {store.path}", exit_code=2)
            if not double:
                conn.execute("DELETE FROM review_leases WHERE article_id = ? AND reviewer != ?", (aid, reviewer))
            conn.execute("INSERT INTO review_leases(article_id, reviewer, lead, at, expires, double)"
                         " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(article_id, reviewer) DO UPDATE SET lead ="
                         " excluded.lead, at = excluded.at, expires = excluded.expires, double = excluded.double",
                         (aid, reviewer, lead, now, until, int(double)))
            if double:
                conn.execute("UPDATE review_leases SET double = 1 WHERE article_id = ?", (aid,))
            out.append(aid)
    return out


def release(store: Store, article_id: str, reviewer: str | None = None) -> int:
    """End the leases on an article (of one person, or all); returns how many ended."""
    ensure_schema(store)
    with store.tx() as conn:
        if reviewer is None:
            return conn.execute("DELETE FROM review_leases WHERE article_id = ?", (article_id,)).rowcount
        return conn.execute("DELETE FROM review_leases WHERE article_id = ? AND reviewer = ?",
                            (article_id, reviewer)).rowcount


def leases(store: Store, *, live_only: bool = True) -> list[Lease]:
    """The leases (live ones: not expired), by article."""
    ensure_schema(store)
    sql = "SELECT * FROM review_leases" + (" WHERE expires > ?" if live_only else "") + " ORDER BY article_id, at"
    return [_lease(r) for r in store.conn.execute(sql, (utcnow(),) if live_only else ())]


def my_articles(store: Store, reviewer: str) -> list[Lease]:
    """``reviewer``'s live leases, oldest first."""
    ensure_schema(store)
    return [_lease(r) for r in store.conn.execute(
        "SELECT * FROM review_leases WHERE reviewer = ? AND expires > ? ORDER BY at, article_id",
        (reviewer, utcnow()))]


def holders(store: Store, article_id: str) -> list[Lease]:
    """Who holds an article now (live leases)."""
    ensure_schema(store)
    return [_lease(r) for r in store.conn.execute(
        "SELECT * FROM review_leases WHERE article_id = ? AND expires > ? ORDER BY at", (article_id, utcnow()))]


def renew(store: Store, article_id: str, reviewer: str, hours: float = LEASE_HOURS) -> None:
    """Keep an article with the person working on it (called on each of their decisions)."""
    with store.tx() as conn:
        conn.execute("UPDATE review_leases SET expires = ? WHERE article_id = ? AND reviewer = ? AND expires > ?",
                     (_later(hours), article_id, reviewer, utcnow()))


def claim_next(store: Store, reviewer: str, hours: float = LEASE_HOURS) -> str | None:
    """Give ``reviewer`` the next article (in queue order: flagged first) that has pending pairs and that
    nobody holds; returns its id, or None when the pool is empty. Runs in one write transaction, so two
    people claiming at once get different articles."""
    ensure_schema(store)
    with store.tx() as conn:
        row = conn.execute(
            "SELECT s.article_id FROM review_pair_state s WHERE s.status = 'pending' AND NOT EXISTS"
            " (SELECT 1 FROM review_leases l WHERE l.article_id = s.article_id AND l.expires > ?)"
            " ORDER BY s.sev_rank, s.article_id LIMIT 1", (utcnow(),)).fetchone()
        if row is None:
            return None
        conn.execute("DELETE FROM review_leases WHERE article_id = ?", (row[0],))  # expired ones
        conn.execute("INSERT INTO review_leases(article_id, reviewer, lead, at, expires, double) VALUES (?,?,?,?,?,0)",
                     (row[0], reviewer, reviewer, utcnow(), _later(hours)))
        return row[0]
