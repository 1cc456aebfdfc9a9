"""Reading articles (plain text, JSONL, CSV) and segmenting them into the store.

Inputs:

* ``*.txt`` (or any other file named on the command line): one article per file, paragraphs
  separated by line breaks, id = file name without extension;
* ``*.jsonl``: one JSON object per line with ``id`` and ``text`` and optional ``title``,
  ``url``, ``date``, ``lang``;
* ``*.csv``: a header row with the same columns.

Encodings: UTF-8 with or without BOM, UTF-16 with BOM; anything else is refused with a
message naming the file (``--encoding`` overrides). A bad record is reported as one line
naming the file and line, and every good record of the same run is still ingested.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import segment as seg
from .errors import InputError
from .normalize import NORMALIZER_VERSION, clean_inline, normalize, raw_span
from .store import Store, utcnow

TEXT_SUFFIXES = {".txt", ".text", ".md"}
TABLE_SUFFIXES = {".jsonl", ".ndjson", ".csv"}
INDONESIAN = {"id", "ind", "in", "id-id", "indonesian", "bahasa indonesia"}


@dataclass
class Record:
    """One article as read from an input, before segmentation."""

    id: str
    text: str
    source_path: str
    source_line: int | None = None
    title: str | None = None
    url: str | None = None
    date: str | None = None
    lang: str | None = None


@dataclass
class Sentence:
    """A segmented sentence: indices, normalised text, raw offsets."""

    para_idx: int
    sent_idx: int
    text: str
    start: int
    end: int


@dataclass
class Segmented:
    """The result of segmenting one article."""

    dateline: str | None
    sentences: list[Sentence]


@dataclass
class IngestReport:
    """What an ingest run did; ``problems`` are one-line messages naming file and line."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: int = 0
    sentences: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def segmenter_signature(keep_dateline: bool = False) -> str:
    """Everything that changes segmentation output, as one string stored per article."""
    return f"{seg.SEGMENTER_VERSION}|{NORMALIZER_VERSION}|dateline:{'keep' if keep_dateline else 'field'}"


# -- segmentation ---------------------------------------------------------------------


def segment_text(raw: str, keep_dateline: bool = False) -> Segmented:
    """Split an article into paragraphs (lines) and sentences with offsets into ``raw``.

    The dateline (``Mamuju (ANTARA) - ``) of the first paragraph becomes a field; with
    ``keep_dateline`` it stays in the first sentence too.
    """
    text, offsets = normalize(raw)
    sentences: list[Sentence] = []
    dateline = None
    para_idx = 0
    pos = 0
    for line in text.split("\n"):
        line_start = pos
        pos += len(line) + 1
        if not line.strip():
            continue
        body_from = 0
        if para_idx == 0 and dateline is None:
            cut = seg.find_dateline(line)
            if cut:
                dateline = line[:cut].strip()
                body_from = 0 if keep_dateline else cut
        body = line[body_from:]
        sent_idx = 0
        for s, e in seg.split_sentences(body):
            a, b = line_start + body_from + s, line_start + body_from + e
            rs, re_ = raw_span(offsets, a, b)
            sentences.append(Sentence(para_idx, sent_idx, text[a:b], rs, re_))
            sent_idx += 1
        if sent_idx:
            para_idx += 1
    return Segmented(dateline, sentences)


# -- reading inputs -------------------------------------------------------------------


def expand_inputs(paths: Iterable[str | Path]) -> list[Path]:
    """Files named directly, plus the article files inside named folders (sorted)."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(
                sorted(
                    f
                    for f in p.rglob("*")
                    if f.is_file()
                    and not any(part.startswith(".") for part in f.relative_to(p).parts)
                    and f.suffix.lower() in TEXT_SUFFIXES | TABLE_SUFFIXES
                    and f.name.lower() != "readme.md"
                )
            )
        elif p.exists():
            files.append(p)
        else:
            raise InputError(f"{p}: no such file or folder", exit_code=2)
    return files


def decode(data: bytes, path: Path, encoding: str | None = None) -> str:
    """Bytes to text: UTF-8 (BOM optional), UTF-16 with BOM, or ``encoding`` if given."""
    if encoding:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as e:
            raise InputError(f"{path}: cannot decode as {encoding}: {e}") from None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise InputError(f"{path}: broken UTF-16 at byte {e.start}") from None
    if b"\x00" in data[:8192]:
        raise InputError(f"{path}: binary file (NUL bytes), not a text article; skipped")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(
            f"{path}:{line}: not UTF-8 (byte 0x{data[e.start]:02x}); convert it "
            f"(e.g. iconv -f latin1 -t utf-8) or pass --encoding latin-1"
        ) from None


def _str_field(value: object, name: str, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    raise InputError(f"{where}: field '{name}' must be a string, not {type(value).__name__}")


def _record_from_mapping(obj: dict, where: str, path: Path, line: int) -> Record:
    if "text" not in obj or obj["text"] is None:
        raise InputError(f"{where}: no 'text' field")
    text = _str_field(obj["text"], "text", where) or ""
    rid = _str_field(obj.get("id"), "id", where)
    if rid is None or not rid.strip():
        raise InputError(f"{where}: no 'id' field")
    return Record(
        id=rid.strip(),
        text=text,
        source_path=str(path),
        source_line=line,
        title=_str_field(obj.get("title"), "title", where),
        url=_str_field(obj.get("url"), "url", where),
        date=_str_field(obj.get("date"), "date", where),
        lang=_str_field(obj.get("lang"), "lang", where),
    )


def read_records(path: Path, encoding: str | None = None) -> Iterator[Record | InputError]:
    """Yield the articles of one file, or an :class:`InputError` for each bad record.

    A problem with the whole file (binary, undecodable) is raised; a problem with one record
    is yielded so the caller can report it and go on.
    """
    data = path.read_bytes()
    text = decode(data, path, encoding)
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
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
                yield InputError(f"{where}: expected a JSON object, got {type(obj).__name__}")
                continue
            try:
                yield _record_from_mapping(obj, where, path, n)
            except InputError as e:
                yield e
    elif suffix == ".csv":
        csv.field_size_limit(sys.maxsize)
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
            where = f"{path}:{reader.line_num}"
            if None in row:
                yield InputError(f"{where}: more fields than the header names")
                continue
            try:
                yield _record_from_mapping(row, where, path, reader.line_num)
            except InputError as e:
                yield e
    else:
        yield Record(id=path.stem, text=text, source_path=str(path))


# -- writing to the store ---------------------------------------------------------------


def content_hash(rec: Record) -> str:
    """Hash of everything that defines an article's content."""
    h = hashlib.sha256()
    for part in (rec.text, rec.title or "", rec.url or "", rec.date or "", rec.lang or ""):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


