"""The review app's pages and actions, one function per route (the route table is in ``bitext.web.app``).

Pages read the queue (:mod:`bitext.review.worklist`, built on the read model) and render Jinja templates
(autoescaped); actions are POSTs that record one decision through :mod:`bitext.review.decisions`,
committed (fsynced) before the browser is redirected to the next pair, so what the reviewer saw as
saved is saved. Security checks run before any view (:mod:`bitext.web.guard`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Response, abort, current_app, redirect, render_template, request, session, url_for

from bitext.errors import Conflict
from bitext.model import ACCEPTED, EDITED, PENDING, REJECTED, STATUSES
from bitext.review import carry, decisions, qa, workflow, worklist
from bitext.review.state import clean_text
from bitext.review.stats import review_stats
from bitext.store import Store

FILTER_KEYS = ("flag", "status", "article", "q")
"""Queue filters; they ride along in every link and form so "next pair" stays within them."""
ALL = "all"  # the status filter's value for "any status"
ACTIONS = {"accept": ACCEPTED, "edit": EDITED, "reject": REJECTED}
"""Form button value -> decision."""


@dataclass(frozen=True)
class ReviewSite:
    """What the views need: the store and the reviewer name used when a session has not set one."""

    store: Store
    reviewer: str


def site() -> ReviewSite:
    """The :class:`ReviewSite` of the running app."""
    return current_app.extensions["bitext"]


def current_reviewer() -> str:
    """The name recorded with this session's decisions."""
    return session.get("reviewer") or site().reviewer


def error_page(code: int, message: str, keep_text: bool = False) -> Response:
    """The error page; ``keep_text`` shows the English the refused form carried, to copy it back."""
    text = request.form.get("after") if keep_text else None
    return Response(render_template("error.html", code=code, message=message, text=text), code)


# -- helpers ----------------------------------------------------------------------------------


def _filters(source: Any) -> dict[str, str]:
    """Queue filters from request args or form fields; missing status means 'pending', except with a
    search, which also finds decided pairs."""
    out = {k: (source.get(k) or "").strip() for k in FILTER_KEYS}
    if not out["status"]:
        out["status"] = ALL if out["q"] else PENDING
    return out


def _queue_kwargs(f: dict[str, str]) -> dict[str, str | None]:
    return {
        "flag": f["flag"] or None,
        "status": None if f["status"] == ALL else f["status"],
        "article": f["article"] or None,
        "search": f["q"] or None,
    }


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _page_context(f: dict[str, str]) -> dict[str, Any]:
    store = site().store
    return {
        "filters": f,
        "progress": worklist.review_progress(store),
        "flag_counts": worklist.flag_counts(store),
        # A few ids to pick from as the filter is typed: a page must not list a corpus' every article.
        "articles": [r[0] for r in store.conn.execute("SELECT id FROM articles WHERE id >= ? ORDER BY id LIMIT 50",
                                                      (f.get("article") or "",))],
        "statuses": (*STATUSES, ALL),
    }


def _pair_url(pair_id: str, f: dict[str, str], **extra: Any) -> str:
    return url_for("pair_page", id=pair_id, **f, **extra)


def _last_saved() -> tuple[Any, bool]:
    """The review row named by ``?last=`` (the decision just saved) and whether it can still be undone."""
    row = worklist.review_row(site().store, _int(request.args.get("last")) or -1)
    if row is None:
        return None, False
    newest = worklist.history(site().store, row["pair_id"])
    return row, bool(newest) and newest[-1]["id"] == row["id"]


def _item_or_404(pair_id: str) -> worklist.QueueItem:
    item = worklist.get_item(site().store, pair_id)
    if item is None:
        abort(404, f"No pair {pair_id!r} in this corpus.")
    return item


def _conflict_page(pair_id: str, c: Conflict, f: dict[str, str], mine: dict[str, str] | None,
                   action: str | None) -> tuple[str, int]:  # fmt: skip
    item = worklist.get_item(site().store, pair_id)
    seen = decisions.seen_marker(item.source, item.original_target or "") if item else ""
    page = render_template("conflict.html", item=item, current=c.current, mine=mine, action=action, seen=seen,
                           message=str(c), realigned="re-aligned" in str(c), **_page_context(f))
    return page, 409


def _parent_id(form: Any) -> int:
    parent_id = _int(form.get("parent_id"))
    if parent_id is None:
        abort(400, "The form lacks parent_id; reload the page.")
    return parent_id


# -- pages ------------------------------------------------------------------------------------


def index() -> Response:
    return redirect(url_for("queue_page"))


