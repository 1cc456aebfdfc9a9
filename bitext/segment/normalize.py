"""Text normalisation that remembers where every character came from.

``normalize(raw)`` returns the cleaned text plus, for each of its characters, the index
of the raw character it came from, so a sentence found in the clean text can be traced
back to ``raw[start:end]`` by a reviewer. What it does, in order:

* HTML (only when the text really contains HTML tags or entities): ``<script>``/``<style>``
  blocks dropped, block tags (``<p>``, ``<br>``, ``<div>``, ``<li>``…) become paragraph
  breaks, other known tags are removed, entities are decoded;
* line breaks unified (``\\r\\n``, ``\\r``, U+2028/9 → ``\\n``);
* zero-width characters, soft hyphens, BOMs and control characters removed;
* every other kind of space (tab, NBSP, thin space, ideographic space…) → ``' '``;
  runs of spaces collapsed, spaces trimmed at line ends, blank lines collapsed;
* Unicode NFC, cluster by cluster (a base character with its combining marks).
"""

from __future__ import annotations

import html
import re
import unicodedata
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from typing import overload

NORMALIZER_VERSION = "norm/1"

_ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e"}
_LINE_BREAKS = {"\r", "\u2028", "\u2029", "\x0b", "\x0c", "\x85"}

_BLOCK_TAGS = (
    "p|br|div|li|ul|ol|h[1-6]|tr|table|blockquote|section|article|header|footer|figure|figcaption|hr|title"
)
_INLINE_TAGS = "a|b|i|u|em|strong|span|font|small|sup|sub|img|abbr|cite|code|mark|s|strike|tbody|thead|td|th|html|body|head|meta|link"
_HTML_TAG = re.compile(rf"</?(?:{_BLOCK_TAGS}|{_INLINE_TAGS})\b[^<>]*>", re.IGNORECASE)
_BLOCK_TAG = re.compile(rf"</?(?:{_BLOCK_TAGS})\b", re.IGNORECASE)
_DROP_BLOCK = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def looks_like_html(text: str) -> bool:
    """True when the text holds real HTML markup (known tags or entities), not just a '<'."""
    return bool(_HTML_TAG.search(text) or _ENTITY.search(text) or _HTML_COMMENT.search(text))


class OffsetMap(Sequence[int]):
    """Where each character of a normalised text came from, in memory proportional to the edits.

    ``offsets[i]`` is the raw index of ``text[i]`` and ``offsets[len(text)]`` is ``len(raw)``, as a
    list would give, but stored as runs: from ``starts[k]`` on, the text follows the raw text from
    ``raws[k]`` one character per character (``steps[k] == 1``), or every character of the run comes
    from the one raw index ``raws[k]`` (``steps[k] == 0``: an entity, a composed cluster). A clean text
    is one run; a list of Python ints cost ~40 bytes per character (10 GiB for a 50 MB line).
    """

    __slots__ = ("_end", "_n", "raws", "starts", "steps")

    def __init__(self, n: int, end: int) -> None:
        self._n, self._end = n, end  # text length, raw length
        self.starts, self.raws, self.steps = array("q"), array("q"), array("b")

    @classmethod
    def identity(cls, n: int) -> OffsetMap:
        """The map of a text that is its raw text."""
        m = cls(n, n)
        if n:
            m.add(0, 0, 1)
        return m

    def add(self, at: int, raw: int, step: int) -> None:
        """Start a run at text position ``at`` (unless it continues the last run)."""
        if self.starts:
            k = len(self.starts) - 1
            if self.steps[k] == step and self.raws[k] + step * (at - self.starts[k]) == raw:
                return
        self.starts.append(at)
        self.raws.append(raw)
        self.steps.append(step)

    def run_at(self, i: int) -> int:
        """Index of the run holding text position ``0 <= i < len(text)``."""
        return bisect_right(self.starts, i) - 1

    def raw(self, i: int, k: int | None = None) -> int:
        """The raw index of text position ``i`` (``k``: its run, if known)."""
        if i >= self._n:
            return self._end
        k = self.run_at(i) if k is None else k
        return self.raws[k] + self.steps[k] * (i - self.starts[k])

    def __len__(self) -> int:
        return self._n + 1

    @overload
    def __getitem__(self, i: int) -> int: ...
    @overload
    def __getitem__(self, i: slice) -> list[int]: ...
    def __getitem__(self, i: int | slice) -> int | list[int]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i <= self._n:
            raise IndexError("offset index out of range")
        return self.raw(i)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return len(other) == len(self) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  (mutable while built, compared by value)

    def __repr__(self) -> str:
        return f"OffsetMap({self[:]!r})" if self._n < 50 else f"OffsetMap(<{self._n} chars, {len(self.starts)} runs>)"


Edit = tuple[int, int, str, int]
"""``(start, end, replacement, anchor)``: ``text[start:end]`` becomes ``replacement``, whose characters all
come from text position ``anchor``."""


