"""The review app's post-editing aids: the translation-memory panel and glossary highlighting of the pair
page (:func:`pair_context`, rendered by ``_postedit.html``), adding a glossary term from the page, and the
consistency and concordance pages. Keys (``static/postedit.js``): Alt+1..3 insert a TM match's English,
Alt+G adds a term (the selected Indonesian), Alt+K looks the selection up in the concordance, Alt+Y opens
the consistency page.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, redirect, render_template, request, url_for

from bitext.errors import InputError
from bitext.lang.glossary import segments
from bitext.review import consistency, qa, tm, worklist
from bitext.review import glossary as glossary_mod
from bitext.web import views

SHOWN_GROUPS = 50
"""Sentences and terms the consistency page lists (most pairs first); fixing them brings up the next."""


def pair_context(item: Any, blind: bool = False) -> dict[str, Any]:
    """What the pair page shows besides the pair: TM matches (none on a blind double review: they may
    hold this sentence's other decisions), the Indonesian cut at glossary terms, the terms found."""
    store = views.site().store
    g = glossary_mod.load(store)
    hits = g.find(item.source or "")
    found: list[Any] = []
    for h in hits:
        if h.term not in found:
            found.append(h.term)
    matches = [] if blind or not item.source else tm.matches(store, item.id, item.source, wait=False)
    return {
        "tm_matches": matches,
        "tm_diff": qa.word_diff,
        "source_segments": segments(item.source, hits) if hits else None,
        "glossary_found": found,
        # (blind: judged on the aligned English, as the page shows it, not on the first reviewer's)
        "glossary_missing": {t.source for t in g.missing(item.source or "", (item.original_target if blind else
                                                                              item.target) or "")[1]} if hits else set(),
    }


def glossary_add() -> Response:
    """Add a term from the pair page (Indonesian, English), then show the page again."""
    form = request.form
    try:
        added = glossary_mod.add_term(views.site().store, form.get("term_source", ""), form.get("term_target", ""),
                                      origin="page", by=views.current_reviewer())
    except InputError as e:
        abort(400, f"Glossary term not added: {e}")
    return redirect(views._back(form.get("back"), term_added=1 if added else 0), 303)


def concordance_page() -> str:
    """Decided pairs holding a text on either side (``?cq=``), with the text marked."""
    f = views._filters(request.args)
    text = (request.args.get("cq") or "").strip()
    if len(text) > worklist.MAX_SEARCH:
        abort(400, f"The concordance text is {len(text):,} characters; search for at most {worklist.MAX_SEARCH}.")
    lines = consistency.concordance(views.site().store, text) if text else []
    return render_template("concordance.html", cq=text, lines=lines, mark=consistency.marked, **views._page_context(f))


def consistency_page() -> str:
    """Indonesian decided with more than one English, and glossary terms decided without their English."""
    f = views._filters(request.args)
    store = views.site().store
    groups, n_groups = consistency.sentences(store, limit=SHOWN_GROUPS)
    terms, n_terms = consistency.terms(store, limit=SHOWN_GROUPS)
    return render_template("consistency.html", groups=groups, n_groups=n_groups, terms=terms, n_terms=n_terms,
                           **views._page_context(f))


ROUTES: tuple[tuple[str, str, Any, tuple[str, ...]], ...] = (
    ("/concordance", "concordance_page", concordance_page, ("GET",)),
    ("/consistency", "consistency_page", consistency_page, ("GET",)),
    ("/glossary/add", "glossary_add", glossary_add, ("POST",)),
)
"""(rule, endpoint, view, methods), for the app's route table."""
PAGES = frozenset({"concordance_page", "consistency_page"})
FORMS = frozenset({"glossary_add"})
"""Endpoints the in-place navigation (:mod:`bitext.web.api`) may render / post to."""


def pair_url(pair_id: str) -> str:
    """A pair's page whatever its status (the consistency and concordance pages link decided pairs)."""
    return url_for("pair_page", id=pair_id, status="all")
