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


def _strip_html(raw: str) -> tuple[list[str], list[int]]:
    """Replace markup by text; return characters and the raw index of each."""
    chars: list[str] = []
    src: list[int] = []
    pattern = re.compile(
        "|".join(p.pattern for p in (_DROP_BLOCK, _HTML_COMMENT, _HTML_TAG, _ENTITY)),
        re.IGNORECASE | re.DOTALL,
    )
    pos = 0
    for m in pattern.finditer(raw):
        for i in range(pos, m.start()):
            chars.append(raw[i])
            src.append(i)
        token = m.group(0)
        if token.startswith("&"):
            decoded = html.unescape(token)
            for ch in decoded:
                chars.append(ch)
                src.append(m.start())
        elif _BLOCK_TAG.match(token):
            chars.append("\n")
            src.append(m.start())
        # other tags, comments and script/style blocks vanish
        pos = m.end()
    for i in range(pos, len(raw)):
        chars.append(raw[i])
        src.append(i)
    return chars, src


def normalize(raw: str) -> tuple[str, list[int]]:
    """Normalise ``raw``; return ``(text, offsets)``.

    ``offsets`` has ``len(text) + 1`` entries: ``offsets[i]`` is the raw index of
    ``text[i]`` and the last entry is ``len(raw)``, so the raw span of ``text[a:b]`` is
    ``raw[offsets[a]:offsets[b - 1] + 1]`` (see :func:`raw_span`).
    """
    if looks_like_html(raw):
        chars, src = _strip_html(raw)
    else:
        chars, src = list(raw), list(range(len(raw)))

    # 1. Map characters: breaks, spaces, invisible and control characters.
    mapped: list[tuple[str, int]] = []
    prev = ""
    for ch, i in zip(chars, src, strict=True):
        if ch == "\n" and prev == "\r":
            prev = ch
            continue  # '\r\n' already became one '\n'
        prev = ch
        if ch in _LINE_BREAKS or ch == "\n":
            mapped.append(("\n", i))
        elif ch in _ZERO_WIDTH:
            continue
        elif ch == "\t" or (ch.isspace() and ch != "\n"):
            mapped.append((" ", i))
        elif unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs"):
            continue  # control, format, private-use, lone surrogates
        else:
            mapped.append((ch, i))

    # 2. Collapse spaces and blank lines, trim around line breaks.
    out: list[tuple[str, int]] = []
    for ch, i in mapped:
        if ch == " ":
            if not out or out[-1][0] in " \n":
                continue
            out.append((ch, i))
        elif ch == "\n":
            while out and out[-1][0] == " ":
                out.pop()
            if not out or out[-1][0] == "\n":
                continue
            out.append((ch, i))
        else:
            out.append((ch, i))
    while out and out[-1][0] in " \n":
        out.pop()

    # 3. NFC per cluster (base character + combining marks), keeping the base's index.
    text_chars: list[str] = []
    offsets: list[int] = []
    k = 0
    n = len(out)
    while k < n:
        j = k + 1
        while j < n and unicodedata.combining(out[j][0]):
            j += 1
        cluster = "".join(c for c, _ in out[k:j])
        composed = unicodedata.normalize("NFC", cluster) if (j - k > 1 or not cluster.isascii()) else cluster
        for ch in composed:
            text_chars.append(ch)
            offsets.append(out[k][1])
        k = j
    offsets.append(len(raw))
    return "".join(text_chars), offsets


def raw_span(offsets: list[int], start: int, end: int) -> tuple[int, int]:
    """Raw ``[start, end)`` for the normalised ``[start, end)`` (``end > start``)."""
    if end <= start:
        return offsets[start], offsets[start]
    return offsets[start], offsets[end - 1] + 1


_WS = re.compile(r"\s+")


def clean_inline(text: str) -> str:
    """Normalise a short field (title, sentence from elsewhere) to one NFC line."""
    return _WS.sub(" ", normalize(text)[0]).strip()
