"""JSON Lines: one object per pair, the published row (:func:`bitext.formats.rows.published_row`)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO

from bitext.formats.base import TextExporter
from bitext.formats.rows import published_row
from bitext.records import PairRecord


class JsonlExporter(TextExporter):
    """One JSON object per line with the dataset's fields, in the dataset's order."""

    name = "jsonl"
    suffix = ".jsonl"
    description = "JSON Lines, one published row per pair"
    training = True
    findings = False  # flags, scores and needs_review only

    def write_text(self, records: Iterable[PairRecord], fh: IO[str]) -> None:
        for rec in records:
            fh.write(json.dumps(published_row(rec), ensure_ascii=False) + "\n")
