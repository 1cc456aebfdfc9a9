"""The review app's post-editing notes: the reason asked for an unedited confirm of a flagged pair, the
MQM error annotation of a decision, the discussion thread and the guidelines panel, and the MT vs
reference label (:mod:`bitext.review.typology`, :mod:`bitext.review.discussion`).

:mod:`bitext.web.views` calls these from its pages and actions (:func:`pair_context`,
:func:`decision_notes`, :func:`history_notes`); :func:`discuss` is the thread's own route.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, g, redirect, request, url_for
from werkzeug.wrappers import Response

from bitext.model import KIND_REFERENCE, PENDING
from bitext.review import discussion, typology
from bitext.review.state import clean_text
from bitext.review.typology_stats import kind_label
from bitext.review.worklist import QueueItem, queue_ids
from bitext.store import Store

GUIDELINES = "bitext_guidelines"
"""``app.extensions`` key of the rendered guidelines (None: no ``--guidelines``)."""
KINDS = (("all", "all kinds"), ("reference", "reference"), ("mt", "MT"))
"""The queue's kind filter (value, label); a missing value opens on reference pairs where any are pending."""


def guidelines() -> str | None:
    """The rendered guidelines of the running app, None without ``--guidelines``."""
    return current_app.extensions.get(GUIDELINES)


def install(app: Any, guidelines_html: str | None) -> None:
    """Give ``app`` what the templates of these notes need."""
    app.extensions[GUIDELINES] = guidelines_html
    app.jinja_env.globals.update(guidelines=guidelines, kind_label=kind_label, kinds=KINDS)


_REFERENCES: dict[str, tuple[float, bool]] = {}  # store path -> (when asked, reference pairs pending)
REFERENCE_TTL = 10.0
"""Seconds the answer of :func:`default_kind` is reused (the scan is of the pending pairs' state rows)."""


def default_kind(store: Store) -> str | None:
    """The kind the default queue opens on: 'reference' while reference pairs are pending (human English
    first, never the MT of a sentence that has a reference), else None (every kind). Asked at most once per
    :data:`REFERENCE_TTL` per store: a corpus without references would scan every pending pair for one."""
    import time

    key, now = str(store.path), time.monotonic()
    hit = _REFERENCES.get(key)
    if hit is None or now - hit[0] > REFERENCE_TTL:
        found = bool(queue_ids(store, kind=KIND_REFERENCE, status=PENDING, limit=1))
        hit = _REFERENCES[key] = (now, found)
    return KIND_REFERENCE if hit[1] else None


def kind_filter(value: str | None) -> str | None:
    """The queue's ``kind`` argument of a filter value ('all', '' and unknown values: no filter)."""
    return value if value in ("mt", KIND_REFERENCE) else None


def decision_notes(item: QueueItem | None, status: str, form: Any, parent_id: int,
                   ) -> tuple[typology.Errors, str | None, bool]:  # fmt: skip
    """(errors, reason, ask) of a decision form: ``ask`` when the save confirms a flagged pair's English
    unedited without a reason (the page then asks for one). Asked only of the pair as it was opened:
    otherwise the save meets its conflict first."""
    errors = typology.errors_from_form(form)
    reason = typology.reason_from_form(form)
    needed = item is not None and typology.reason_needed(item.record.needs_review, status, form.get("after"),
                                                         item.target, item.original_target or "")
    ask = needed and item is not None and item.parent_id == parent_id and reason is None
    return errors, reason if needed else None, ask  # a reason is kept only where it explains an unedited confirm


def pair_context(store: Store, item: QueueItem, history: list[Any], ask_reason: bool = False, *, reviewer: str = "",
                 blind: bool = False) -> dict[str, Any]:  # fmt: skip
    """What review.html's notes need: the reason prompt, the error picker (the choices a refused save
    carried, else those of the pair's current decision when ``reviewer`` made it: another person annotates
    afresh, so agreement per category compares independent judgements; never in a ``blind`` review), the
    thread and the kind label."""
    conn = store.conn
    notes = typology.notes_for(conn, [h["id"] for h in history])
    if request.method == "POST":
        chosen = dict(typology.errors_from_form(request.form))
        reason_text = clean_text(request.form.get("reason_text") or "")
    else:
        own = item.status != PENDING and not blind and item.reviewer == reviewer
        current = notes.get(item.review_id or -1) if own else None
        chosen = dict(current.errors) if current else {}
        reason_text = ""
    return {
        "kind_name": kind_label(item.kind),
        # rendered (hidden until asked) on flagged pairs whose English is still the aligned one
        "reason_prompt": item.record.needs_review and item.target == (item.original_target or ""),
        "ask_reason": ask_reason,
        "reasons": typology.REASONS,
        "reason_text": reason_text,
        "categories": typology.CATEGORIES,
        "severities": typology.SEVERITIES,
        "chosen_errors": chosen,
        "review_notes": notes,
        "thread": discussion.thread(conn, item.id),
        "discussion_open": discussion.is_open(conn, item.id),
        "may_resolve": discussion.may_resolve(getattr(g, "person", None)),
    }


def history_notes(store: Store, history: list[Any]) -> dict[int, typology.Notes]:
    """The notes of a pair's history rows, by review id (the history table's notes column)."""
    return typology.notes_for(store.conn, [h["id"] for h in history])


def discuss(store: Store, form: Any, reviewer: str, person: Any, filter_keys: tuple[str, ...]) -> Response:
    """POST a comment to a pair's thread (``event``: comment, open = ask for a discussion, resolve = a
    lead closes it), then show the pair again with its thread open (the view :func:`bitext.web.views.discuss`
    passes the request's form, reviewer and person)."""
    pair_id = form.get("id", "")
    event = form.get("event") or discussion.COMMENT
    if event not in discussion.EVENTS:
        abort(400, "Unknown discussion action.")
    body = form.get("body") or ""
    if event == discussion.COMMENT and not clean_text(body):
        abort(400, "The comment is empty; type it first.")
    if event == discussion.RESOLVE and not discussion.may_resolve(person):
        abort(403, "Only a lead resolves a discussion.")
    discussion.post(store, pair_id, reviewer, body, event=event, person=person)
    keep = {k: form.get(k, "") for k in filter_keys if form.get(k) or k not in ("kind", "discuss")}
    return redirect(url_for("pair_page", id=pair_id, **keep, thread=1) + "#discussion", 303)
