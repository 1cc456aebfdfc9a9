"""Importing edits made outside the web app: XLIFF from a CAT tool, CSV/TSV from a spreadsheet.

The files are read by the formats' importers (:data:`bitext.formats.IMPORTERS`: XLIFF in
:mod:`bitext.formats.xliff`, the review spreadsheet in :mod:`bitext.formats.review_csv`); this module
checks each record against the store and applies its edit or decision (accepted, rejected, reopened)
through :mod:`bitext.review.decisions`.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from bitext.errors import BitextError
from bitext.formats import importer_for
from bitext.formats.base import clean_xml
from bitext.model import ACCEPTED, APPROVED, EDITED, PENDING, REJECTED
from bitext.records import ImportRecord
from bitext.review.decisions import (
    append_review,
    current_english,
    current_status,
    durable_tx,
    newest_review,
    require_reviewer,
)
from bitext.review.schema import ensure_schema
from bitext.review.state import clean_text, text_hash
from bitext.store import Store

__all__ = ["ImportResult", "import_review"]


@dataclass
class ImportResult:
    """What :func:`import_review` did: new review ids with their decisions, unchanged rows, and one line
    per problem (conflicts included)."""

    applied: list[int] = field(default_factory=list)  # new review ids (0 each in a dry run)
    statuses: list[str] = field(default_factory=list)  # the decision of each, parallel to ``applied``
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, status: str) -> int:
        """How many decisions of ``status`` (accepted, edited, rejected, pending) were applied."""
        return self.statuses.count(status)


# What a conflict line says was not imported, by the decision the file asked for.
_WHAT = {EDITED: "edit", ACCEPTED: "acceptance", REJECTED: "rejection", PENDING: "reopening"}


def import_review(
    store: Store, path: str | Path, *, reviewer: str, fmt: str = "auto", dry_run: bool = False,
    force_corpus: bool = False,
) -> ImportResult:
    """Apply English edits and decisions from an XLIFF 2 file (``bitext export --format xliff``) or a CSV/TSV file.

    A target that differs from the export-time (or current) English becomes an 'edited' decision by
    ``reviewer``. A decision the file states (XLIFF ``state``/``subState``, see
    :func:`bitext.formats.xliff.read_xliff`; the sheet's ``status`` column) that differs from the pair's
    status at export (the status of the review row the file's marker names) becomes that decision:
    accepted, rejected, or pending (reopened); an approval with a changed target is an edit. What is
    already the pair's state writes nothing, so importing the same file twice is harmless.
    Unknown ids, repeated ids, unreadable rows, rows whose Indonesian is not the pair's (a file from
    another corpus with the same article names, or an article re-segmented since) and conflicts (the
    pair's review state or English changed since the export) are reported in ``problems``, one line
    each, and not applied; the other rows are applied in one transaction (none with ``dry_run``).
    A file that names another corpus (its ``corpus`` column / ``corpus_id`` metadata is not this store's
    :meth:`~bitext.store.Store.corpus_id`) is refused as a whole, unless ``force_corpus``.
    """
    reviewer = require_reviewer(reviewer)
    path = Path(path)
    # ``fmt``: a key of bitext.formats.IMPORTERS, or 'auto' (by the file's suffix).
    records = importer_for(path, fmt).read(path)
    _check_corpus(store, path, records, force_corpus, create=not dry_run)

    result = ImportResult()
    seen: dict[str, str] = {}
    ensure_schema(store)  # before the rows are written: their sentence ids are captured then
    with durable_tx(store) as conn:
        for rec in records:
            if rec.problem:
                result.problems.append(f"{rec.where}: {rec.problem}")
                continue
            if rec.pair_id in seen:
                result.problems.append(f"{rec.where}: pair {rec.pair_id!r} appears twice (first at {seen[rec.pair_id]})")
                continue
            seen[rec.pair_id] = rec.where
            pair = conn.execute("SELECT id, source, target FROM pairs WHERE id = ?", (rec.pair_id,)).fetchone()
            if pair is None:
                result.problems.append(f"{rec.where}: unknown pair id {rec.pair_id!r} (not in {store.path})")
                continue
            current = newest_review(conn, rec.pair_id)
            english = current_english(current, pair)
            new = None if rec.new_target is None else clean_text(rec.new_target)
            # Unchanged first: a 1-0 pair exports an empty English, and re-importing it untouched is no error.
            edited = new is not None and not (
                (rec.base_hash is not None and text_hash(new) == rec.base_hash) or new == clean_text(english))
            try:
                wanted = _wanted(rec.status, _exported_status(conn, pair, rec.base_review_id),
                                 current_status(current, pair), edited)
            except ValueError as e:
                result.problems.append(f"{rec.where}: pair {rec.pair_id!r}: {e}")
                continue
            if wanted is None:
                result.unchanged += 1  # not changed in the file, or this very change is already the state
                continue
            what = _WHAT[wanted]
            if rec.source is not None and _same_text(rec.source) != _same_text(pair["source"]):
                result.problems.append(
                    f"{rec.where}: pair {rec.pair_id!r}: the file's Indonesian {_short(rec.source)!r} is not this "
                    f"corpus's {_short(pair['source'])!r} (another corpus's file, or re-segmented since); "
                    f"{what} not imported")
                continue
            if wanted == EDITED and not new:
                result.problems.append(f"{rec.where}: pair {rec.pair_id!r}: empty English; reject it in the review app")
                continue
            if wanted == ACCEPTED and not english.strip():
                result.problems.append(f"{rec.where}: pair {rec.pair_id!r}: approved with an empty English; type the "
                                       "English or reject it")
                continue
            current_id = current["id"] if current is not None else 0
            stale = (rec.base_review_id is not None and rec.base_review_id != current_id) or (
                rec.base_hash is not None and rec.base_hash != text_hash(english)
            )
            unmarked = rec.base_review_id is None and rec.base_hash is None
            if unmarked and current_status(current, pair) != PENDING:
                stale = True  # no state marker: a pair reviewed since could be overwritten; don't guess
            if stale:
                state = "pending" if current is None else f"{current['status']} by {current['reviewer']} at {current['at']}"
                result.problems.append(
                    f"{rec.where}: pair {rec.pair_id!r} changed since export (now {state}); {what} not imported"
                )
                continue
            result.statuses.append(wanted)
            if dry_run:
                result.applied.append(0)
                continue
            comment = clean_text(rec.comment) if rec.comment else None
            result.applied.append(
                append_review(
                    store,
                    pair,
                    reviewer=reviewer,
                    status=wanted,
                    before=english,
                    # An edit brings its English; an accept or a rejection keeps the current one (as
                    # decisions.decide does); reopening is 'pending' with no English (as decisions.undo does).
                    after=new if wanted == EDITED else None if wanted == PENDING else english,
                    comment=comment or None,
                    parent=current["id"] if current is not None else None,
                )
            )
    return result


def _family(status: str | None) -> str | None:
    """Accepted and edited are one state for a file (both approve the English); None stays None."""
    return ACCEPTED if status in APPROVED else status


def _exported_status(conn: sqlite3.Connection, pair: sqlite3.Row, review_id: int | None) -> str | None:
    """The pair's status when the file was exported: that of the review row its marker names (reviews
    are append-only, so the row is still there); None when the file has no marker or names no row of
    this pair (the conflict check reports that)."""
    if review_id is None:
        return None
    if review_id == 0:
        return PENDING
    row = conn.execute("SELECT * FROM reviews WHERE id = ? AND pair_id = ?", (review_id, pair["id"])).fetchone()
    return None if row is None else current_status(row, pair)


def _wanted(stated: str | None, exported: str | None, now: str, edited: bool) -> str | None:
    """The decision a row asks for, None when nothing is to be done; ValueError when it contradicts itself.

    ``stated``: the decision the file states; ``exported``: the pair's status at export (None: unknown);
    ``now``: its status now; ``edited``: the English differs from both the export's and the current one.
    A stated decision the file had at export (the status column or ``state`` left as it was) says
    nothing, so a sheet whose ``edited`` is filled with the ``status`` left ``pending`` is an edit.
    """
    changed = stated is not None and (exported is None or _family(stated) != _family(exported))
    if edited:
        if changed and stated == REJECTED:
            raise ValueError("rejected and its English edited in the file; do one of them")
        return EDITED
    if not changed or _family(stated) == _family(now):
        return None
    return ACCEPTED if stated in APPROVED else stated


def _check_corpus(store: Store, path: Path, records: list[ImportRecord], force: bool, *, create: bool) -> None:
    """Raise one line when the file says it was exported from another corpus (and ``force`` is off)."""
    named = {rec.corpus_id for rec in records if rec.corpus_id}
    if not named:
        return  # an older export, or a sheet that lost the column: each row's Indonesian is still checked
    ours = store.corpus_id(create=create)
    others = sorted(named - {ours})
    if others and not force:
        raise BitextError(
            f"{path}: exported from another corpus (id {others[0]}; {store.path.parent} is {ours or 'unnamed'}); "
            "nothing imported. If the file belongs here (a copy of this corpus), pass --force-corpus: "
            "each row's Indonesian is still compared")


def _same_text(text: str) -> str:
    """Text as compared between a file and the store: what the export could keep (XML-legal), NFC, with
    whitespace runs as one space (a spreadsheet or CAT tool may re-wrap or trim a cell)."""
    return " ".join(unicodedata.normalize("NFC", clean_xml(text)).split())


def _short(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
