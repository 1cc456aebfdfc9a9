"""TSV of pairs (``bitext export --format tsv``), and the backslash escapes of the review sheet's TSV.

The pair TSV is what ``csv`` (``delimiter="\\t"``) and ``pandas.read_csv(sep="\\t")`` read with their
defaults: a header, then one record per pair, quoted as the ``csv`` module quotes (a field with a tab,
a line break or a double quote is put in double quotes, quotes doubled). Both read every field back
exactly; pandas turns an empty cell into NaN (as for any missing value) and guesses numeric columns.
Columns: ``id`` (the pair id, as in every export), ``doc_id``, ``kind``, ``bead_type``,
``align_score``, ``flags_before_review``, ``needs_review`` (after review: ``1``/``0``),
``review_status``, ``source`` (Indonesian), ``target`` (English).

Files written before this format (header ``pair_id ... id en``, backslash escapes, no quoting) are
still read by ``bitext import-review``. The review sheet's TSV (:mod:`bitext.formats.review_csv`)
keeps backslash escapes (:func:`tsv_escape`): one record per physical line.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import IO

from bitext.formats.base import TextExporter
from bitext.formats.rows import needs_review_after
from bitext.records import PairRecord

TSV_COLUMNS = (
    "id", "doc_id", "kind", "bead_type", "align_score", "flags_before_review", "needs_review", "review_status",
    "source", "target",
)
LEGACY_TSV_COLUMNS = (
    "pair_id", "doc_id", "kind", "bead_type", "align_score", "flags", "needs_review", "review_status", "id", "en",
)
"""The header of the backslash-escaped pair TSV of earlier versions (still imported)."""
_ESCAPED = re.compile(r"\\([\\tnr])")
_UNESCAPE = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def tsv_escape(text: str) -> str:
    r"""Backslash-escape a TSV field: ``\`` -> ``\\``, TAB -> ``\t``, LF -> ``\n``, CR -> ``\r``.

    One record per physical line (the review sheet's TSV); :func:`tsv_unescape` reverses it exactly.
    """
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def tsv_unescape(text: str) -> str:
    """Inverse of :func:`tsv_escape`."""
    return _ESCAPED.sub(lambda m: _UNESCAPE[m.group(1)], text)


def tsv_line(fields: Iterable[str]) -> str:
    """One backslash-escaped record, newline included."""
    return "\t".join(tsv_escape(f) for f in fields) + "\n"


def _fmt_float(value: float | None) -> str:
    return "" if value is None else repr(value)


class TsvExporter(TextExporter):
    """Columns :data:`TSV_COLUMNS`, quoted as the ``csv`` module does (see the module docstring)."""

    name = "tsv"
    suffix = ".tsv"
    description = "TSV with a header, quoted as Python csv / pandas read it (id, ..., source, target)"
    training = True
    findings = False  # flags, scores and needs_review only
    newline = ""  # the csv writer writes the line ends (LF) itself; a CR inside a field stays a CR

    def write_text(self, records: Iterable[PairRecord], fh: IO[str]) -> None:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(TSV_COLUMNS)
        for rec in records:
            w.writerow([
                rec.id, rec.doc_id, rec.kind, rec.bead_type, _fmt_float(rec.align_score), ",".join(rec.flags),
                "1" if needs_review_after(rec) else "0", rec.review_status, rec.source, rec.target,
            ])
