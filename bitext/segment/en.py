"""English sentence splitting, for machine translation output and human reference translations.

Rule based, in one linear scan: a sentence ends at ``.``, ``!``, ``?`` or an ellipsis (with closing quotes
or brackets) before white space and a word that does not start in lower case, and at every line break;
titles, abbreviations and initials do not end one. Its output feeds the aligner, so a change that can change
a split bumps ``bitext.align.dp.ALIGNER_VERSION``.
"""

from __future__ import annotations

import re

# Abbreviations that are never the end of a sentence (titles before names, "No. 5", "Fig. 3").
_ABBR_NEVER = {
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "gen", "gov", "sen", "rep", "lt", "col", "capt",
    "sgt", "rev", "hon", "pres", "supt", "cmdr", "adm", "maj", "brig", "fr", "mt", "ft", "vs", "no", "nos",
    "fig", "figs", "vol", "art", "sec", "ch", "pp", "approx", "dept", "est", "e.g", "i.e", "cf", "al",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
}  # fmt: skip
# Abbreviations that may end a sentence ("... in the U.S. The ..."): a break only before a typical
# sentence opener.
_ABBR_MAYBE = {"inc", "ltd", "co", "corp", "etc", "bros", "llc", "plc", "a.m", "p.m", "jr", "sr"}
_OPENERS = {
    "the", "a", "an", "he", "she", "it", "they", "we", "i", "you", "this", "that", "these", "those", "there",
    "his", "her", "its", "their", "our", "in", "on", "at", "but", "and", "however", "meanwhile", "according",
    "if", "when", "while", "as", "after", "before", "for", "so", "yet", "then", "also", "some", "many",
    "most", "all", "one", "two", "both", "each", "no", "not", "what", "who", "why", "how", "where", "police",
    "officials", "authorities",
}  # fmt: skip
_CAND = re.compile(r"(?:\.\.\.|…|[.!?])+[\"'”’)\]»]*(?=\s)|\n")
_NEXT = re.compile(r"\s*([\"'“‘(\[«]*)(\S*)")
_PREV_WORD = re.compile(r"([\w.'-]*)$")


def split_english(text: str) -> list[tuple[int, int]]:
    """Split English text (e.g. machine translation output) into sentence spans ``[start, end)``.

    Spans are stripped of surrounding white space and never empty. A sentence ends at ``.``, ``!``,
    ``?`` or an ellipsis (plus closing quotes or brackets) followed by white space and a word that does
    not start in lower case, and at every line break. Not a break: titles and abbreviations (``Mr.``,
    ``Dr.``, ``No. 5``), initials (``J. K. Rowling``, ``U.S. President``), a quote followed by its
    attribution (``"Why?" she asked.``). Decimals and thousands (``1,500.5``) have no white space after
    the dot, so they never break.
    """
    cuts: list[int] = []
    for m in _CAND.finditer(text):
        end = m.end()
        if m.group() == "\n":
            cuts.append(m.start())
            continue
        nxt = _NEXT.match(text, end)
        opener, word = (nxt.group(1), nxt.group(2)) if nxt else ("", "")
        if not word and not opener:
            continue  # only white space follows: the end of the text
        first = word[:1]
        if first.islower():
            continue  # '"Why?" she asked', '3 p.m. on Monday', '... and then'
        mark = m.group()
        if mark.rstrip("\"'”’)]»").endswith(".") and not mark.startswith(("...", "…")) and not opener:
            prev = _PREV_WORD.search(text, max(0, m.start() - 40), m.start())  # a window: linear time
            token = prev.group(1) if prev else ""
            low = token.lower().strip("'")
            if low in _ABBR_NEVER:
                continue
            # Initials and dotted abbreviations: 'J.', 'U.S', 'a.m'
            is_initial = len(token) == 1 and token.isupper()
            is_dotted = "." in token and all(len(p) <= 2 for p in token.split(".") if p)
            if is_initial:
                continue
            if (is_dotted or low in _ABBR_MAYBE) and word.lower().strip(",;:") not in _OPENERS:
                continue
        cuts.append(end)
    spans: list[tuple[int, int]] = []
    start = 0
    for cut in [*cuts, len(text)]:
        span = _strip_span(text, start, cut)
        if span:
            spans.append(span)
        start = cut
    return spans


def _strip_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def split_lines(text: str) -> list[str]:
    """English sentences of a text whose paragraphs are lines (a reference translation): each line split
    with :func:`split_english`."""
    out: list[str] = []
    for line in text.splitlines():
        out += [line[a:b] for a, b in split_english(line)]
    return out
