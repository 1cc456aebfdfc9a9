"""The review app's pages and actions, one function per route (the route table is in ``bitext.web.app``).

Pages read the queue (:mod:`bitext.review.worklist`, built on the read model) and render Jinja templates
(autoescaped); actions are POSTs that record one decision through :mod:`bitext.review.decisions`,
committed (fsynced) before the browser is redirected to the next pair, so what the reviewer saw as
saved is saved. Security checks run before any view (:mod:`bitext.web.guard`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Response, abort, current_app, g, redirect, render_template, request, session, url_for

from bitext.errors import Conflict
from bitext.model import ACCEPTED, EDITED, KIND_REFERENCE, PENDING, REJECTED, STATUSES
from bitext.review import carry, decisions, edits, people, qa, stats_cache, typology, workflow, worklist
from bitext.review import stats as stats_mod
from bitext.review.state import clean_text
from bitext.store import Store
from bitext.web import notes

FILTER_KEYS = ("flag", "status", "article", "q", "kind", "discuss")
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


def current_person() -> people.Person | None:
    """The team member this request comes from (signed in by their token), None without a team."""
    return getattr(g, "person", None)


def current_reviewer() -> str:
    """The name recorded with this session's decisions: in a team, the person's name from their token
    (never a form field); else the name this session set, or the server's default."""
    who = current_person()
    if who is not None:
        return who.name
    return session.get("reviewer") or site().reviewer


def may_sign_off() -> bool:
    """Whether this request's person may sign off decisions (anyone without a team: another name)."""
    who = current_person()
    return who is None or who.can_sign_off


def error_page(code: int, message: str, keep_text: bool = False) -> Response:
    """The error page; ``keep_text`` shows the English the refused form carried, to copy it back."""
    text = request.form.get("after") if keep_text else None
    return Response(render_template("error.html", code=code, message=message, text=text), code)


# -- helpers ----------------------------------------------------------------------------------


def _filters(source: Any) -> dict[str, str]:
    """Queue filters from request args or form fields; missing status means 'pending', except with a
    search, which also finds decided pairs. A search typed anew in the filter form (``q`` differs from
    the ``q_was`` it was shown with) looks at every status too, although the form carries the status
    select's 'pending' along; the select narrows it afterwards."""
    out = {k: (source.get(k) or "").strip() for k in FILTER_KEYS}
    new_search = bool(out["q"]) and "q_was" in source and out["q"] != (source.get("q_was") or "").strip()
    if not out["status"] or (new_search and out["status"] == PENDING):
        out["status"] = ALL if out["q"] or out["discuss"] else PENDING
    for key in ("kind", "discuss"):  # left out of links when unset (the default kind: references first)
        if not out[key]:
            del out[key]
    return out


