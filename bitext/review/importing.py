"""Spreadsheet export for review, and importing edits made outside the web app (XLIFF from a CAT
tool, CSV/TSV from a spreadsheet).

row, then one row per pair. ``.csv``: comma-separated, quoted as Excel/Python ``csv`` do (fields with
commas, quotes or newlines in double quotes). ``.tsv``: the project's TSV as ``bitext export --format tsv``
writes it: tab-separated, one record per line, no quoting, backslash escapes ``\\ \t \n \r``. Columns::

    id         pair id (required; never edit)
    source     Indonesian text (for reading; ignored on import)
    target     English at export time (do not edit; compared on import to detect conflicts)
    edited     your corrected English; leave empty to keep ``target``
    review_id  state marker: newest review id at export, empty if none (do not edit)
    status, flags   for reading; ignored on import
    comment    optional note stored with an edit

A file without an ``edited`` column is read as "the English column holds the English as it should be":
``id``/``source``/``target``, or ``bitext export --format tsv`` (``pair_id`` ... ``id`` ``en``: the pair id
is ``pair_id``, the English ``en``). Such a file carries no state marker, so a changed English of a pair
that has been reviewed since (state not pending) is reported as a conflict, not applied.
"""


from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from bitext.errors import BitextError
from bitext.model import EDITED, PENDING
from bitext.records import ImportRecord, select_pairs
from bitext.review.decisions import (
    append_review,
    current_english,
    current_status,
    durable_tx,
    newest_review,
    require_reviewer,
)
from bitext.review.state import clean_text, text_hash
from bitext.store import Store

CSV_COLUMNS = ("id", "source", "target", "edited", "review_id", "status", "flags", "comment")


# -- spreadsheet export ---------------------------------------------------------------------


def export_review_csv(
    store: Store,
    path: str | Path,
    *,
    only_clean: bool = False,
    min_score: float | None = None,
    exclude_flags: Iterable[str] = (),
    delimiter: str | None = None,
) -> int:
    """Write pairs to a CSV (or TSV: ``.tsv`` suffix or ``delimiter='\\t'``) for editing in a
    spreadsheet; columns :data:`CSV_COLUMNS` (see the module docstring). Returns the number of rows.
    CSV is quoted as Excel does; TSV uses the project's backslash escapes (one record per line)."""
    from bitext.export import tsv_escape
    from bitext.fileio import atomic_writer

    path = Path(path)
    if delimiter is None:
        delimiter = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    items = select_pairs(store, only_clean=only_clean, min_score=min_score, exclude_flags=exclude_flags)
    with atomic_writer(path, newline="") as fh:  # OSError -> BitextError naming the path (exit code 2)
        rows = (
            [it.id, it.source, it.target, "", str(it.review_id or ""), it.review_status, " ".join(it.flags),
             it.review_comment or ""]
            for it in items
        )
        if delimiter == "\t":  # the project's TSV convention (see bitext.export.tsv_escape)
            for row in (list(CSV_COLUMNS), *rows):
                fh.write("\t".join(tsv_escape(f) for f in row) + "\n")
        else:
            w = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
            w.writerow(CSV_COLUMNS)
            w.writerows(rows)
    return len(items)


# -- import of edits made elsewhere ---------------------------------------------------------



