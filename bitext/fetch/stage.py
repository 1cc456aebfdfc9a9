"""``bitext fetch``: sources -> polite fetches -> extraction -> language check -> dedup -> ingest.

Each page is committed together with its ``fetch_log`` row in one transaction, so a killed fetch
resumes where it stopped: a URL whose row is there is not fetched again (``recheck`` revalidates them
with conditional requests instead). A feed's or sitemap's own row (its ETag / Last-Modified, for a
conditional request next time) is written only once every page it listed is done, so a source that
answers "304 Not Modified" never hides pages a killed run had not reached.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..ingest import IngestReport, store_record
from ..readers.base import Record
from ..store import Store
from .dedup import Deduplicator, minhash_bytes, text_hash
from .http import Fetched, Fetcher, HttpOptions
from .pairing import Candidate, Pairing, pair
from .sources import SOURCE_KINDS, Context, Problem, Target, is_html, kind_for_body, kind_for_path
from .urls import article_id_for, canonical_url, host_of

FETCH_MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE fetch_log (
            url            TEXT PRIMARY KEY,   -- canonical URL of what was requested
            requested_url  TEXT NOT NULL,      -- as the source named it
            final_url      TEXT,               -- after redirects
            canonical_url  TEXT,               -- the page's own <link rel=canonical>, canonicalised
            source         TEXT NOT NULL,      -- the feed, sitemap, URL file or WARC that named it
            kind           TEXT NOT NULL,      -- 'page' | 'source' (a feed or sitemap itself)
            outcome        TEXT NOT NULL,      -- 'article' | 'duplicate' | 'reference' | 'skipped' | 'error' | 'source'
            reason         TEXT,               -- why skipped / the error, one line
            status         INTEGER,            -- HTTP status (NULL: no answer)
            etag           TEXT,
            last_modified  TEXT,
            fetched_at     TEXT NOT NULL,
            title          TEXT,
            date           TEXT,
            author         TEXT,
            text_hash      TEXT,               -- sha256 of the normalised main text
            minhash        BLOB,               -- MinHash values (uint64), for near-duplicates in later runs
            article_id     TEXT,               -- the article stored (outcome 'article')
            duplicate_of   TEXT,               -- the first article it duplicates (outcome 'duplicate')
            duplicate_kind TEXT,               -- 'url' | 'text' | 'near'
            confidence     REAL,               -- outcome 'reference': how sure the pairing is (0..1)
            text           TEXT                -- outcome 'reference': the English main text
        );
        CREATE INDEX fetch_log_article ON fetch_log(article_id);
        CREATE INDEX fetch_log_outcome ON fetch_log(outcome);
        """,
    ),
]

LOG_COLUMNS = ("url", "requested_url", "final_url", "canonical_url", "source", "kind", "outcome", "reason",
               "status", "etag", "last_modified", "fetched_at", "title", "date", "author", "text_hash",
               "minhash", "article_id", "duplicate_of", "duplicate_kind", "confidence", "text")

DONE = ("article", "duplicate", "reference", "skipped")
"""Outcomes a re-run does not fetch again (an 'error' row is retried)."""

REFERENCES_FILE = "references.jsonl"

LANGUAGES = ("id", "en", "nl", "de", "fr", "es", "pt", "it", "tl", "vi", "zh", "ja", "ar")
"""Languages the language check tells apart; Malay is left out on purpose: py3langid calls much
Indonesian news text Malay."""


@dataclass(frozen=True)
class FetchOptions:
    """Everything ``bitext fetch`` can set besides its sources."""

    http: HttpOptions = HttpOptions()
    concurrency: int = 8
    near_threshold: float = 0.8
    shingle: int = 5
    keep_dateline: bool = False
    recheck: bool = False
    kind: str | None = None
    """Force the kind of every source (a name in SOURCE_KINDS or 'page'); None: by suffix and content."""
    check_language: bool = True
    as_reference: bool = False
    """English editions: pair each page with a stored Indonesian article (:mod:`bitext.fetch.pairing`)
    and write ``CORPUS/references.jsonl`` for ``--reference``, instead of ingesting it."""
    pair_threshold: float = 0.3


