"""What a SOURCE names: a feed, a sitemap, a file of URLs, a WARC/ARC file, or one article page.

:data:`SOURCE_KINDS` is the registry (name -> class, like the readers): each kind says which local
suffixes are its own and how to recognise its bytes (``sniff``), and turns a source into items: a
:class:`Target` (a URL to fetch), a :class:`~bitext.fetch.http.Fetched` page already in hand (a WARC
record), or a :class:`Problem` (one line; the rest of the source is still read).
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Protocol

from .http import Fetched

MAX_SITEMAP_DEPTH = 3
"""Sitemap indexes nest: index -> sitemap -> URLs; deeper nesting is a loop or a mistake."""


@dataclass(frozen=True)
class Target:
    """A page URL to fetch, and the source that named it."""

    url: str
    source: str


@dataclass(frozen=True)
class Problem:
    """A one-line problem with part of a source."""

    message: str


Item = Target | Fetched | Problem


@dataclass
class Context:
    """What a source kind may use: ``fetch(url)`` gets a linked source (a child sitemap; None when it is
    unchanged since the last run or failed, which it reports itself), ``report`` records a problem."""

    fetch: Callable[[str, str], Fetched | None]
    max_bytes: int
    depth: int = 0


class SourceKind(Protocol):
    name: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]]

    @staticmethod
    def sniff(head: bytes) -> bool: ...

    def items(self, data: bytes | Path, where: str, ctx: Context) -> Iterator[Item]: ...


SOURCE_KINDS: dict[str, type[SourceKind]] = {}


def register(cls: type[SourceKind]) -> type[SourceKind]:
    """Class decorator: add a source kind to :data:`SOURCE_KINDS`."""
    if cls.name in SOURCE_KINDS:
        raise ValueError(f"source kind {cls.name!r} already registered")
    SOURCE_KINDS[cls.name] = cls
    return cls


_ROOT = re.compile(rb"<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")


def root_tag(head: bytes) -> str | None:
    """The local name of the first element in ``head`` (after the XML declaration, comments, doctype)."""
    head = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    head = re.sub(rb"<\?.*?\?>|<!--.*?-->|<![^>]*>", b"", head[:4096], flags=re.S)
    m = _ROOT.search(head)
    return m.group(2).decode("ascii").lower() if m else None


def gunzip_bounded(data: bytes, limit: int, where: str) -> bytes:
    """Decompress a gzipped sitemap, refusing more than ``limit`` decoded bytes (a compression bomb)."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(data, limit + 1)
    except zlib.error as e:
        raise ValueError(f"{where}: damaged gzip ({e})") from None
    if len(out) > limit:
        raise ValueError(f"{where}: over {limit / 2**20:g} MB once decompressed (a compression bomb?); skipped")
    return out


@register
class FeedSource:
    """RSS 0.9x/1.0/2.0 and Atom feeds, through ``feedparser``: every entry's link."""

    name = "feed"
    suffixes = (".rss", ".atom")

    @staticmethod
    def sniff(head: bytes) -> bool:
        return root_tag(head) in ("rss", "feed", "rdf")

    def items(self, data: bytes | Path, where: str, ctx: Context) -> Iterator[Item]:
        import feedparser

        raw = data.read_bytes() if isinstance(data, Path) else data
        if not self.sniff(raw):
            yield Problem(f"{where}: not a feed: not RSS/Atom XML (starts with {raw[:40]!r}); skipped")
            return
        if re.search(rb"<!ENTITY", raw[:65536]):
            # feedparser's SAX parser would expand them (a "billion laughs" feed); no real feed needs them.
            yield Problem(f"{where}: not a feed: it declares XML entities (refused: entity expansion); skipped")
            return
        parsed = feedparser.parse(raw, sanitize_html=False, resolve_relative_uris=False)
        if parsed.bozo and not parsed.entries:
            yield Problem(f"{where}: not a feed: {parsed.bozo_exception}; skipped")
            return
        for entry in parsed.entries:
            link = entry.get("link")
            if link:
                yield Target(link, where)


@register
class SitemapSource:
    """Sitemaps (``urlset``, news sitemaps too) and sitemap indexes, gzipped or not; parsed without DTDs
    or entity expansion (``defusedxml``)."""

    name = "sitemap"
    suffixes = (".xml", ".xml.gz")

    @staticmethod
    def sniff(head: bytes) -> bool:
        return root_tag(head) in ("urlset", "sitemapindex")

    def items(self, data: bytes | Path, where: str, ctx: Context) -> Iterator[Item]:
        from defusedxml import DefusedXmlException
        from defusedxml.ElementTree import fromstring

        raw = data.read_bytes() if isinstance(data, Path) else data
        try:
            if raw[:2] == b"\x1f\x8b":
                raw = gunzip_bounded(raw, ctx.max_bytes, where)
            root = fromstring(raw, forbid_dtd=True)
        except (ValueError, DefusedXmlException, SyntaxError) as e:
            yield Problem(f"{where}: not a sitemap: {e}; skipped")
            return
        index = root.tag.rsplit("}", 1)[-1].lower() == "sitemapindex"
        locs = [el.text.strip() for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "loc" and el.text]
        if not index:
            for loc in locs:
                yield Target(loc, where)
            return
        if ctx.depth >= MAX_SITEMAP_DEPTH:
            yield Problem(f"{where}: sitemap indexes nested over {MAX_SITEMAP_DEPTH} deep; the rest skipped")
            return
        for loc in locs:
            got = ctx.fetch(loc, where)
            if got is None or got.body is None:
                continue
            child = Context(ctx.fetch, ctx.max_bytes, ctx.depth + 1)
            yield from self.items(got.body, loc, child)