@dataclass
class ImportResult:
    """What :func:`import_review` did: new review ids, unchanged rows, and one line per problem."""

    applied: list[int] = field(default_factory=list)
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _table_rows(fh: IO[str], path: Path, tsv: bool) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of each record, header included."""
    if tsv:
        from bitext.export import tsv_unescape

        # The project's TSV (bitext.export.write_tsv): one record per line, backslash escapes, no quoting.
        for number, line in enumerate(fh, 1):
            yield number, [tsv_unescape(f) for f in line.rstrip("\r\n").split("\t")]
        return
    reader = csv.reader(fh)
    start = 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as e:
        raise BitextError(f"{path}:{reader.line_num}: not valid CSV: {e}") from e


def read_review_table(path: str | Path) -> list[ImportRecord]:
    """Read a CSV or TSV file in the format of the module docstring, or a ``bitext export --format tsv`` file."""
    path = Path(path)
    try:
        fh = open(path, encoding="utf-8-sig", newline="")
    except OSError as e:
        raise BitextError(f"{path}: cannot read: {e.strerror}", exit_code=2) from e
    records: list[ImportRecord] = []
    with fh:
        try:
            first = fh.readline()
            fh.seek(0)
            tsv = path.suffix.lower() in (".tsv", ".tab") or ("\t" in first and "," not in first)
            rows = _table_rows(fh, path, tsv)
            _, header = next(rows, (1, []))
            if not header or header == [""]:
                raise BitextError(f"{path}:1: empty file (expected a header row with an 'id' column)")
            cols = {name.strip().lower(): i for i, name in enumerate(header)}
            # bitext export --format tsv: pair_id ... id (Indonesian) en (English).
            id_col = "pair_id" if "pair_id" in cols else "id"
            target_col = "target" if "target" in cols else "en" if "pair_id" in cols and "en" in cols else None
            if id_col not in cols or (target_col is None and "edited" not in cols):
                raise BitextError(
                    f"{path}:1: header must have 'id' and 'target' (and 'edited' for edits); got {', '.join(header)}"
                )
            for number, row in rows:
                if not any(cell.strip() for cell in row):
                    continue

                def cell(name: str | None, row: list[str] = row) -> str | None:
                    i = cols.get(name) if name else None
                    return row[i] if i is not None and i < len(row) else None

                pair_id = (cell(id_col) or "").strip()
                rec = ImportRecord(where=f"{path}:{number}", pair_id=pair_id, new_target=None,
                                   comment=cell("comment") or None)
                if len(row) != len(header):
                    rec.problem = f"{len(row)} fields, the header has {len(header)} (a quote or separator is off)"
                elif not pair_id:
                    rec.problem = f"empty {id_col}"
                elif "edited" in cols:
                    edited = cell("edited") or ""
                    rec.new_target = edited if edited.strip() else None
                    if target_col is not None:
                        rec.base_hash = text_hash(cell(target_col) or "")
                else:
                    rec.new_target = cell(target_col)
                if rec.problem is None and "review_id" in cols:
                    marker = (cell("review_id") or "").strip()
                    if marker and not marker.isdigit():
                        rec.problem = f"review_id {marker!r} is not a number"
                    else:
                        rec.base_review_id = int(marker) if marker else 0
                records.append(rec)
        except UnicodeDecodeError as e:
            raise BitextError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from e
    return records


def import_review(
    store: Store, path: str | Path, *, reviewer: str, fmt: str = "auto", dry_run: bool = False
) -> ImportResult:
    """Apply English edits from an XLIFF 2 file (from :func:`bitext.xliff.export_xliff`) or a CSV/TSV file.

    A target that differs from the export-time (or current) English becomes an 'edited' decision by
    ``reviewer``; an unchanged one writes nothing, so importing the same file twice is harmless.
    Unknown ids, repeated ids, unreadable rows and conflicts (the pair's review state or English
    changed since the export) are reported in ``problems``, one line each, and not applied; the other
    rows are applied in one transaction (none with ``dry_run``).
    """
    reviewer = require_reviewer(reviewer)
    path = Path(path)
    if fmt == "auto":
        fmt = "xliff" if path.suffix.lower() in (".xlf", ".xliff", ".xml") else "csv"
    if fmt == "xliff":
        from bitext.xliff import read_xliff

        records = read_xliff(path)
    elif fmt in ("csv", "tsv"):
        records = read_review_table(path)
    else:
        raise BitextError(f"unknown import format {fmt!r}; use xliff, csv or tsv", exit_code=2)

    result = ImportResult()
    seen: dict[str, str] = {}
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
            if rec.new_target is None:
                result.unchanged += 1
                continue
            new = clean_text(rec.new_target)
            # Unchanged first: a 1-0 pair exports an empty English, and re-importing it untouched is no error.
            if (rec.base_hash is not None and text_hash(new) == rec.base_hash) or new == clean_text(english):
                result.unchanged += 1  # not edited in the file, or this very edit is already the state
                continue
            if not new:
                result.problems.append(f"{rec.where}: pair {rec.pair_id!r}: empty English; reject it in the review app")
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
                    f"{rec.where}: pair {rec.pair_id!r} changed since export (now {state}); edit not imported"
                )
                continue
            if dry_run:
                result.applied.append(0)
                continue
            comment = clean_text(rec.comment) if rec.comment else None
            result.applied.append(
                append_review(
                    store,
                    pair,
                    reviewer=reviewer,
                    status=EDITED,
                    before=english,
                    after=new,
                    comment=comment or None,
                    parent=current["id"] if current is not None else None,
                )
            )
    return result
