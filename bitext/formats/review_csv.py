"""The review spreadsheet: pairs as CSV or TSV for editing the English, and reading edited sheets back.

A header row, then one row per pair. ``.csv``: comma-separated, quoted as Excel/Python ``csv`` do
(fields with commas, quotes or newlines in double quotes). ``.tsv``: the project's TSV as
``bitext export --format tsv`` writes it (:mod:`bitext.formats.tsv`): tab-separated, one record per
line, no quoting, backslash escapes ``\\ \t \n \r``. Columns::

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
from pathlib import Path
from typing import IO

from bitext.errors import BitextError
from bitext.fileio import atomic_writer
from bitext.formats.base import Exporter, Importer, export_file
from bitext.formats.tsv import tsv_line, tsv_unescape
from bitext.records import ImportRecord, PairRecord
from bitext.review.state import text_hash
from bitext.store import Store

CSV_COLUMNS = ("id", "source", "target", "edited", "review_id", "status", "flags", "comment")
TSV_SUFFIXES = (".tsv", ".tab")


def _row(rec: PairRecord) -> list[str]:
    return [rec.id, rec.source, rec.target, "", str(rec.review_id or ""), rec.review_status, " ".join(rec.flags),
            rec.review_comment or ""]


class ReviewCsvExporter(Exporter):
    """Columns :data:`CSV_COLUMNS`; CSV quoted as Excel does, or the project's TSV for a ``.tsv`` file."""

    name = "csv"
    suffix = ".csv"
    description = "review spreadsheet (id, source, target, edited, review_id, ...); comes back with 'bitext import-review'"

    def __init__(self, delimiter: str | None = None) -> None:
        self.delimiter = delimiter  # None: TAB for a .tsv/.tab file, else a comma

    def write(self, records: Iterable[PairRecord], out: Path) -> list[Path]:
        delimiter = self.delimiter or ("\t" if out.suffix.lower() in TSV_SUFFIXES else ",")
        with atomic_writer(out, newline="") as fh:
            if delimiter == "\t":
                fh.write(tsv_line(CSV_COLUMNS))
                for rec in records:
                    fh.write(tsv_line(_row(rec)))
            else:
                w = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
                w.writerow(CSV_COLUMNS)
                w.writerows(_row(rec) for rec in records)
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


def _table_rows(fh: IO[str], path: Path, tsv: bool) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of each record, header included."""
    if tsv:
        # The project's TSV (bitext.formats.tsv): one record per line, backslash escapes, no quoting.
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
            tsv = path.suffix.lower() in TSV_SUFFIXES or ("\t" in first and "," not in first)
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
                if any(cell.strip() for cell in row):
                    records.append(_record(path, number, row, header, cols, id_col, target_col))
        except UnicodeDecodeError as e:
            raise BitextError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from e
    return records


def _record(
    path: Path, number: int, row: list[str], header: list[str], cols: dict[str, int], id_col: str,
    target_col: str | None,
) -> ImportRecord:
    def cell(name: str | None) -> str | None:
        i = cols.get(name) if name else None
        return row[i] if i is not None and i < len(row) else None

    pair_id = (cell(id_col) or "").strip()
    rec = ImportRecord(where=f"{path}:{number}", pair_id=pair_id, new_target=None, comment=cell("comment") or None)
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
    return rec


class ReviewTableImporter(Importer):
    """Reads an edited review spreadsheet (CSV or TSV), or a ``bitext export --format tsv`` file."""

    name = "csv"
    suffixes = (".csv", *TSV_SUFFIXES)

    def read(self, path: Path) -> list[ImportRecord]:
        return read_review_table(path)
