"""CSV with a header row naming at least ``id`` and ``text`` (other known columns are metadata)."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError
from .base import Record, RecordError, record_from_mapping, register


@register
class CsvReader:
    """``*.csv``: a header without ``id`` and ``text`` is an error for the whole file; a broken row ends it."""

    name = "csv"
    suffixes = (".csv",)

    def read(self, text: str, path: Path) -> Iterator[Record | InputError]:
        csv.field_size_limit(sys.maxsize)  # an article is one field: far over the 128 kB default
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if not reader.fieldnames or "text" not in reader.fieldnames or "id" not in reader.fieldnames:
            raise InputError(f"{path}:1: CSV header must name the columns 'id' and 'text'")
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                yield InputError(f"{path}:{reader.line_num}: bad CSV ({e})")
                break
            if None in row:
                yield InputError(f"{path}:{reader.line_num}: more fields than the header names")
                continue
            try:
                yield record_from_mapping(row, path, reader.line_num)
            except RecordError as e:
                yield e
