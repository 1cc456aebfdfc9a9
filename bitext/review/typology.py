"""What a decision says beyond its status: an MQM-style error annotation and the reason for confirming a
flagged pair unedited (component ``review_notes``, its own tables; ``reviews`` itself is never changed).

* **Error typology.** A decision may carry errors found in the English the reviewer saw: at most one
  severity per category (:data:`CATEGORIES` × :data:`SEVERITIES`, a reduced MQM: issue types of the MQM
  core that post-editors of news MT use). Rows of ``review_errors`` hang on the decision's review id, so
  they are history like the decision (an undo or a new decision has its own, possibly none).
* **Unedited confirms.** Accepting a pair on which a blocking check fired (``model.needs_review``)
  without changing its English needs a reason (:func:`reason_needed`): one of :data:`REASONS` or the
  reviewer's own words, kept in ``review_reasons`` with the decision.

Both are written in the decision's own transaction (:func:`decide_annotated`) and follow it when
re-alignment carries it to a new pair (a trigger on ``review_carried``); they are read back per review id
(:func:`notes_for`) by the app's history, the read model (``records.PairRecord.errors`` /
``review_reason``), the dataset and XLIFF notes. The discussion tables (:mod:`bitext.review.discussion`)
are made by the same component.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bitext.errors import BitextError
from bitext.model import ACCEPTED, EDITED, REJECTED
from bitext.review import decisions
from bitext.review.schema import ensure_schema
from bitext.review.state import clean_text
from bitext.store import Store, has_table

COMPONENT = "review_notes"

CATEGORIES: tuple[tuple[str, str], ...] = (
    ("accuracy/mistranslation", "the English says something else than the Indonesian"),
    ("accuracy/omission", "content of the Indonesian is missing"),
    ("accuracy/addition", "the English adds content the Indonesian does not have"),
    ("fluency", "grammar, spelling, punctuation, unidiomatic English"),
    ("terminology", "a term, name or title rendered wrongly or inconsistently"),
    ("style", "register, awkward or wordy rendering of a correct meaning"),
    ("locale", "dates, numbers, units, currency, address conventions"),
)
"""MQM-style error categories (name, what it covers), in the order of their keys 1..7 in the app."""
CATEGORY_NAMES = tuple(c for c, _ in CATEGORIES)
SEVERITIES = ("minor", "major", "critical")
"""MQM severities (keys 1..3 in the app)."""
SEVERITY_WEIGHT = {"minor": 1, "major": 5, "critical": 10}
"""MQM's usual penalty weights (a pair's error score on the stats page)."""

REASONS: tuple[str, ...] = (
    "the English is correct; the flag is a false alarm",
    "a free but faithful translation",
    "the Indonesian itself is faulty; the English is the best rendering",
    "names or numbers checked by hand",
)
"""Preset reasons for accepting a flagged pair unedited (keys 1..4 in the app); any other text is kept too."""
MAX_REASON = 500
"""Longest reason kept (characters)."""

Errors = tuple[tuple[str, str], ...]
"""(category, severity) pairs, in :data:`CATEGORIES` order."""


MIGRATIONS: list[tuple[int, str]] = [(
    1,
    """
    CREATE TABLE review_errors (
        review_id INTEGER NOT NULL,   -- the decision (reviews.id) the annotation was made with
        category  TEXT NOT NULL,      -- typology.CATEGORY_NAMES
        severity  TEXT NOT NULL,      -- minor | major | critical
        PRIMARY KEY (review_id, category)
    );
    CREATE TABLE review_reasons (
        review_id INTEGER PRIMARY KEY,  -- an 'accepted' decision of a flagged pair, made without an edit
        reason    TEXT NOT NULL
    );
    CREATE TABLE review_comments (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        pair_id TEXT NOT NULL,
        author  TEXT NOT NULL,
        at      TEXT NOT NULL,
        event   TEXT NOT NULL,       -- comment | open (asks for discussion) | resolve (a lead closes it)
        body    TEXT NOT NULL
    );
    CREATE INDEX review_comments_pair ON review_comments(pair_id, id);
    CREATE TABLE review_discussion_open (
        pair_id    TEXT PRIMARY KEY,   -- a pair whose discussion is open: kept by the triggers below
        comment_id INTEGER NOT NULL,
        author     TEXT NOT NULL,
        at         TEXT NOT NULL
    );
    CREATE TRIGGER review_comments_open AFTER INSERT ON review_comments WHEN NEW.event = 'open' BEGIN
      INSERT OR IGNORE INTO review_discussion_open(pair_id, comment_id, author, at)
        VALUES (NEW.pair_id, NEW.id, NEW.author, NEW.at);
    END;
    CREATE TRIGGER review_comments_resolve AFTER INSERT ON review_comments WHEN NEW.event = 'resolve' BEGIN
      DELETE FROM review_discussion_open WHERE pair_id = NEW.pair_id;
    END;
    -- A decision carried to a new pair by re-alignment (bitext.review.carry) keeps its notes: the new row
    -- gets them (a merge of several: the first one's severity per category).
    CREATE TRIGGER review_notes_carried AFTER INSERT ON review_carried BEGIN
      INSERT OR IGNORE INTO review_errors(review_id, category, severity)
        SELECT NEW.carried_to, category, severity FROM review_errors WHERE review_id = NEW.review_id;
      INSERT OR IGNORE INTO review_reasons(review_id, reason)
        SELECT NEW.carried_to, reason FROM review_reasons WHERE review_id = NEW.review_id;
    END;
    """,
)]


def ensure_notes(store: Store) -> None:
    """Create or upgrade this component's tables (once per Store; a no-op on a read-only store, whose
    readers treat missing tables as "no notes")."""
    if getattr(store, "_review_notes", False) or store.read_only:
        return
    ensure_schema(store)
    store.migrate(COMPONENT, MIGRATIONS)
    store._review_notes = True  # type: ignore[attr-defined]


def has_notes(conn: sqlite3.Connection) -> bool:
    """Whether the store on ``conn`` has this component's tables (an older store may not)."""
    return has_table(conn, "review_errors")


