"""The review spreadsheet: pairs as CSV or TSV for editing the English, and reading edited sheets back.

A header row, then one row per pair. ``.csv``: comma-separated, quoted as Excel/Python ``csv`` do
(fields with commas, quotes or newlines in double quotes). ``.tsv``: tab-separated, one record per
line, no quoting, backslash escapes ``\\ \t \n \r`` (:func:`bitext.formats.tsv.tsv_escape`). Columns::

    id         pair id (required; never edit)
    source     Indonesian text (do not edit; on import a row whose Indonesian is not the pair's is refused)
    target     English at export time (do not edit; compared on import to detect conflicts)
    edited     your corrected English; leave empty to keep ``target``
    review_id  state marker: newest review id at export, empty if none (do not edit)
    status     the review status at export (accepted, edited, rejected, pending); change it to decide the
               pair: on import a status that differs from the export's becomes that decision
    flags      for reading; ignored on import
    comment    optional note stored with an edit
    stale      ``yes`` when the pair's last decision no longer applies (its text changed since); for reading
    corpus     the corpus the sheet came from (do not edit): import-review refuses another corpus's sheet

Spreadsheet-proof: a text cell that starts with ``=``, ``+``, ``-``, ``@`` (a spreadsheet would run it
as a formula), TAB, CR or ``'`` goes out with a ``'`` in front (:func:`sheet_safe`), and comes back
without it (:func:`sheet_text`). A sheet that went through pandas or a spreadsheet imports as is:
``review_id`` ``134.0`` reads as 134, empty cells (NaN written back) as empty, an added index
column is ignored (columns are found by name).

A file without an ``edited`` column is read as "the English column holds the English as it should be":
``id``/``source``/``target`` (``bitext export --format tsv``, quoted as the ``csv`` module does), or the
backslash-escaped pair TSV of earlier versions (``pair_id`` ... ``id`` ``en``). Such a file carries no
state marker, so a changed English of a pair that has been reviewed since (state not pending) is
reported as a conflict, not applied.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from bitext.errors import BitextError
from bitext.fileio import atomic_writer
from bitext.formats.base import Exporter, Importer, export_file
from bitext.formats.tsv import LEGACY_TSV_COLUMNS, tsv_line, tsv_unescape
from bitext.model import STATUSES
from bitext.records import ImportRecord, PairRecord
from bitext.review.state import text_hash
from bitext.store import Store

CSV_COLUMNS = ("id", "source", "target", "edited", "review_id", "status", "flags", "comment", "stale", "corpus")
TSV_SUFFIXES = (".tsv", ".tab")


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_REVIEW_ID = re.compile(r"(\d+)(?:\.0*)?")


def sheet_safe(text: str) -> str:
    """Neutralise a cell a spreadsheet would run as a formula: prefix ``'`` (also to a cell that starts
    with ``'``, so :func:`sheet_text` is its exact inverse)."""
    return "'" + text if text.startswith((*FORMULA_START, "'")) else text


def sheet_text(cell: str) -> str:
    """Inverse of :func:`sheet_safe`; a cell a person typed (no ``'`` prefix) is returned as is."""
    if cell.startswith("'") and cell[1:].startswith((*FORMULA_START, "'")):
        return cell[1:]
    return cell


def _row(rec: PairRecord, corpus_id: str) -> list[str]:
    return [rec.id, sheet_safe(rec.source), sheet_safe(rec.target), "", str(rec.review_id or ""), rec.review_status,
            " ".join(rec.flags), sheet_safe(rec.review_comment or ""), "yes" if rec.review_stale else "", corpus_id]


