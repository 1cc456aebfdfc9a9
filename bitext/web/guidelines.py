"""The guidelines panel: a Markdown file (``bitext review --guidelines FILE``) rendered safely to HTML.

A small renderer for what guidelines use -- headings, paragraphs, bullet and numbered lists, block
quotes, fenced code, ``**bold**``, ``*italic*``, ```code```, ``[links](https://...)`` -- that escapes
every character of the text first, so HTML in the file shows as text and never runs (the app's pages
carry reviewers' tokens). Links go to http(s) or mailto addresses only and open in a new tab.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from bitext.errors import BitextError

MAX_BYTES = 512 * 1024
"""Largest guidelines file accepted (the panel rides along with every page)."""

_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")
_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![\w*])[*_](?=\S)(.+?)(?<=\S)[*_](?![\w*])")
_SAFE_URL = re.compile(r"^(https?://|mailto:)", re.I)


def _inline(text: str) -> str:
    """One line's inline markup, the text escaped first (links, code, bold, italic)."""
    codes: list[str] = []

    def keep_code(m: re.Match[str]) -> str:
        codes.append(f"<code>{m.group(1)}</code>")
        return f"\x00{len(codes) - 1}\x00"

    out = _CODE.sub(keep_code, html.escape(text, quote=True))

    def link(m: re.Match[str]) -> str:
        label, url = m.group(1), html.unescape(m.group(2))
        if not _SAFE_URL.match(url):
            return label
        return f'<a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">{label}</a>'

    out = _LINK.sub(link, out)
    out = _BOLD.sub(r"<strong>\1</strong>", out)
    out = _ITALIC.sub(r"<em>\1</em>", out)
    return re.sub("\x00(\\d+)\x00", lambda m: codes[int(m.group(1))], out)


def render_markdown(text: str) -> str:
    """``text`` (Markdown) as HTML; every character of the text is escaped, only the markup above is made
    (so the template may mark the result safe)."""
    out: list[str] = []
    para: list[str] = []
    lists: list[str] = []  # open list tags
    fence: list[str] | None = None

    def flush() -> None:
        if para:
            out.append(f"<p>{_inline(' '.join(para))}</p>")
            para.clear()

    def close_lists() -> None:
        while lists:
            out.append(f"</{lists.pop()}>")

    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.rstrip()
        if fence is not None:
            if line.lstrip().startswith("```"):
                out.append(f"<pre><code>{html.escape(chr(10).join(fence))}</code></pre>")
                fence = None
            else:
                fence.append(raw)
            continue
        if line.lstrip().startswith("```"):
            flush()
            close_lists()
            fence = []
            continue
        heading = re.match(r"^(#{1,6})\s+(.*?)\s*#*$", line)
        item = re.match(r"^\s*(?:([-*+])|(\d+)[.)])\s+(.*)$", line)
        if not line.strip():
            flush()
            close_lists()
        elif heading:
            flush()
            close_lists()
            level = min(len(heading.group(1)) + 2, 6)  # the panel sits under the page's own headings
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif item:
            flush()
            tag = "ul" if item.group(1) else "ol"
            if lists and lists[-1] != tag:
                close_lists()
            if not lists:
                out.append(f"<{tag}>")
                lists.append(tag)
            out.append(f"<li>{_inline(item.group(3))}</li>")
        elif line.startswith(">"):
            flush()
            close_lists()
            out.append(f"<blockquote>{_inline(line.lstrip('> '))}</blockquote>")
        else:
            if lists:
                close_lists()
            para.append(line.strip())
    if fence is not None:
        out.append(f"<pre><code>{html.escape(chr(10).join(fence))}</code></pre>")
    flush()
    close_lists()
    return "\n".join(out)


def load_guidelines(path: str | Path) -> str:
    """The rendered guidelines of ``path``; a missing, unreadable, too large or non-UTF-8 file is one line."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise BitextError(f"{path}: cannot read the guidelines ({e.strerror}); give a Markdown file with "
                          "--guidelines", exit_code=2) from None
    if len(data) > MAX_BYTES:
        raise BitextError(f"{path}: the guidelines are {len(data):,} bytes; keep them under {MAX_BYTES:,}", 2)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise BitextError(f"{path}: not UTF-8 text (byte {e.start}); save the guidelines as UTF-8", 2) from None
    return render_markdown(text)
