"""Plain text: the whole file is one record whose id is the file name without its suffix."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError
from .base import Record, register


@register
class TextReader:
    """``*.txt``, ``*.text``, ``*.md``: one article (or reference) per file, paragraphs on lines."""

    name = "text"
    suffixes = (".txt", ".text", ".md")

    def read(self, text: str, path: Path) -> Iterator[Record | InputError]:
        yield Record(path.stem, text, str(path))