def _guess_title(seg_result: Segmented) -> str | None:
    """A first paragraph that is a lone unpunctuated line before a dateline is a headline."""
    s = seg_result.sentences
    if len(s) >= 2 and s[0].para_idx == 0 and s[1].para_idx == 1:
        first = s[0].text
        if first and first[-1] not in ".!?\"'”»)" and len(first) < 200:
            return first
    return None


def ingest(
    store: Store,
    inputs: Iterable[str | Path],
    *,
    keep_dateline: bool = False,
    encoding: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Read, normalise and segment articles into ``store``; return what happened.

    Re-ingesting an unchanged article changes nothing. A changed article (new content hash
    or segmenter) gets new sentences, and its pairs and flags are dropped so that later
    stages redo it; its reviews stay (they are history).
    """
    report = IngestReport()
    signature = segmenter_signature(keep_dateline)
    seen: dict[str, tuple[str, str]] = {}  # id -> (hash, where) within this run
    for path in expand_inputs(inputs):
        try:
            records = list(read_records(path, encoding))
        except InputError as e:
            report.problems.append(str(e))
            continue
        except OSError as e:
            report.problems.append(f"{path}: cannot read ({e.strerror})")
            continue
        for rec in records:
            if isinstance(rec, InputError):
                report.problems.append(str(rec))
                continue
            where = f"{rec.source_path}:{rec.source_line}" if rec.source_line else rec.source_path
            if rec.lang and rec.lang.strip().lower() not in INDONESIAN:
                report.warnings.append(f"{where}: lang '{rec.lang}' is not Indonesian; skipped")
                report.skipped += 1
                continue
            if not rec.text.strip():
                report.warnings.append(f"{where}: empty article; skipped")
                report.skipped += 1
                continue
            h = content_hash(rec)
            if rec.id in seen:
                first_hash, first_where = seen[rec.id]
                if first_hash == h:
                    report.warnings.append(f"{where}: duplicate of article '{rec.id}' at {first_where}; skipped")
                    report.skipped += 1
                else:
                    report.problems.append(
                        f"{where}: duplicate id '{rec.id}' (first at {first_where}) with different text; skipped"
                    )
                continue
            seen[rec.id] = (h, where)
            report_key = _store_article(store, rec, h, signature, keep_dateline)
            setattr(report, report_key, getattr(report, report_key) + 1)
            if progress:
                progress(1)
    report.sentences = store.count("sentences")
    return report


def _store_article(store: Store, rec: Record, h: str, signature: str, keep_dateline: bool) -> str:
    """Write one article in one transaction; return 'added', 'changed' or 'unchanged'."""
    old = store.article(rec.id)
    if old is not None and old["content_hash"] == h and old["segmenter"] == signature:
        return "unchanged"
    result = segment_text(rec.text, keep_dateline=keep_dateline)
    title = clean_inline(rec.title) if rec.title else (_guess_title(result) if rec.source_line is None else None)
    with store.tx() as conn:
        if old is not None:
            conn.execute("DELETE FROM pairs WHERE article_id=?", (rec.id,))
            conn.execute("DELETE FROM sentences WHERE article_id=?", (rec.id,))
            conn.execute("DELETE FROM articles WHERE id=?", (rec.id,))
        conn.execute(
            "INSERT INTO articles(id, source_path, source_line, title, url, date, lang, dateline, raw_text,"
            " content_hash, segmenter, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                rec.id,
                rec.source_path,
                rec.source_line,
                title,
                rec.url,
                rec.date,
                rec.lang,
                result.dateline,
                rec.text,
                h,
                signature,
                utcnow(),
            ),
        )
        conn.executemany(
            "INSERT INTO sentences(id, article_id, para_idx, sent_idx, text, start, end) VALUES (?,?,?,?,?,?,?)",
            [
                (f"{rec.id}:{s.para_idx}:{s.sent_idx}", rec.id, s.para_idx, s.sent_idx, s.text, s.start, s.end)
                for s in result.sentences
            ],
        )
    return "changed" if old is not None else "added"