@register
class UrlListSource:
    """A text file of URLs, one a line (``#`` comments and blank lines left out)."""

    name = "urls"
    suffixes = (".txt", ".urls", ".lst")

    @staticmethod
    def sniff(head: bytes) -> bool:
        first = next((ln for ln in head.splitlines() if ln.strip() and not ln.startswith(b"#")), b"")
        return first.strip().lower().startswith((b"http://", b"https://"))

    def items(self, data: bytes | Path, where: str, ctx: Context) -> Iterator[Item]:
        raw = data.read_bytes() if isinstance(data, Path) else data
        for n, line in enumerate(raw.decode("utf-8", "replace").splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if not line.lower().startswith(("http://", "https://")):
                yield Problem(f"{where}:{n}: not an http(s) URL: {line[:80]!r}; skipped")
                continue
            yield Target(line, f"{where}")


@register
class WarcSource:
    """WARC and ARC files (gzipped per record or not), streamed with ``warcio``: every HTTP response
    record is a page already fetched (its WARC-Date is when)."""

    name = "warc"
    suffixes = (".warc", ".warc.gz", ".arc", ".arc.gz")

    @staticmethod
    def sniff(head: bytes) -> bool:
        if head[:2] == b"\x1f\x8b":
            try:
                head = gzip.GzipFile(fileobj=io.BytesIO(head)).read(16)
            except (OSError, EOFError):
                return False
        return head.startswith((b"WARC/", b"filedesc://"))

    def items(self, data: bytes | Path, where: str, ctx: Context) -> Iterator[Item]:
        from warcio.archiveiterator import ArchiveIterator

        n = 0
        stream = open(data, "rb") if isinstance(data, Path) else io.BytesIO(data)  # noqa: SIM115
        try:
            for rec in ArchiveIterator(stream, arc2warc=True):
                if rec.rec_type != "response" or rec.http_headers is None:
                    continue
                url = rec.rec_headers.get_header("WARC-Target-URI") or ""
                if not url.lower().startswith(("http://", "https://")):
                    continue
                n += 1
                body = rec.content_stream().read(ctx.max_bytes + 1)
                status = int(rec.http_headers.get_statuscode() or 0) or None
                base = dict(url=url, final_url=url, status=status,
                            content_type=rec.http_headers.get_header("Content-Type") or "",
                            fetched_at=rec.rec_headers.get_header("WARC-Date") or "")
                if len(body) > ctx.max_bytes:
                    yield Fetched(**base, problem=f"{where}: record {url}: over the {ctx.max_bytes / 2**20:g} MB "
                                  "limit (--max-page-mb); skipped")
                else:
                    yield Fetched(**base, body=body)
        except Exception as e:  # warcio raises ArchiveLoadFailed, EOFError, zlib.error, ValueError on damage
            yield Problem(f"{where}: truncated or damaged after {n} response records ({type(e).__name__}: "
                          f"{str(e)[:100]}); the records before it were read")
        finally:
            stream.close()


def kind_for_path(path: Path) -> str:
    """The kind of a local source file: by its suffix, else by its first bytes, else a list of URLs."""
    name = path.name.lower()
    for kind, cls in SOURCE_KINDS.items():
        if kind != "sitemap" and name.endswith(cls.suffixes):
            return kind
    with open(path, "rb") as f:
        head = f.read(4096)
    for kind, cls in SOURCE_KINDS.items():
        if cls.sniff(head):
            return kind
    if head[:2] == b"\x1f\x8b" and name.endswith(".xml.gz"):
        return "sitemap"
    return "urls"


def kind_for_body(got: Fetched) -> str | None:
    """The kind of a fetched source: a feed or sitemap by its root element, ``page`` for HTML; None
    when it is none of these."""
    head = got.body or b""
    if head[:2] == b"\x1f\x8b":
        return "sitemap"
    for kind in ("feed", "sitemap"):
        if SOURCE_KINDS[kind].sniff(head):
            return kind
    if is_html(got.mime, head):
        return "page"
    return None


def is_html(mime: str, head: bytes) -> bool:
    """An HTML page: by its Content-Type, or (none given) by its first tag."""
    if mime:
        return mime in ("text/html", "application/xhtml+xml")
    return root_tag(head[:4096]) in ("html", "head", "body")