def queue_page() -> Response | str:
    """The first pair of the filtered queue (a redirect), or the "nothing left" page."""
    f = _filters(request.args)
    first = worklist.queue(site().store, **_queue_kwargs(f), limit=1)
    extra = {"last": request.args["last"]} if _int(request.args.get("last")) else {}
    if first:
        return redirect(_pair_url(first[0].id, f, **extra))
    last, undoable = _last_saved()
    return render_template("empty.html", last=last, last_undoable=undoable, **_page_context(f))


def pair_page(qa_findings: list[Any] | None = None, typed: str | None = None, comment: str | None = None) -> str:
    """One pair: its findings, context, the decision form, history and what comes next.

    Called again by :func:`decide` when QA on save found a blocking problem in the typed English:
    then ``qa_findings`` are shown above the form, with the typed text kept and a second confirm.
    """
    store = site().store
    source = request.form if request.method == "POST" else request.args
    f = _filters(source)
    item = _item_or_404(source.get("id", ""))
    kwargs = _queue_kwargs(f)
    upcoming = worklist.queue(store, **kwargs, after=item.id, limit=12)
    came_from = request.args.get("prev") or ""
    if came_from and came_from != item.id and worklist.get_item(store, came_from) is not None:
        prev_id: str | None = came_from  # the pair this one was reached from (Skip, or a save)
    else:
        earlier = worklist.queue(store, **kwargs, before=item.id, limit=1)
        prev_id = earlier[0].id if earlier else None
    before, after = worklist.neighbours(store, item)
    last, undoable = _last_saved()
    history = worklist.history(store, item.id)
    propagation = _propagation(last)
    return render_template(
        "review.html",
        qa_findings=qa_findings or [],
        typed=typed,
        typed_comment=comment,
        text_label=qa.text_label(item.kind),
        mt_diff=qa.word_diff(item.mt, item.target) if item.mt and item.target != item.mt else None,
        diff=qa.word_diff,
        controls=qa.visible_controls if qa.has_controls(item.target) or qa.has_controls(item.original_target)
        else None,
        propagation=propagation,
        signoff=workflow.signed_off(store, item.id) if item.status != PENDING else None,
        xliff_state=workflow.xliff_state(item.status, item.target,
                                         item.status != PENDING and workflow.signed_off(store, item.id) is not None)[0],
        item=item,
        flags=item.findings,
        history=history,
        newest=history[-1] if history else None,  # applying or not: the page says who reviewed it last
        before=before,
        after=after,
        upcoming=upcoming,
        next_id=upcoming[0].id if upcoming else None,
        prev_id=prev_id,
        seen=decisions.seen_marker(item.source, item.original_target or ""),
        stale_decisions=carry.stale_decisions(store, item.id),
        in_queue=worklist.queue_size(store, **kwargs),
        last=last,
        last_undoable=undoable,
        article=store.article(item.article_id),
        **_page_context(f),
    )


def _propagation(last: Any) -> dict[str, Any] | None:
    """What the banner offers after a save: apply an edit to the pending pairs with the same Indonesian,
    or undo a propagation just made (``?propagated=REVIEW_ID``)."""
    store = site().store
    done = _int(request.args.get("propagated"))
    if done:
        rows = decisions.propagated_from(store, done)
        return {"done": done, "rows": rows, "undoable": sum(1 for r in rows if r["current"])}
    if last is None or last["status"] != EDITED:
        return None
    others = qa.same_source_pending(store, last["pair_id"])
    return {"offer": last, "pairs": others} if others else None


def history_page() -> str:
    f = _filters(request.args)
    item = _item_or_404(request.args.get("id", ""))
    history = worklist.history(site().store, item.id)
    return render_template("history.html", item=item, history=history, diff=qa.word_diff, mt=item.mt,
                           **_page_context(f))


def progress_api() -> dict[str, int]:
    return worklist.review_progress(site().store)


# -- actions ----------------------------------------------------------------------------------