def _queue_kwargs(f: dict[str, str]) -> dict[str, str | None]:
    return {
        "flag": f["flag"] or None,
        "status": None if f["status"] == ALL else f["status"],
        "article": f["article"] or None,
        "search": f["q"] or None,
        "kind": notes.kind_filter(f.get("kind")),
        "discussion": bool(f.get("discuss")),
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


class Waiting(Exception):
    """The pair asked for belongs to an article being re-processed: its page says so (not a 404)."""

    def __init__(self, article_id: str) -> None:
        super().__init__(article_id)
        self.article_id = article_id


def _item_or_404(pair_id: str) -> worklist.QueueItem:
    item = worklist.get_item(site().store, pair_id)
    if item is None:
        article = carry.waiting_article(site().store, pair_id)
        if article is not None:
            raise Waiting(article)
        abort(404, f"No pair {pair_id!r} in this corpus.")
    return item


def waiting_page(article_id: str, pair_id: str = "") -> Response:
    """The page of a pair whose article is being re-processed: its decisions, pending re-attachment."""
    f = _filters(request.args)
    rows = carry.waiting_decisions(site().store, article_id)
    page = render_template("waiting.html", article_id=article_id, pair_id=pair_id, rows=rows,
                           article=site().store.article(article_id), **_page_context(f))
    return Response(page, 200)


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


def _is_default(f: dict[str, str]) -> bool:
    return not (f["flag"] or f["article"] or f["q"] or f.get("discuss")) and f["status"] == PENDING


def _my_queue(who: people.Person, f: dict[str, str]) -> dict[str, str] | None:
    """A team member's queue: the filters of the first article they hold that still has work for them
    (a double-review article: every pair of it, to decide again), claiming the next free article when
    they hold none; None when the pool is empty. Only for the default queue, and for an article of theirs
    that is done (so "next" after its last pair moves on to their next article)."""
    store = site().store
    held = people.my_articles(store, who.name)
    if not (_is_default(f) or (f["article"] in {h.article_id for h in held} and not (f["flag"] or f["q"]))):
        return None

    def work(lease: people.Lease) -> dict[str, str] | None:
        g_ = {**f, "article": lease.article_id, "status": ALL if lease.double else PENDING, "q": "", "flag": ""}
        if lease.double:
            # the second person walks the whole article once: the pairs they have not decided themselves
            mine = {r[0] for r in store.conn.execute("SELECT DISTINCT pair_id FROM reviews WHERE reviewer = ? AND"
                                                     " pair_id >= ? AND pair_id < ?",
                                                     (who.name, f"{lease.article_id}:", f"{lease.article_id};"))}
            left = any(i not in mine for i in worklist.queue_ids(store, article=lease.article_id, limit=None))
            return g_ if left else None
        return g_ if worklist.queue_count(store, article=lease.article_id, status=PENDING) else None

    if not _is_default(f):
        this = next(h for h in held if h.article_id == f["article"])
        if work(this) is not None:
            return None  # their article, work left: the queue as filtered
    for lease in held:
        if lease.article_id == f["article"]:
            continue  # the article just finished
        found = work(lease)
        if found is not None:
            return found
    claimed = people.claim_next(store, who.name)
    if claimed is None:
        return {**f, "article": "", "status": PENDING, "q": "", "flag": "", "pool": "empty"}
    return {**f, "article": claimed, "status": PENDING, "q": "", "flag": ""}


def queue_page() -> Response | str:
    """The first pair of the filtered queue (a redirect), or the "nothing left" page. In a team, the
    default queue is the person's own: the articles they hold (see :func:`_my_queue`)."""
    f = _filters(request.args)
    who = current_person()
    mine = _my_queue(who, f) if who is not None else None
    if mine is not None and mine.pop("pool", None):
        last, undoable = _last_saved()
        return render_template("empty.html", last=last, last_undoable=undoable, pool_empty=True,
                               **_page_context(mine))
    if mine is not None:
        f = mine
    elif "kind" not in request.args and _is_default(f) and notes.default_kind(site().store):
        f = {**f, "kind": KIND_REFERENCE}  # human references first: the reviewer picks MT in the kind filter
    first = worklist.queue(site().store, **_queue_kwargs(f), limit=1)
    if not first and f.get("kind") and "kind" not in request.args:  # (the default's answer was a little old)
        f = {k: v for k, v in f.items() if k != "kind"}
        first = worklist.queue(site().store, **_queue_kwargs(f), limit=1)
    extra = {"last": request.args["last"]} if _int(request.args.get("last")) else {}
    if first:
        return redirect(_pair_url(first[0].id, f, **extra))
    if f["article"] and carry.waiting_decisions(site().store, f["article"]):
        return waiting_page(f["article"])  # re-segmented, not aligned yet: its decisions, not "nothing here"
    last, undoable = _last_saved()
    return render_template("empty.html", last=last, last_undoable=undoable, **_page_context(f))


def pair_page(qa_findings: list[Any] | None = None, typed: str | None = None, comment: str | None = None,
              opened: dict[str, Any] | None = None, notice: str | None = None, ask_reason: bool = False) -> str:
    """One pair: its findings, context, the decision form, history and what comes next.

    Called again by :func:`decide` when QA on save found a blocking problem in the typed English:
    then ``qa_findings`` are shown above the form, with the typed text kept and a second confirm for
    that text. ``opened``: the review id and seen marker the reviewer's form carried -- the page keeps
    them (never the newest review's id), so a save made meanwhile by someone else is still a conflict.
    ``notice``: a line shown above the form (a save that could not be made as asked). ``ask_reason``: the
    save confirmed a flagged pair unedited without a reason; the reason prompt is shown open.
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
    seen = decisions.seen_marker(item.source, item.original_target or "")
    who = current_person()
    holders = people.holders(store, item.article_id) if who is not None else []
    signoff = workflow.signed_off(store, item.id) if item.status != PENDING else None
    held_by = [h.reviewer for h in holders]
    # A double review is blind: the second person decides a pair without seeing the first one's decision.
    blind = (who is not None and item.status != PENDING and any(h.double and h.reviewer == who.name for h in holders)
             and not any(h["reviewer"] == who.name for h in history))
    return render_template(
        "review.html",
        blind=blind,
        assigned_elsewhere=held_by if held_by and who is not None and who.name not in held_by else None,
        qa_findings=qa_findings or [],
        qa_confirm=qa.confirm_marker(clean_text(typed or "")) if qa_findings else None,
        notice=notice,
        form_parent_id=opened["parent_id"] if opened else item.parent_id,
        form_seen=opened["seen"] if opened else seen,
        typed=typed,
        typed_comment=comment,
        text_label=qa.text_label(item.kind),
        # The diff a post-editor wants: against the English the pair had (the MT, or the human reference).
        mt_diff=qa.word_diff(item.original_target, item.target)
        if item.original_target and item.target != item.original_target else None,
        diff_label="vs MT" if item.kind != KIND_REFERENCE else "vs reference",
        diff=qa.word_diff,
        controls=qa.visible_controls if qa.has_controls(item.target) or qa.has_controls(item.original_target)
        else None,
        propagation=propagation,
        signoff=signoff,
        xliff_state=workflow.xliff_state(item.status, item.target, signoff is not None)[0],
        item=item,
        flags=item.findings,
        history=history,
        newest=history[-1] if history else None,  # applying or not: the page says who reviewed it last
        before=before,
        after=after,
        upcoming=upcoming,
        next_id=upcoming[0].id if upcoming else None,
        prev_id=prev_id,
        seen=seen,
        stale_decisions=carry.stale_decisions(store, item.id),
        split_points=edits.split_points(store, item.id),
        reshaped=_int(request.args.get("reshaped")),
        in_queue=worklist.queue_size(store, **kwargs),
        last=last,
        last_undoable=undoable,
        article=store.article(item.article_id),
        **notes.pair_context(store, item, history, ask_reason, reviewer=current_reviewer(), blind=blind),
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
                           review_notes=notes.history_notes(site().store, history), **_page_context(f))


def progress_api() -> dict[str, int]:
    return worklist.review_progress(site().store)


# -- actions ----------------------------------------------------------------------------------


def _qa_stop(item: worklist.QueueItem | None, status: str, form: Any, parent_id: int) -> list[Any] | None:
    """The blocking QA findings on the English a save carries, or None when the save goes ahead unchecked.

    QA runs only where the save would be recorded: on the pair as the reviewer opened it (the newest
    review is still the one the form carries, its text unchanged) -- otherwise :func:`decisions.decide`
    answers first with the conflict page, so a QA page never hands out someone else's newer review id.
    A second confirm (``confirm_qa``) skips QA only for the very text confirmed (its hash): text changed
    after confirming is checked again.
    """
    if status == REJECTED or item is None:
        return None
    typed = clean_text(form.get("after") or "")
    shown = form.get("seen") or None
    if item.parent_id != parent_id or (shown is not None and shown != decisions.seen_marker(
            item.source, item.original_target or "")):
        return None  # decided or re-aligned meanwhile: decide() says so (or finds this very save done)
    if form.get("confirm_qa") == qa.confirm_marker(typed):
        return None
    if not typed or typed == item.target or len(typed) > decisions.MAX_TEXT:
        return None  # nothing new to check (a too long text is refused by decide())
    return [q for q in qa.qa_findings(site().store, item.id, typed) if q.blocking] or None


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
    item = worklist.get_item(store, pair_id)
    opened = {"parent_id": parent_id, "seen": form.get("seen") or ""}
    findings = _qa_stop(item, status, form, parent_id)
    if findings:
        return pair_page(qa_findings=findings, typed=form.get("after", ""), comment=form.get("comment"),
                         opened=opened), 422
    if (status == ACCEPTED and item is not None and item.source and not item.target
            and not clean_text(form.get("after") or "") and item.parent_id == parent_id):
        # 'a' on a 1-0 pair: there is no English to accept; say so on the pair itself, not an error page.
        return pair_page(notice="This pair has no English, so there is nothing to accept: type the English "
                                "and save the edit, or reject the pair.", comment=form.get("comment"),
                         opened=opened), 422
    errors, reason, ask = notes.decision_notes(item, status, form, parent_id)
    if ask:  # a flagged pair confirmed unedited: a deliberate act, with its reason
        return pair_page(typed=form.get("after", ""), comment=form.get("comment"), opened=opened, ask_reason=True), 422
    try:
        rid = typology.decide_annotated(store, pair_id, status, errors=errors, reason=reason, reviewer=current_reviewer(),
                                        after=form.get("after"), comment=form.get("comment"), parent_id=parent_id,
                                        seen=form.get("seen") or None)
    except Conflict as c:
        mine = {"status": status, "after": form.get("after", ""), "comment": form.get("comment", "")}
        return _conflict_page(pair_id, c, f, mine, form.get("action"))
    who = current_person()
    if who is not None and item is not None:
        people.renew(store, item.article_id, who.name)  # working on it: the article stays theirs
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
    """Per reviewer: decisions, pace, share edited, chrF to the MT, time per decision; agreement; per
    article and per person progress; for a lead, the form that splits the work."""
    f = _filters(request.args)
    store = site().store
    numbers = stats_cache.page_numbers(store)  # recounted only when the store changed
    stats = numbers.stats
    team = people.people(store)
    return render_template("stats.html", stats=stats, team=team,
                           article_rows=stats_mod.article_progress(store, rows=numbers.articles),
                           typology=numbers.typology, typology_categories=typology.CATEGORY_NAMES,
                           typology_severities=typology.SEVERITIES,
                           persons=stats_mod.person_progress(store, stats) if team else [],
                           lease_hours=people.LEASE_HOURS, **_page_context(f))


def _lead() -> people.Person:
    who = current_person()
    if who is None or not who.is_lead:
        abort(403, "Only a team lead splits the work.")
    return who


def assign() -> Response:
    """A lead gives articles (ids separated by spaces or commas) to a person, for some hours; ``double``
    keeps the article with its other holder too (double review)."""
    lead = _lead()
    form = request.form
    ids = [a for a in re.split(r"[\s,]+", form.get("articles", "")) if a]
    if not ids:
        abort(400, "Name the articles to assign.")
    try:
        hours = float(form.get("hours") or people.LEASE_HOURS)
    except ValueError:
        abort(400, "Hours must be a number.")
    if not 0 < hours <= 24 * 14:
        abort(400, "Hours must be between 0 and 336.")
    people.assign(site().store, ids, form.get("person", ""), lead=lead.name, hours=hours,
                  double=bool(form.get("double")))
    return redirect(url_for("stats_page"), 303)


def release() -> Response:
    """A lead takes an article back from a person (it returns to the pool)."""
    _lead()
    people.release(site().store, request.form.get("article", ""), request.form.get("person") or None)
    return redirect(url_for("stats_page"), 303)


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


def discuss() -> Response:
    """Add to a pair's discussion (:func:`bitext.web.notes.discuss`)."""
    return notes.discuss(site().store, request.form, current_reviewer(), current_person(), FILTER_KEYS)


def undo_propagation() -> Response:
    """Take back the decisions propagated from one edit (those not decided again since)."""
    form = request.form
    rid = _int(form.get("review_id"))
    if rid is None:
        abort(400, "The form lacks review_id; reload the page.")
    decisions.undo_propagation(site().store, rid, reviewer=current_reviewer())
    return redirect(_back(form.get("back")), 303)


def _reshape_parents(form: Any) -> dict[str, int]:
    """The newest review id of each pair the page showed (this one, and the next for a join or move)."""
    out = {form.get("id", ""): _parent_id(form)}
    if form.get("next_id"):
        out[form["next_id"]] = _int(form.get("next_parent_id")) or 0
    return out


def reshape() -> Response | tuple[str, int]:
    """Merge and split in the app: join this pair with the next, move a sentence between them, or split
    this bead; a recorded edit whose decisions follow their sentences. Shows the (first) new pair."""
    form = request.form
    f = _filters(form)
    pair_id, op = form.get("id", ""), form.get("op", "")
    parents = _reshape_parents(form)
    try:
        if op == "join":
            new = [edits.join(site().store, pair_id, reviewer=current_reviewer(), parent_ids=parents)]
        elif op in ("move-forward", "move-back"):
            new = edits.move(site().store, pair_id, forward=op == "move-forward", reviewer=current_reviewer(),
                             parent_ids=parents)
        elif op == "split":
            src_at, tgt_at = _int(form.get("src_at")), _int(form.get("tgt_at"))
            if src_at is None or tgt_at is None:
                abort(400, "Choose where to split the Indonesian and the English.")
            new = edits.split(site().store, pair_id, src_at, tgt_at, reviewer=current_reviewer(), parent_ids=parents)
        else:
            abort(400, "Unknown edit.")
    except Conflict as c:
        return _conflict_page(pair_id, c, f, None, "reshape")
    return redirect(_pair_url(new[0], {**f, "status": ALL if f["status"] == PENDING else f["status"]},
                              reshaped=len(new)), 303)


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
    """Set this session's reviewer name and go back to the page it was set on (not in a team: there the
    name comes from the person's token)."""
    if current_person() is not None:
        abort(403, "In a review team your name comes from your personal token; it cannot be changed here.")
    name = " ".join(request.form.get("reviewer", "").split())[:80]
    if name:
        session["reviewer"] = name
    # Only paths on this site: never redirect off-site (e.g. '/\t/evil.example').
    return redirect(safe_back(request.form.get("back")) or url_for("queue_page"), 303)
