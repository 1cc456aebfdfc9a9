"""The review app's blind A/B page (``/ab``): the Indonesian and two models' English in the random order
:mod:`bitext.review.ab` stored, without model names. Keys (``static/ab.js``): 1 / 2 pick the left / right
English, t says both are as good, e then 1 / 2 opens that English to edit (Ctrl+Enter saves it: a
preference and an 'edited' decision), s skips. The stats page lists wins per model pair
(:func:`stats_context`).
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, redirect, render_template, request, url_for

from bitext.review import ab
from bitext.web import views


def ab_page() -> str:
    """The next A/B item this reviewer has not judged (after ``?after=``: skipping moves on)."""
    store = views.site().store
    reviewer = views.current_reviewer()
    after = views._int(request.args.get("after")) or 0
    wanted = views._int(request.args.get("item"))
    item = ab.get_item(store, wanted) if wanted else ab.next_item(store, reviewer, after)
    return render_template("ab.html", item=item, parent=ab.parent_of(store, item.pair_id) if item else 0,
                           left_to_judge=ab.remaining(store, reviewer), picks=ab.PICKS)


def ab_pick() -> Response:
    """Record a pick (``side`` left, right or tie; ``after``: the edited English of the picked side, for an
    edit), then show the next item."""
    form = request.form
    item_id = views._int(form.get("item"))
    if item_id is None:
        abort(400, "No A/B item named.")
    edited = form.get("after") if form.get("edit") else None
    ab.pick(views.site().store, item_id, form.get("side", ""), reviewer=views.current_reviewer(), edited=edited,
            parent_id=views._int(form.get("parent")))
    return redirect(url_for("ab_page", after=item_id), 303)


def stats_context() -> dict[str, Any]:
    """What the stats page's A/B table needs."""
    return {"ab_summary": ab.summary(views.site().store)}


def has_items() -> bool:
    """Whether the store holds A/B items (the header links the page only then)."""
    return ab.has_ab(views.site().store.conn)


ROUTES: tuple[tuple[str, str, Any, tuple[str, ...]], ...] = (
    ("/ab", "ab_page", ab_page, ("GET",)),
    ("/ab/pick", "ab_pick", ab_pick, ("POST",)),
)
"""(rule, endpoint, view, methods), for the app's route table."""