@dataclass(frozen=True)
class FetchReport(IngestReport):
    """What a fetch run did: the ingest counts (added, changed, unchanged: of articles; skipped: pages
    not ingested for a reason, e.g. not Indonesian) plus ``already`` (logged by an earlier run, not fetched
    again), ``duplicates`` by kind (url, text, near), ``errors`` (retried next run), pages and time."""

    already: int = 0
    duplicates: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    pages: int = 0
    requests: int = 0
    seconds: float = 0.0
    references: int = 0

    def as_dict(self) -> dict[str, object]:
        return {**super().as_dict(), "already": self.already, "duplicates": dict(self.duplicates),
                "errors": self.errors, "pages": self.pages, "requests": self.requests, "seconds": self.seconds,
                "references": self.references}


@dataclass
class _Extracted:
    record: Record
    author: str | None
    page_canonical: str | None
    lang: str | None = None
    digest: str = ""
    minhash: Any = None


def fetch_corpus(store: Store, sources: Iterable[str], options: FetchOptions = FetchOptions(), *,
                 progress: bool = False, fetcher: Fetcher | None = None) -> FetchReport:
    """Fetch every page the ``sources`` name into ``store`` (see the module docstring)."""
    run = _Run(store, options, fetcher or Fetcher(options.http), progress)
    try:
        for spec in sources:
            run.source(spec)
        run.retry_errors()
        if options.as_reference:
            run.write_references()
    finally:
        if fetcher is None:
            run.fetcher.close()
    return run.report()


