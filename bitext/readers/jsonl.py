"""JSON Lines: one JSON object per line with ``id``, ``text`` and optional metadata."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError
from .base import Record, RecordError, record_from_mapping, register


@register
class JsonlReader:
    """``*.jsonl``, ``*.ndjson``: blank lines are skipped; a bad line is one error naming FILE:LINE."""

    name = "jsonl"
    suffixes = (".jsonl", ".ndjson")

    def read(self, text: str, path: Path) -> Iterator[Record | InputError]:
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{path}:{n}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                yield InputError(f"{where}: not valid JSON ({e.msg} at column {e.colno})")
                continue
            if not isinstance(obj, dict):
                yield RecordError(where, f"expected a JSON object, got {type(obj).__name__}")
                continue
            try:
                yield record_from_mapping(obj, path, n)
            except RecordError as e:
                yield e
