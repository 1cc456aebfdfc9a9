"""Articles into the store: read (:mod:`bitext.readers`), segment (:mod:`bitext.segment`), write.

A bad record is reported as one line naming the file and line, and every good record of the same
run is still ingested. Re-ingesting an unchanged article changes nothing.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .readers import METADATA_FIELDS, Record, expand_inputs, read_file, suffixes
from .segment import Segmented, segment_text, segmenter_signature
from .segment.normalize import clean_inline
from .store import Store, utcnow

MAX_ARTICLE_MB = 20.0
"""Default limit on one article's size, in millions of characters (``--max-article-mb``). Segmentation is
linear (about 10 bytes of memory and 0.4 µs per character), but a record this big is a dump or a file
glued into one line, not an article; above the limit it is refused with a line saying how to raise it."""

INDONESIAN = {"id", "ind", "in", "id-id", "indonesian", "bahasa indonesia"}
"""``lang`` values that mean Indonesian; a record with another ``lang`` is skipped with a warning."""


@dataclass(frozen=True)
class IngestReport:
    """What an ingest run did; ``problems`` are one-line messages naming file and line."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: int = 0
    sentences: int = 0
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when no input had a problem (warnings are fine)."""
        return not self.problems

    def as_dict(self) -> dict[str, object]:
        """The report as a plain dict (problems and warnings as lists)."""
        return {"added": self.added, "changed": self.changed, "unchanged": self.unchanged, "skipped": self.skipped,
                "sentences": self.sentences, "problems": list(self.problems), "warnings": list(self.warnings)}


def content_hash(rec: Record) -> str:
    """Hash of everything that defines an article's content."""
    h = hashlib.sha256()
    for part in (rec.text, *(rec.metadata.get(k) or "" for k in METADATA_FIELDS)):
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
    max_article_mb: float = MAX_ARTICLE_MB,
    keep: Callable[[str], bool] | None = None,
) -> IngestReport:
    """Read, normalise and segment articles into ``store``; return what happened.

    An article of more than ``max_article_mb`` million characters is refused (a problem line naming it).
    ``keep(article_id)``: only the records it accepts are this store's (one shard of a sharded corpus,
    :mod:`bitext.sharded`); the others are read and passed over without a word or a count.

    Re-ingesting an unchanged article changes nothing. A changed article (new content hash
    or segmenter) gets new sentences, and its pairs and flags are dropped so that later
    stages redo it; its reviews stay (they are history).
    """
    counts = dict.fromkeys(("added", "changed", "unchanged", "skipped"), 0)
    problems: list[str] = []
    warnings: list[str] = []
    signature = str(segmenter_signature(keep_dateline))
    seen: dict[str, tuple[str, str]] = {}  # id -> (hash, where) within this run
    inputs = list(inputs)
    # The corpus folder itself as an input means "the articles already in it" (``bitext run CORPUS --out
    # CORPUS`` after ``bitext fetch``): nothing to read, the later stages go on from the store.
    here = [p for p in inputs if Path(p).resolve() in (store.path.parent.resolve(), store.path.resolve())]
    inputs = [p for p in inputs if p not in here]
    files = expand_inputs(inputs)  # every named path is checked before anything is read
    store.corpus_id(create=True)  # a store made by segment has its identity from the start
    for named in map(Path, inputs):
        if named.is_dir() and not expand_inputs([named]):
            warnings.append(f"{named}: no article files ({', '.join(suffixes())}) in this folder")
    read_any = bool(here) and store.count("articles") > 0
    for path in files:
        try:
            records = list(read_file(path, encoding))
        except InputError as e:
            problems.append(str(e))
            continue
        except OSError as e:
            problems.append(f"{path}: cannot read ({e.strerror})")
            continue
        read_any = read_any or bool(records)
        for rec in records:
            if isinstance(rec, InputError):
                problems.append(str(rec))
                continue
            if keep is not None and not keep(rec.id):  # another shard's article
                continue
            where, lang = rec.where, rec.metadata.get("lang")
            if lang and lang.strip().lower() not in INDONESIAN:
                warnings.append(f"{where}: lang '{lang}' is not Indonesian; skipped")
                counts["skipped"] += 1
                continue
            if not rec.text.strip():
                warnings.append(f"{where}: empty article; skipped")
                counts["skipped"] += 1
                continue
            if len(rec.text) > max_article_mb * 1e6:
                problems.append(f"{where}: article of {len(rec.text) / 1e6:.1f} million characters, over the limit "
                                f"of {max_article_mb:g} million; split it into articles, or raise the limit with "
                                f"--max-article-mb {math.ceil(len(rec.text) / 1e6)}; skipped")
                continue
            h = content_hash(rec)
            if rec.id in seen:
                first_hash, first_where = seen[rec.id]
                if first_hash == h:
                    warnings.append(f"{where}: duplicate of article '{rec.id}' at {first_where}; skipped")
                    counts["skipped"] += 1
                else:
                    problems.append(
                        f"{where}: duplicate id '{rec.id}' (first at {first_where}) with different text; skipped"
                    )
                continue
            seen[rec.id] = (h, where)
            outcome = _store_article(store, rec, h, signature, keep_dateline)
            if outcome == "skipped":  # only invisible characters: skipped like an empty article
                warnings.append(f"{where}: no sentences (only invisible characters such as zero-width spaces, "
                                "or only a dateline); skipped")
            counts[outcome] += 1
            if progress:
                progress(1)
    if not read_any and not problems:
        # Nothing at all was read: a wrong folder, not a run that found every article unchanged.
        problems.append(f"no articles read from {', '.join(map(str, inputs or here))}")
    return IngestReport(**counts, sentences=store.count("sentences"), problems=tuple(problems),
                        warnings=tuple(warnings))


def store_record(store: Store, rec: Record, *, keep_dateline: bool = False) -> str:
    """Segment and write one record as an article, as :func:`ingest` does for a file's records (for
    articles that come from elsewhere: ``bitext fetch``); returns 'added', 'changed' or 'unchanged'.
    Joins the caller's transaction, so a caller can commit its own bookkeeping row with the article."""
    return _store_article(store, rec, content_hash(rec), str(segmenter_signature(keep_dateline)), keep_dateline)


def _store_article(store: Store, rec: Record, h: str, signature: str, keep_dateline: bool) -> str:
    """Write one article (replacing its old sentences and pairs); return 'added', 'changed' or 'unchanged',
    or 'skipped' (nothing written) when normalising leaves no sentence."""
    old = store.article(rec.id)
    if old is not None and old["content_hash"] == h and old["segmenter"] == signature:
        return "unchanged"
    result = segment_text(rec.text, keep_dateline=keep_dateline)
    if not result.sentences:
        return "skipped"
    meta = rec.metadata
    title = meta.get("title")
    title = clean_inline(title) if title else (_guess_title(result) if rec.source_line is None else None)
    store.write_article(
        (rec.id, rec.source_path, rec.source_line, title, meta.get("url"), meta.get("date"), meta.get("lang"),
         result.dateline, rec.text, h, signature, utcnow()),
        ((f"{rec.id}:{s.para_idx}:{s.sent_idx}", rec.id, s.para_idx, s.sent_idx, s.text, s.start, s.end)
         for s in result.sentences),
    )
    return "changed" if old is not None else "added"