def parse_errors(values: Mapping[str, str] | Iterable[tuple[str, str]]) -> Errors:
    """Errors from ``{category: severity}`` (form fields ``err:<category>``, an empty severity meaning
    none) or (category, severity) pairs; unknown names are a one-line :class:`BitextError`."""
    items = values.items() if isinstance(values, Mapping) else values
    found: dict[str, str] = {}
    for category, severity in items:
        severity = (severity or "").strip().lower()
        if not severity:
            continue
        if category not in CATEGORY_NAMES:
            raise BitextError(f"unknown error category {category!r}; use one of {', '.join(CATEGORY_NAMES)}", 2)
        if severity not in SEVERITIES:
            raise BitextError(f"unknown error severity {severity!r} for {category}; use one of "
                              f"{', '.join(SEVERITIES)}", 2)
        found[category] = severity
    return tuple((c, found[c]) for c in CATEGORY_NAMES if c in found)


def errors_from_form(form: Mapping[str, Any]) -> Errors:
    """The errors a decision form carries (fields ``err:<category>`` = severity or empty)."""
    return parse_errors({c: form.get(f"err:{c}") or "" for c in CATEGORY_NAMES})


def format_errors(errors: Errors) -> str:
    """``accuracy/omission: major; fluency: minor`` (history, XLIFF notes)."""
    return "; ".join(f"{c}: {s}" for c, s in errors)


def reason_from_form(form: Mapping[str, Any]) -> str | None:
    """The reason a decision form carries: the preset chosen (``reason`` = 1..4) or the typed one."""
    typed = " ".join(clean_text(form.get("reason_text") or "").split())  # one line
    choice = (form.get("reason") or "").strip()
    if typed:
        return typed[:MAX_REASON]
    if choice.isdigit() and 1 <= int(choice) <= len(REASONS):
        return REASONS[int(choice) - 1]
    return None


def effective_status(status: str, typed: str | None, current: str) -> str:
    """What a save of ``typed`` (None: unchanged) over the pair's ``current`` English records (as
    :func:`bitext.review.decisions.decide` does: an accept that changes the text is an edit, an edit that
    changes nothing an accept)."""
    if status == REJECTED:
        return REJECTED
    text = current if typed is None else clean_text(typed)
    return ACCEPTED if text == current else EDITED


def reason_needed(needs_review: bool, status: str, typed: str | None, current: str, aligned: str | None = None,
                  ) -> bool:  # fmt: skip
    """Whether saving needs a reason: the pair has a blocking flag (``needs_review``, before review) and
    the save confirms its English unchanged: the ``current`` English, when that is still the ``aligned`` one
    (the MT or the reference; None: take ``current`` as aligned). Confirming English a person already wrote
    is no unedited confirm of what the checks flagged."""
    if not needs_review or status == REJECTED or effective_status(status, typed, current) != ACCEPTED:
        return False
    return aligned is None or current == aligned


def record_notes(conn: sqlite3.Connection, review_id: int, errors: Errors, reason: str | None) -> None:
    """Write the notes of decision ``review_id`` (inside the caller's transaction; a resubmitted form's
    second write changes nothing)."""
    conn.executemany("INSERT OR IGNORE INTO review_errors(review_id, category, severity) VALUES (?, ?, ?)",
                     [(review_id, c, s) for c, s in errors])
    if reason:
        conn.execute("INSERT OR IGNORE INTO review_reasons(review_id, reason) VALUES (?, ?)", (review_id, reason))


def decide_annotated(store: Store, pair_id: str, status: str, *, errors: Errors = (), reason: str | None = None,
                     **kwargs: Any) -> int:
    """:func:`bitext.review.decisions.decide` with its notes, in one durable transaction (a conflict
    writes neither). ``kwargs`` are decide()'s."""
    ensure_notes(store)
    with decisions.durable_tx(store) as conn:
        rid = decisions.decide(store, pair_id, status, **kwargs)
        record_notes(conn, rid, errors, reason)
    return rid


@dataclass(frozen=True)
class Notes:
    """What a decision says beyond its status."""

    errors: Errors = ()
    reason: str | None = None


def notes_for(conn: sqlite3.Connection, review_ids: Sequence[int]) -> dict[int, Notes]:
    """The notes of those of ``review_ids`` that have any (none on a store without the tables)."""
    ids = sorted({int(i) for i in review_ids if i is not None})
    if not ids or not has_notes(conn):
        return {}
    errs: dict[int, list[tuple[str, str]]] = {}
    reasons: dict[int, str] = {}
    order = {c: i for i, c in enumerate(CATEGORY_NAMES)}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        cur = conn.cursor()
        cur.row_factory = None
        for rid, cat, sev in cur.execute(f"SELECT review_id, category, severity FROM review_errors"
                                         f" WHERE review_id IN ({marks})", chunk):
            errs.setdefault(rid, []).append((cat, sev))
        reasons.update(cur.execute(f"SELECT review_id, reason FROM review_reasons WHERE review_id IN ({marks})",
                                   chunk).fetchall())
    return {rid: Notes(tuple(sorted(errs.get(rid, ()), key=lambda e: order.get(e[0], 99))), reasons.get(rid))
            for rid in set(errs) | set(reasons)}