class ReviewCsvExporter(Exporter):
    """Columns :data:`CSV_COLUMNS`; CSV quoted as Excel does, or the project's TSV for a ``.tsv`` file."""

    name = "csv"
    suffix = ".csv"
    description = "review spreadsheet (id, source, target, edited, review_id, ...); comes back with 'bitext import-review'"

    def __init__(self, delimiter: str | None = None) -> None:
        self.delimiter = delimiter  # None: TAB for a .tsv/.tab file, else a comma

    def write(self, records: Iterable[PairRecord], out: Path) -> list[Path]:
        delimiter = self.delimiter or ("\t" if out.suffix.lower() in TSV_SUFFIXES else ",")
        corpus_id = self.corpus_id or ""
        with atomic_writer(out, newline="", force=self.force, parents=self.parents) as fh:
            if delimiter == "\t":
                fh.write(tsv_line(CSV_COLUMNS))
                for rec in records:
                    fh.write(tsv_line(_row(rec, corpus_id)))
            else:
                w = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
                w.writerow(CSV_COLUMNS)
                w.writerows(_row(rec, corpus_id) for rec in records)
        return [out]


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
    CSV is quoted as Excel does; TSV uses the project's backslash escapes (one record per line).
    An unwritable ``path`` raises :class:`BitextError` (exit code 2) naming it."""
    return export_file(store, ReviewCsvExporter(delimiter), path, only_clean=only_clean, min_score=min_score,
                       exclude_flags=exclude_flags)


def _table_rows(fh: IO[str], path: Path, tsv: bool, escaped: bool) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of each record, header included."""
    if tsv and escaped:
        # Backslash-escaped TSV (bitext.formats.tsv.tsv_escape): one record per line, no quoting.
        for number, line in enumerate(fh, 1):
            yield number, [tsv_unescape(f) for f in line.rstrip("\r\n").split("\t")]
        return
    reader = csv.reader(fh, delimiter="\t" if tsv else ",")
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
            tsv = path.suffix.lower() in TSV_SUFFIXES or ("\t" in first and "," not in first)
            names = [n.strip().lower() for n in first.rstrip("\r\n").split("\t")]
            # The review sheet's TSV and the old pair TSV are backslash-escaped; the pair TSV is csv-quoted.
            escaped = "edited" in names or names[: len(LEGACY_TSV_COLUMNS)] == list(LEGACY_TSV_COLUMNS)
            rows = _table_rows(fh, path, tsv, escaped)
            _, header = next(rows, (1, []))
            if not header or header == [""]:
                raise BitextError(f"{path}:1: empty file (expected a header row with an 'id' column)")
            cols = {name.strip().lower(): i for i, name in enumerate(header)}
            # bitext export --format tsv: pair_id ... id (Indonesian) en (English).
            id_col = "pair_id" if "pair_id" in cols else "id"
            target_col = "target" if "target" in cols else "en" if "pair_id" in cols and "en" in cols else None
            # The Indonesian, compared on import: 'source', or the old pair TSV's 'id' beside 'pair_id'.
            source_col = "source" if "source" in cols else "id" if id_col == "pair_id" and "id" in cols else None
            if id_col not in cols or (target_col is None and "edited" not in cols):
                raise BitextError(
                    f"{path}:1: header must have 'id' and 'target' (and 'edited' for edits); got {', '.join(header)}"
                )
            for number, row in rows:
                if any(cell.strip() for cell in row):
                    records.append(_record(path, number, row, header, cols, (id_col, target_col, source_col)))
        except UnicodeDecodeError as e:
            raise BitextError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from e
    return records


def _record(
    path: Path, number: int, row: list[str], header: list[str], cols: dict[str, int],
    names: tuple[str, str | None, str | None],
) -> ImportRecord:
    id_col, target_col, source_col = names
    def cell(name: str | None) -> str | None:
        i = cols.get(name) if name else None
        return row[i] if i is not None and i < len(row) else None

    sheet = "edited" in cols  # a review sheet: its text cells went out through sheet_safe
    text = sheet_text if sheet else (lambda c: c)
    pair_id = (cell(id_col) or "").strip()
    comment = cell("comment")
    source, corpus = cell(source_col), (cell("corpus") or "").strip()
    rec = ImportRecord(where=f"{path}:{number}", pair_id=pair_id, new_target=None,
                       comment=text(comment) if comment else None, source=None if source is None else text(source),
                       corpus_id=corpus or None)
    if len(row) != len(header):
        rec.problem = f"{len(row)} fields, the header has {len(header)} (a quote or separator is off)"
    elif not pair_id:
        rec.problem = f"empty {id_col}"
    elif "edited" in cols:
        edited = cell("edited") or ""
        rec.new_target = text(edited) if edited.strip() else None
        if target_col is not None:
            rec.base_hash = text_hash(text(cell(target_col) or ""))
        status = (cell("status") or "").strip().lower()
        if status and status not in STATUSES:
            rec.problem = f"status {status!r} is not one of {', '.join(STATUSES)}"
        rec.status = status or None
    else:
        rec.new_target = cell(target_col)
    if rec.problem is None and "review_id" in cols:
        marker = (cell("review_id") or "").strip()
        m = _REVIEW_ID.fullmatch(marker)  # '134.0': a spreadsheet or pandas made the id a float
        if marker and m is None:
            rec.problem = f"review_id {marker!r} is not a number"
        else:
            rec.base_review_id = int(m.group(1)) if m else 0
    return rec


class ReviewTableImporter(Importer):
    """Reads an edited review spreadsheet (CSV or TSV), or a ``bitext export --format tsv`` file."""

    name = "csv"
    suffixes = (".csv", *TSV_SUFFIXES)

    def read(self, path: Path) -> list[ImportRecord]:
        return read_review_table(path)
