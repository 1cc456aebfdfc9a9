"""The project's TSV: a header, one pair per physical line, backslash escapes instead of quoting."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import IO

from bitext.formats.base import TextExporter
from bitext.records import PairRecord

TSV_COLUMNS = (
    "pair_id", "doc_id", "kind", "bead_type", "align_score", "flags", "needs_review", "review_status", "id", "en",
)
_ESCAPED = re.compile(r"\\([\\tnr])")
_UNESCAPE = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def tsv_escape(text: str) -> str:
    r"""Backslash-escape a TSV field: ``\`` -> ``\\``, TAB -> ``\t``, LF -> ``\n``, CR -> ``\r``.

    One record per physical line (what cut/paste/awk and MT tooling expect), unlike RFC 4180
    quoting; :func:`tsv_unescape` reverses it exactly.
    """
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def tsv_unescape(text: str) -> str:
    """Inverse of :func:`tsv_escape`."""
    return _ESCAPED.sub(lambda m: _UNESCAPE[m.group(1)], text)


def tsv_line(fields: Iterable[str]) -> str:
    """One escaped record, newline included."""
    return "\t".join(tsv_escape(f) for f in fields) + "\n"


def _fmt_float(value: float | None) -> str:
    return "" if value is None else repr(value)


class TsvExporter(TextExporter):
    """Columns :data:`TSV_COLUMNS`; ``bitext import-review`` reads it back (the ``en`` column edited)."""

    name = "tsv"
    suffix = ".tsv"
    description = "TSV with a header; \\\\, TAB, LF and CR backslash-escaped in fields"

    def write_text(self, records: Iterable[PairRecord], fh: IO[str]) -> None:
        fh.write("\t".join(TSV_COLUMNS) + "\n")
        for rec in records:
            fh.write(tsv_line([
                rec.id, rec.doc_id, rec.kind, rec.bead_type, _fmt_float(rec.align_score), ",".join(rec.flags),
                "1" if rec.needs_review else "0", rec.review_status, rec.source, rec.target,
            ]))
