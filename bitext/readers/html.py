"""Saved web pages: the article's text without the page's boilerplate, through ``trafilatura``.

A news page carries navigation (``Beranda | Nasional | Daerah``), headers, footers, related links and
the doctype around the article; hand-written tag stripping turns them into "sentences". trafilatura
(the field's well-kept main-text extractor) keeps the article body; its metadata gives the title, the
URL (canonical link) and the date.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from .base import Record, register

_BOILERPLATE = ["//nav", "//header", "//footer", "//aside", "//form", "//menu"]


@register
class HtmlReader:
    """``*.html``, ``*.htm``: one article per page, id = file name without its suffix."""

    name = "html"
    suffixes = (".html", ".htm")

    def read(self, text: str, path: Path) -> Iterator[Record | InputError]:
        yield read_page(text, path)[0]


def read_page(text: str, path: Path) -> tuple[Record | InputError, Any]:
    """The page's article (or why there is none) and trafilatura's metadata of the page (None when the
    page has no article text), so that a caller wanting more fields (``bitext fetch``: the author) does
    not parse the page a second time."""
    import trafilatura
    from trafilatura.deduplication import LRUCache

    # Structural boilerplate is pruned outright: on a page with no article, trafilatura's fallback
    # would otherwise return the navigation itself. Deduplication gets a cache of its own per page:
    # with ``deduplicate=True`` trafilatura shares one cache per process, and a paragraph seen on
    # more than two earlier pages (a republished story, the same page read again) would be dropped.
    body = trafilatura.extract(text, favor_precision=True, include_comments=False, include_tables=False,
                               deduplicate=LRUCache(maxsize=1024), prune_xpath=_BOILERPLATE)
    if not body or not body.strip():
        return InputError(f"{path}: no article text found in the page (only navigation or boilerplate?)"), None
    meta = trafilatura.extract_metadata(text)
    title = meta.title if meta is not None else None
    lines = body.splitlines()
    if title and lines and lines[0].strip() == title.strip():
        lines = lines[1:]  # the headline is the title field, not the first paragraph
    fields = {"title": title, "url": meta.url if meta else None, "date": meta.date if meta else None}
    return Record(path.stem, "\n".join(lines), str(path), metadata={k: v for k, v in fields.items() if v}), meta