class _Run:
    def __init__(self, store: Store, options: FetchOptions, fetcher: Fetcher, progress: bool) -> None:
        store.migrate("fetch", FETCH_MIGRATIONS)
        self.store, self.options, self.fetcher, self.progress = store, options, fetcher, progress
        self.started = time.monotonic()
        self.counts: Counter[str] = Counter()
        self.dups: Counter[str] = Counter()
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.seen: set[str] = set()  # canonical URLs handled in this run
        self.dedup = Deduplicator(options.near_threshold, options.shingle)
        self.log: dict[str, sqlite3.Row] = {}
        self.by_url: dict[str, str] = {}  # canonical URL (requested or the page's own) -> article id
        with store.errors():
            # Everything but the stored English texts of --as reference pages, which can be large.
            for row in store.conn.execute(f"SELECT {', '.join(c for c in LOG_COLUMNS if c != 'text')} "
                                          "FROM fetch_log ORDER BY rowid"):
                self.log[row["url"]] = row
                if row["outcome"] == "article":
                    self.dedup.restore(row["article_id"], row["text_hash"], row["minhash"])
                    self.by_url[row["url"]] = row["article_id"]
                    if row["canonical_url"]:
                        self.by_url.setdefault(row["canonical_url"], row["article_id"])
        self.pending_sources: list[dict[str, object]] = []
        self.candidates: list[Candidate] | None = None
        self.paired = {r["article_id"]: u for u, r in self.log.items() if r["outcome"] == "reference"}
        self.hosts: Counter[str] = Counter()

    # -- sources ---------------------------------------------------------------------------

    def source(self, spec: str) -> None:
        ctx = Context(self.fetch_source, self.options.http.max_bytes)
        kind = self.options.kind
        if spec.lower().startswith(("http://", "https://")):
            got = self.fetch_source(spec, spec)
            if got is None:
                return
            kind = kind or kind_for_body(got)
            if kind == "page":  # one article URL: logged as a page, not as a source
                self.pending_sources = [r for r in self.pending_sources if r["requested_url"] != spec]
                self.handle(got, spec)
            elif kind is None:
                self.problems.append(f"{spec}: neither a feed, a sitemap nor an HTML page (Content-Type "
                                     f"'{got.mime or 'none'}', starts with {got.body[:30]!r}); skipped")
            else:
                self.items(SOURCE_KINDS[kind]().items(got.body or b"", spec, ctx), spec)
        else:
            path = Path(spec)
            if not path.is_file():
                self.problems.append(f"{spec}: no such file, and not an http(s) URL")
                return
            kind = kind or kind_for_path(path)
            if kind == "page":
                self.problems.append(f"{spec}: a saved page: give it to 'bitext segment' instead")
                return
            self.items(SOURCE_KINDS[kind]().items(path, spec, ctx), spec)
        self.commit_sources()

    def fetch_source(self, url: str, parent: str) -> Fetched | None:
        """A feed or sitemap, conditionally when an earlier run logged it; None when unchanged or failed."""
        canon = canonical_url(url)
        why = self.fetcher.allowed(url)
        if why:
            self.problems.append(why)
            return None
        row = self.log.get(canon)
        got = self.fetcher.get(url, etag=row["etag"] if row else None,
                               last_modified=row["last_modified"] if row else None)
        if got.status == 304:
            self.warnings.append(f"{url}: not modified since the last run; its pages were done then")
            return None
        if got.problem or got.body is None:
            self.problems.append(got.problem or f"{url}: empty answer")
            return None
        self.pending_sources.append(dict(url=canon, requested_url=url, final_url=got.final_url, source=parent,
                                         kind="source", outcome="source", status=got.status, etag=got.etag,
                                         last_modified=got.last_modified, fetched_at=got.fetched_at))
        return got

    def commit_sources(self) -> None:
        with self.store.tx() as conn:
            for row in self.pending_sources:
                self._write_log(conn, row)
        self.pending_sources.clear()

    def items(self, items: Iterator[object], where: str) -> None:
        """Pages in hand (WARC records) are handled as they come; URLs are fetched after the source is read."""
        targets: list[Target] = []
        for item in items:
            if isinstance(item, Problem):
                self.problems.append(item.message)
            elif isinstance(item, Target):
                targets.append(item)
            elif isinstance(item, Fetched):  # a WARC record: already fetched, handled in order
                canon = canonical_url(item.url)
                row = self.log.get(canon)
                if canon in self.seen or (row is not None and row["outcome"] in DONE and not self.options.recheck):
                    self.counts["already"] += canon not in self.seen
                    self.seen.add(canon)
                    continue
                self.handle(item, where)
        self.fetch_targets(targets)

    def retry_errors(self) -> None:
        """Pages that failed in an earlier run (unreachable, 5xx) and that no source named this time."""
        again = [Target(r["requested_url"], r["source"]) for u, r in self.log.items()
                 if r["kind"] == "page" and r["outcome"] == "error" and u not in self.seen]
        self.fetch_targets(again)

    # -- pages -----------------------------------------------------------------------------

    def fetch_targets(self, targets: list[Target]) -> None:
        todo: list[tuple[Target, sqlite3.Row | None]] = []
        for t in targets:
            canon = canonical_url(t.url)
            if canon in self.seen:
                continue  # the same URL listed twice (feed and sitemap, tracking parameters)
            self.seen.add(canon)
            if canon in self.by_url and canon not in self.log:
                self._duplicate_url(t, canon)
                continue
            row = self.log.get(canon)
            if row is not None and row["outcome"] in DONE and not self.options.recheck:
                self.counts["already"] += 1
                continue
            todo.append((t, row))
        if not todo:
            return
        bar = None
        if self.progress:
            from tqdm import tqdm

            bar = tqdm(total=len(todo), unit="page", desc="fetch", leave=False)
        window = max(1, self.options.concurrency) * 4
        pool = ThreadPoolExecutor(max_workers=max(1, self.options.concurrency))
        queue: deque[tuple[Target, Future[tuple[Fetched, _Extracted | str | None]]]] = deque()
        it = iter(todo)
        try:
            # Results are handled in the sources' order, so "the first article" of a duplicate is the
            # same whatever the timing.
            while True:
                while len(queue) < window:
                    nxt = next(it, None)
                    if nxt is None:
                        break
                    queue.append((nxt[0], pool.submit(self._work, nxt[0].url, nxt[1])))
                if not queue:
                    break
                t, fut = queue.popleft()
                got, extracted = fut.result()
                self.handle(got, t.source, extracted)
                if bar is not None:
                    self.hosts[host_of(t.url)] += 1
                    bar.set_postfix_str(", ".join(f"{h} {n}" for h, n in self.hosts.most_common(3)), refresh=False)
                    bar.update(1)
        finally:
            # Interrupted (Ctrl-C, a store fault): pages not started are dropped, not fetched for nothing.
            pool.shutdown(wait=True, cancel_futures=True)
        if bar is not None:
            bar.close()

    def _work(self, url: str, row: sqlite3.Row | None) -> tuple[Fetched, _Extracted | str | None]:
        """In a worker thread: robots.txt, the GET, and the extraction (the slow parts)."""
        why = self.fetcher.allowed(url)
        if why:
            return Fetched(url, url, None, problem=why), None
        got = self.fetcher.get(url, etag=row["etag"] if row else None,
                               last_modified=row["last_modified"] if row else None)
        if got.body is None or got.problem:
            return got, None
        try:
            return got, self._analyse(_extract(got))
        except Exception as e:  # an extractor bug on one odd page must not end the run
            return got, f"{url}: cannot extract the article ({type(e).__name__}: {str(e)[:100]}); skipped"

    def _analyse(self, extracted: _Extracted | str) -> _Extracted | str:
        """The per-page work that needs no shared state (language, text hash, MinHash), done where the
        page was extracted: in a worker thread, off the ordered main thread."""
        if isinstance(extracted, _Extracted):
            text = extracted.record.text
            extracted.lang = _language(text) if self.options.check_language else None
            extracted.digest, extracted.minhash = text_hash(text), self.dedup.minhash(text)
        return extracted

    def handle(self, got: Fetched, source: str, extracted: _Extracted | str | None = None) -> None:
        """Log one page's outcome and, when it is a new Indonesian article, store it (one transaction)."""
        canon = canonical_url(got.url)
        self.seen.add(canon)
        row = self.log.get(canon)
        log = dict(url=canon, requested_url=got.url, final_url=got.final_url, source=source, kind="page",
                   status=got.status, etag=got.etag, last_modified=got.last_modified, fetched_at=got.fetched_at)
        if got.status == 304 and row is not None:
            self.counts["unchanged"] += 1
            with self.store.tx() as conn:  # only revalidated: the provenance stays as it was
                conn.execute("UPDATE fetch_log SET status=304, fetched_at=? WHERE url=?", (got.fetched_at, canon))
            return
        self.counts["pages"] += got.body is not None
        if got.problem:
            robots = "robots.txt" in got.problem
            (self.warnings if robots else self.problems).append(got.problem)
            self.counts["errors" if not got.final else "skipped"] += 1
            self._log(log | {"outcome": "skipped" if got.final else "error", "reason": got.problem})
            return
        if extracted is None:
            extracted = self._analyse(_extract(got))
        if isinstance(extracted, str):
            self.problems.append(extracted)
            self.counts["skipped"] += 1
            self._log(log | {"outcome": "skipped", "reason": extracted})
            return
        rec = extracted.record
        log |= dict(canonical_url=extracted.page_canonical, title=rec.metadata.get("title"),
                    date=rec.metadata.get("date"), author=extracted.author)
        if self.options.check_language:
            lang, want = extracted.lang, "en" if self.options.as_reference else "id"
            if lang != want:
                why = f"{got.url}: main text is '{lang}', not {'English' if want == 'en' else 'Indonesian'}; skipped"
                self.warnings.append(why)
                self.counts["skipped"] += 1
                self._log(log | {"outcome": "skipped", "reason": why})
                return
        if self.options.as_reference:
            self._reference(got, rec, log)
            return
        aid = article_id_for(canon)
        # The same URL: the page names a stored article as its canonical URL, or redirected to one.
        first = self.by_url.get(extracted.page_canonical or "") or self.by_url.get(canonical_url(got.final_url))
        digest, mh = extracted.digest, extracted.minhash
        dup = ("url", first) if first and first != aid else self.dedup.check(digest, mh)
        if dup is not None and dup[1] != aid:
            self.dups[dup[0]] += 1
            self._log(log | {"outcome": "duplicate", "duplicate_of": dup[1], "duplicate_kind": dup[0],
                             "text_hash": digest, "reason": f"{dup[0]} duplicate of {dup[1]}"})
            return
        rec = dataclasses.replace(rec, id=aid, source_path=got.final_url or got.url,
                                  metadata={**rec.metadata, "url": extracted.page_canonical or canon})
        with self.store.tx() as conn:
            what = store_record(self.store, rec, keep_dateline=self.options.keep_dateline)
            self._write_log(conn, log | {"outcome": "article", "article_id": aid, "text_hash": digest,
                                         "minhash": minhash_bytes(mh)})
        self.counts[what] += 1
        self.dedup.add(aid, digest, mh)
        self.by_url[canon] = aid
        if extracted.page_canonical:
            self.by_url.setdefault(extracted.page_canonical, aid)

    def _reference(self, got: Fetched, rec: Record, log: dict[str, object]) -> None:
        """Pair an English page with its Indonesian article; log it (with its text) or report why not."""
        if self.candidates is None:
            self.candidates = [Candidate(r["id"], r["url"] or "", r["date"], r["title"] or "", r["raw_text"])
                               for r in self.store.conn.execute("SELECT id, url, date, title, raw_text FROM articles")]
        p = pair(got.final_url or got.url, rec.metadata.get("title", ""), rec.text, rec.metadata.get("date"),
                 self.candidates, threshold=self.options.pair_threshold)
        if p.id is not None and self.paired.get(p.id, log["url"]) != log["url"]:
            p = Pairing(None, "none", p.confidence, f"{p.note}, but {p.id} is already paired with {self.paired[p.id]}")
        if p.id is None:
            why = f"{got.url}: {p.note}; not used as a reference"
            self.warnings.append(why)
            self.counts["skipped"] += 1
            self._log(log | {"outcome": "skipped", "reason": why, "confidence": p.confidence})
            return
        self.paired[p.id] = str(log["url"])
        self.counts["references"] += 1
        self._log(log | {"outcome": "reference", "article_id": p.id, "reason": p.note, "confidence": p.confidence,
                         "text": rec.text})

    def write_references(self) -> None:
        """``CORPUS/references.jsonl``: every paired English page (this run's and earlier ones'), for
        ``bitext run/align --reference``; rewritten whole, atomically."""
        from ..fileio import atomic_writer

        rows = self.store.conn.execute("SELECT article_id, text, url, title, date, confidence FROM fetch_log "
                                       "WHERE outcome='reference' ORDER BY article_id").fetchall()
        if not rows:
            return
        path = self.store.path.parent / REFERENCES_FILE
        with atomic_writer(path, force=True) as fh:
            for r in rows:
                fh.write(json.dumps({"id": r["article_id"], "text": r["text"], "url": r["url"], "title": r["title"],
                                     "date": r["date"], "lang": "en", "confidence": r["confidence"]},
                                    ensure_ascii=False) + "\n")
        self.warnings.append(f"{len(rows)} English page(s) paired: {path} (give it to 'bitext run --reference')")

    def _duplicate_url(self, t: Target, canon: str) -> None:
        """A URL that is another stored article's own canonical URL: logged without fetching it."""
        self.dups["url"] += 1
        first = self.by_url[canon]
        from ..store import utcnow

        self._log(dict(url=canon, requested_url=t.url, source=t.source, kind="page", outcome="duplicate",
                       fetched_at=utcnow(), duplicate_of=first, duplicate_kind="url",
                       reason=f"url duplicate of {first}"))

    def _log(self, row: dict[str, object]) -> None:
        with self.store.tx() as conn:
            self._write_log(conn, row)

    def _write_log(self, conn: sqlite3.Connection, row: dict[str, object]) -> None:
        values = tuple(row.get(c) for c in LOG_COLUMNS)
        conn.execute(f"INSERT OR REPLACE INTO fetch_log({', '.join(LOG_COLUMNS)}) "
                     f"VALUES ({', '.join('?' * len(LOG_COLUMNS))})", values)

    def report(self) -> FetchReport:
        c = self.counts
        return FetchReport(references=c["references"], added=c["added"], changed=c["changed"], unchanged=c["unchanged"], already=c["already"],
                           duplicates=dict(self.dups), skipped=c["skipped"], sentences=self.store.count("sentences"),
                           errors=c["errors"], pages=c["pages"], requests=self.fetcher.requests, seconds=round(time.monotonic() - self.started, 3),
                           problems=tuple(self.problems), warnings=tuple(self.warnings))


def _decode(got: Fetched) -> str:
    for enc in (got.charset, "utf-8"):
        if enc:
            try:
                return got.body.decode(enc)  # type: ignore[union-attr]
            except (LookupError, UnicodeDecodeError):
                continue
    return got.body.decode("cp1252", "replace")  # type: ignore[union-attr]


def _extract(got: Fetched) -> _Extracted | str:
    """The article of an HTML page through the project's HTML reader (title, date, main text), plus the
    author and the page's canonical URL; or why there is none (one line)."""
    from ..readers.html import read_page

    if not is_html(got.mime, got.body or b""):
        return f"{got.url}: not an HTML page (Content-Type '{got.mime or 'none'}'); skipped"
    rec, meta = read_page(_decode(got), Path("page.html"))
    if isinstance(rec, InputError):
        return f"{got.url}: no article text found in the page (only navigation or boilerplate?); skipped"
    canon = rec.metadata.get("url")
    return _Extracted(rec, getattr(meta, "author", None), canonical_url(canon) if canon else None)


def _language(text: str) -> str:
    from ..lang.langid import english_probability

    return english_probability(text[:3000], LANGUAGES)[1]

