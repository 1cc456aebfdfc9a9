"""Human review of aligned pairs, one module per concern:

* :mod:`bitext.review.state`: the pure rules (which review applies, a pair's state); low in the graph.
* :mod:`bitext.review.carry`: reviews follow their content when re-alignment renumbers pairs.
* :mod:`bitext.review.worklist`: the review queue, filters, history and progress (reads).
* :mod:`bitext.review.decisions`: accept / edit / reject / undo, append-only and durable (writes).
* :mod:`bitext.review.importing`: spreadsheet export and importing edits from XLIFF/CSV/TSV.
* :mod:`bitext.review.people`: a review team (personal tokens, roles) and the work split (leases).
* :mod:`bitext.review.edits` / :mod:`bitext.review.structure`: merge and split in the app, re-made after
  re-alignment.

The names below are importable from ``bitext.review`` directly; submodules load on first use, so
importing the package (the aligner does, for the state rules) stays cheap and free of circles.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "ReviewState": "state", "review_state": "state", "review_states": "state", "review_applies": "state",
    "clean_text": "state", "text_hash": "state",
    "carry_reviews": "carry", "carry_report": "carry", "CarryReport": "carry", "CarryResult": "carry",
    "stale_decisions": "carry", "format_carry": "carry",
    "QueueItem": "worklist", "queue": "worklist", "queue_count": "worklist", "get_item": "worklist", "neighbours": "worklist",
    "pair_flags": "worklist", "flag_counts": "worklist", "history": "worklist", "review_row": "worklist",
    "review_progress": "worklist",
    "decide": "decisions", "undo": "decisions",
    # The review spreadsheet is a file format: its writer and reader live with the other formats.
    "CSV_COLUMNS": "bitext.formats.review_csv", "export_review_csv": "bitext.formats.review_csv",
    "read_review_table": "bitext.formats.review_csv",
    "import_review": "importing", "ImportResult": "importing",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = _LAZY[name]
        return getattr(importlib.import_module(module if "." in module else f"{__name__}.{module}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
