"""The reader interface: :class:`Record`, the :class:`Reader` protocol and the registry by suffix.

A reader turns the decoded text of one file into records, or into one-line :class:`InputError`\\ s
naming ``FILE:LINE`` for the records it cannot read, so a caller reports a bad record and goes on.
Articles (``bitext segment``) and reference translations (``bitext align --reference``) are read by
the same readers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol

from ..errors import InputError

METADATA_FIELDS = ("title", "url", "date", "lang")
"""Optional fields of a JSONL/CSV record that are kept as its metadata."""


@dataclass(frozen=True)
class Record:
    """One record of an input file: an article, or a reference translation."""

    id: str
    text: str
    source_path: str
    source_line: int | None = None
    """1-based line of a JSONL/CSV record; None for a whole-file text record."""
    metadata: Mapping[str, str] = field(default_factory=dict)
    """The :data:`METADATA_FIELDS` the record gives (title, url, date, lang)."""

    @property
    def where(self) -> str:
        """``FILE:LINE`` (``FILE`` for a whole-file record), for messages."""
        return f"{self.source_path}:{self.source_line}" if self.source_line else self.source_path


class RecordError(InputError):
    """A record that lacks a usable ``id`` or ``text`` (or is not a mapping at all); ``where`` is FILE:LINE."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where


class Reader(Protocol):
    """Reads the decoded ``text`` of the file ``path`` into records.

    A problem with one record is yielded (an :class:`InputError`, a :class:`RecordError` for a missing
    or ill-typed field) so the caller can go on; a problem with the whole file is raised.
    """

    name: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]]

    def read(self, text: str, path: Path) -> Iterator[Record | InputError]: ...


READERS: dict[str, type[Reader]] = {}
"""Reader classes by name (``text``, ``jsonl``, ``csv``)."""


def register(cls: type[Reader]) -> type[Reader]:
    """Class decorator: add a reader to :data:`READERS` (its suffixes must be new)."""
    taken = {s for r in READERS.values() for s in r.suffixes}
    if cls.name in READERS or taken & set(cls.suffixes):
        raise ValueError(f"reader {cls.name!r}: name or suffix already registered")
    READERS[cls.name] = cls
    return cls


def _str_field(value: object, name: str, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    raise RecordError(where, f"field '{name}' must be a string, not {type(value).__name__}")


def record_from_mapping(obj: Mapping[str, object], path: Path, line: int) -> Record:
    """The record of one JSON object or CSV row: ``id`` and ``text`` required, :data:`METADATA_FIELDS` kept.

    Raises :class:`RecordError` naming ``path:line`` for a missing or ill-typed field.
    """
    where = f"{path}:{line}"
    if obj.get("text") is None:
        raise RecordError(where, "no 'text' field")
    text = _str_field(obj["text"], "text", where) or ""
    rid = _str_field(obj.get("id"), "id", where)
    if rid is None or not rid.strip():
        raise RecordError(where, "no 'id' field")
    metadata = {}
    for name in METADATA_FIELDS:
        value = _str_field(obj.get(name), name, where)
        if value is not None:
            metadata[name] = value
    return Record(rid.strip(), text, str(path), line, metadata)