def _apply(text: str, before: OffsetMap, edits: Iterable[Edit]) -> tuple[str, OffsetMap]:
    """``text`` with ``edits`` (in order, not overlapping) made, and the map of the result to the raw text.

    One pass: unchanged stretches are copied (their runs carried over), each replacement is a run of its
    own; the pieces are joined in bounded batches so a text with millions of edits stays near its size.
    """
    chunks: list[str] = []
    pieces: list[str] = []
    runs = before
    after = OffsetMap(0, runs._end)
    pos = out = 0
    k = 0  # cursor into before's runs: positions only grow

    def copy(a: int, b: int) -> None:
        nonlocal k, out
        if a >= b:
            return
        pieces.append(text[a:b])
        starts = runs.starts
        while k + 1 < len(starts) and starts[k + 1] <= a:
            k += 1
        i = a
        while i < b:
            after.add(out + (i - a), runs.raw(i, k), runs.steps[k])
            nxt = starts[k + 1] if k + 1 < len(starts) else b
            if nxt >= b:
                break
            k += 1
            i = nxt
        out += b - a

    for s, e, repl, anchor in edits:
        copy(pos, s)
        if repl:
            while k + 1 < len(runs.starts) and runs.starts[k + 1] <= anchor:
                k += 1
            after.add(out, runs.raw(anchor, k), 0 if len(repl) > 1 else 1)
            pieces.append(repl)
            out += len(repl)
        pos = e
        if len(pieces) > 4096:
            chunks.append("".join(pieces))
            pieces.clear()
    copy(pos, len(text))
    chunks.append("".join(pieces))
    after._n = out
    return "".join(chunks), after


def _html_edits(raw: str) -> Iterator[Edit]:
    """Markup replaced by text: entities decoded, block tags as line breaks, other tags and
    ``<script>``/``<style>`` blocks and comments dropped."""
    pattern = re.compile(
        "|".join(p.pattern for p in (_DROP_BLOCK, _HTML_COMMENT, _HTML_TAG, _ENTITY)),
        re.IGNORECASE | re.DOTALL,
    )
    for m in pattern.finditer(raw):
        token = m.group(0)
        if token.startswith("&"):
            yield m.start(), m.end(), html.unescape(token), m.start()
        elif _BLOCK_TAG.match(token):
            yield m.start(), m.end(), "\n", m.start()
        else:
            yield m.start(), m.end(), "", m.start()


_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]+")


def _char_edits(text: str) -> Iterator[Edit]:
    """Line breaks unified, other spaces made ``' '``, invisible and control characters dropped; only
    characters outside printable ASCII can change, so only those are looked at."""
    for m in _NOT_PRINTABLE_ASCII.finditer(text):
        prev = text[m.start() - 1] if m.start() else ""
        for i in range(m.start(), m.end()):
            ch = text[i]
            if ch == "\n" and prev == "\r":
                yield i, i + 1, "", i  # '\r\n' already became one '\n'
            elif ch == "\n":
                pass
            elif ch in _LINE_BREAKS:
                yield i, i + 1, "\n", i
            elif ch in _ZERO_WIDTH:
                yield i, i + 1, "", i
            elif ch.isspace():
                yield i, i + 1, " ", i
            elif unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs"):
                yield i, i + 1, "", i  # control, format, private-use, lone surrogates
            prev = ch


_SPACE_RUN = re.compile(r"^[ \n]+|[ \n]{2,}|[ \n]+\Z")


def _space_edits(text: str) -> Iterator[Edit]:
    """Runs of spaces collapsed, spaces trimmed around line breaks, blank lines collapsed, the text
    trimmed (a single space or line break between words stays as it is)."""
    n = len(text)
    for m in _SPACE_RUN.finditer(text):
        s, e = m.start(), m.end()
        if s == 0 or e == n:
            yield s, e, "", s
            continue
        run = m.group(0)
        nl = run.find("\n")
        if nl < 0:
            if e - s > 1:
                yield s, e, " ", s
        elif e - s > 1:
            yield s, e, "\n", s + nl


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _nfc_edits(text: str) -> Iterator[Edit]:
    """NFC cluster by cluster (a base character with its combining marks), each cluster coming from its
    base's position. Only clusters that hold a non-ASCII character can change."""
    for m in _NON_ASCII.finditer(text):
        k, n = max(m.start() - 1, 0), m.end()  # the base before a run of marks may be ASCII
        while k < n:
            j = k + 1
            while j < n and unicodedata.combining(text[j]):
                j += 1
            cluster = text[k:j]
            if j - k > 1:
                yield k, j, unicodedata.normalize("NFC", cluster), k
            elif not cluster.isascii():
                composed = unicodedata.normalize("NFC", cluster)
                if composed != cluster:
                    yield k, j, composed, k
            k = j


def normalize(raw: str) -> tuple[str, OffsetMap]:
    """Normalise ``raw``; return ``(text, offsets)``.

    ``offsets`` (an :class:`OffsetMap`, indexed like a list) has ``len(text) + 1`` entries: ``offsets[i]``
    is the raw index of ``text[i]`` and the last entry is ``len(raw)``, so the raw span of ``text[a:b]``
    is ``raw[offsets[a]:offsets[b - 1] + 1]`` (see :func:`raw_span`). Time and memory are linear in
    the text: each step is one regex pass that looks only at the characters it may change.
    """
    text, offsets = raw, OffsetMap.identity(len(raw))
    if looks_like_html(raw):
        text, offsets = _apply(text, offsets, _html_edits(text))
    text, offsets = _apply(text, offsets, _char_edits(text))
    text, offsets = _apply(text, offsets, _space_edits(text))
    text, offsets = _apply(text, offsets, _nfc_edits(text))
    return text, offsets


def raw_span(offsets: Sequence[int], start: int, end: int) -> tuple[int, int]:
    """Raw ``[start, end)`` for the normalised ``[start, end)`` (``end > start``)."""
    if end <= start:
        return offsets[start], offsets[start]
    return offsets[start], offsets[end - 1] + 1


_WS = re.compile(r"\s+")


def clean_inline(text: str) -> str:
    """Normalise a short field (title, sentence from elsewhere) to one NFC line."""
    return _WS.sub(" ", normalize(text)[0]).strip()
