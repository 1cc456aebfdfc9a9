"""A termbase as a matcher: which glossary terms an Indonesian text holds, and whether an English text
carries one of each term's English renderings.

Pure (no store): :mod:`bitext.review.glossary` keeps the terms in the store and builds a
:class:`Glossary` from them; the ``glossary`` flag check (:mod:`bitext.flags.checks.glossary`) and the
review app's highlighting and QA on save both ask the same object, so the page, QA and
``flag --report`` agree.

Matching is by whole words, case-insensitive (Unicode case folding), longest term first at each word,
terms never overlapping. An English rendering counts as present when it occurs as whole words,
case-insensitive, optionally with an English plural ending ('s', 'es'): a term's English is a
citation form, and "bridges" carries "bridge".
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

_WORD = re.compile(r"\w+(?:[-']\w+)*", re.UNICODE)


def words(text: str) -> list[tuple[int, int, str]]:
    """(start, end, casefolded word) of every word of ``text``."""
    return [(m.start(), m.end(), m.group(0).casefold()) for m in _WORD.finditer(text)]


def term_key(text: str) -> tuple[str, ...]:
    """A term's words, casefolded: the key it is matched (and stored unique) by."""
    return tuple(w for _, _, w in words(text))


@dataclass(frozen=True)
class Term:
    """One Indonesian term and its English renderings (the first is the preferred one)."""

    source: str
    targets: tuple[str, ...]


@dataclass(frozen=True)
class Hit:
    """A term found in a text: its span there and the term."""

    start: int
    end: int
    term: Term


@lru_cache(maxsize=65536)  # a 5,000-term glossary has more renderings than a small cache holds
def _english_pattern(target: str) -> re.Pattern[str]:
    body = r"\W+".join(re.escape(w) for _, _, w in words(target))
    return re.compile(rf"(?<!\w){body}(?:e?s)?(?!\w)", re.IGNORECASE)


def renders(english: str, target: str) -> bool:
    """Whether ``english`` holds the rendering ``target`` (whole words, any case, plural allowed)."""
    if not term_key(target):
        return False
    return _english_pattern(target).search(english) is not None


class Glossary:
    """Terms indexed by their first word, so finding them in a text costs one lookup per word."""

    def __init__(self, terms: Iterable[Term], signature: str = "") -> None:
        self.terms: list[Term] = []
        self._first: dict[str, list[tuple[tuple[str, ...], Term]]] = {}
        for t in terms:
            key = term_key(t.source)
            if not key or not t.targets:
                continue
            self.terms.append(t)
            self._first.setdefault(key[0], []).append((key, t))
        for cands in self._first.values():
            cands.sort(key=lambda kt: -len(kt[0]))  # the longest term wins at a word
        self.signature = signature or signature_of(self.terms)

    def __len__(self) -> int:
        return len(self.terms)

    def find(self, text: str) -> list[Hit]:
        """The terms in ``text``, in text order, longest first at each word, never overlapping."""
        if not self._first or not text:
            return []
        ws = words(text)
        out: list[Hit] = []
        i = 0
        while i < len(ws):
            found = None
            for key, term in self._first.get(ws[i][2], ()):
                if tuple(w for _, _, w in ws[i:i + len(key)]) == key:
                    found = (key, term)
                    break
            if found is None:
                i += 1
                continue
            n = len(found[0])
            out.append(Hit(ws[i][0], ws[i + n - 1][1], found[1]))
            i += n
        return out

    def missing(self, source: str, english: str) -> tuple[list[Term], list[Term]]:
        """(terms found in ``source``, those of them whose English renderings are all absent from
        ``english``), each term once, in text order."""
        found: list[Term] = []
        for h in self.find(source):
            if h.term not in found:
                found.append(h.term)
        return found, [t for t in found if not any(renders(english, e) for e in t.targets)]


def signature_of(terms: Iterable[Term]) -> str:
    """A short hash of the terms (order-free): what the dataset card and the flags' measure signature
    record, so a changed glossary re-measures the glossary check."""
    h = hashlib.sha256()
    for line in sorted(f"{t.source}\t{chr(31).join(t.targets)}" for t in terms):
        h.update(line.encode("utf-8") + b"\n")
    return h.hexdigest()[:16]


def segments(text: str, hits: list[Hit]) -> list[tuple[str, Term | None]]:
    """``text`` cut at the hits: (piece, its term or None), for the page to highlight."""
    out: list[tuple[str, Term | None]] = []
    at = 0
    for h in hits:
        if h.start > at:
            out.append((text[at:h.start], None))
        out.append((text[h.start:h.end], h.term))
        at = h.end
    if at < len(text):
        out.append((text[at:], None))
    return out