def decide() -> Response | tuple[str, int]:
    """Record accept / edit / reject, then go to the next pair of the same queue."""
    store = site().store
    form = request.form
    f = _filters(form)
    pair_id = form.get("id", "")
    status = ACTIONS.get(form.get("action", ""))
    if status is None:
        abort(400, "Unknown action.")
    parent_id = _parent_id(form)
    if status != REJECTED and not form.get("confirm_qa"):
        item = worklist.get_item(store, pair_id)
        typed = clean_text(form.get("after") or "")
        shown = form.get("seen") or None
        moved = item is not None and shown is not None and shown != decisions.seen_marker(
            item.source, item.original_target or "")  # re-aligned meanwhile: decide() says so first
        if item is not None and not moved and typed and typed != item.target and len(typed) <= decisions.MAX_TEXT:
            # An edit: QA before it is saved (a too long one is refused by decide() first).
            findings = [q for q in qa.qa_findings(store, pair_id, typed) if q.blocking]
            if findings:
                return pair_page(qa_findings=findings, typed=form.get("after", ""), comment=form.get("comment")), 422
    try:
        rid = decisions.decide(store, pair_id, status, reviewer=current_reviewer(), after=form.get("after"),
                               comment=form.get("comment"), parent_id=parent_id, seen=form.get("seen") or None)
    except Conflict as c:
        mine = {"status": status, "after": form.get("after", ""), "comment": form.get("comment", "")}
        return _conflict_page(pair_id, c, f, mine, form.get("action"))
    nxt = worklist.queue(store, **_queue_kwargs(f), after=pair_id, limit=1)
    if nxt:
        return redirect(_pair_url(nxt[0].id, f, last=rid, prev=pair_id), 303)
    return redirect(url_for("queue_page", **f, last=rid), 303)


def undo() -> Response | tuple[str, int]:
    """Undo the newest decision of a pair, then show the pair again."""
    form = request.form
    f = _filters(form)
    pair_id = form.get("id", "")
    parent_id = _parent_id(form)
    try:
        decisions.undo(site().store, pair_id, reviewer=current_reviewer(), parent_id=parent_id)
    except Conflict as c:
        return _conflict_page(pair_id, c, f, None, "undo")
    return redirect(_pair_url(pair_id, f), 303)


def stats_page() -> str:
    """Per reviewer: decisions, pace, share edited, chrF to the MT, time per decision; and agreement."""
    f = _filters(request.args)
    return render_template("stats.html", stats=review_stats(site().store), **_page_context(f))


def sign_off() -> Response | tuple[str, int]:
    """A second reviewer signs the pair's decision off (XLIFF 'final'), then sees the pair again."""
    form = request.form
    f = _filters(form)
    pair_id = form.get("id", "")
    try:
        workflow.sign_off(site().store, pair_id, reviewer=current_reviewer(), parent_id=_parent_id(form))
    except Conflict as c:
        return _conflict_page(pair_id, c, f, None, "sign-off")
    return redirect(_pair_url(pair_id, f), 303)


def propagate() -> Response:
    """Apply an edit to the other pending pairs with the same Indonesian, then show the page again."""
    form = request.form
    rid = _int(form.get("review_id"))
    if rid is None:
        abort(400, "The form lacks review_id; reload the page.")
    row = worklist.review_row(site().store, rid)
    if row is None:
        abort(404, f"No review #{rid}.")
    decisions.propagate(site().store, rid, qa.same_source_pending(site().store, row["pair_id"]),
                        reviewer=current_reviewer())
    return redirect(_back(form.get("back"), propagated=rid), 303)


def undo_propagation() -> Response:
    """Take back the decisions propagated from one edit (those not decided again since)."""
    form = request.form
    rid = _int(form.get("review_id"))
    if rid is None:
        abort(400, "The form lacks review_id; reload the page.")
    decisions.undo_propagation(site().store, rid, reviewer=current_reviewer())
    return redirect(_back(form.get("back")), 303)


def safe_back(back: str | None) -> str | None:
    """``back`` if it is a path on this site (never another host: no '//', no backslash, no control
    characters, which browsers strip or read as '/'), else None."""
    if not back or not back.startswith("/") or back.startswith("//"):
        return None
    if any(ch == "\\" or ord(ch) < 32 or ord(ch) == 127 for ch in back):
        return None
    parts = urlsplit(back)
    return back if not parts.scheme and not parts.netloc else None


def _back(back: str | None, **extra: Any) -> str:
    url = safe_back(back) or url_for("queue_page")
    if extra:
        parts = urlsplit(url)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k not in extra and k != "last"]
        query += [(k, str(v)) for k, v in extra.items()]
        url = urlunsplit(("", "", parts.path, urlencode(query), ""))
    return url


def set_reviewer() -> Response:
    """Set this session's reviewer name and go back to the page it was set on."""
    name = " ".join(request.form.get("reviewer", "").split())[:80]
    if name:
        session["reviewer"] = name
    # Only paths on this site: never redirect off-site (e.g. '/\t/evil.example').
    return redirect(safe_back(request.form.get("back")) or url_for("queue_page"), 303)
