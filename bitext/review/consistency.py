"""Consistency of the decided pairs: Indonesian sentences decided with more than one English, glossary terms
decided without their English, and a concordance over both sides of the decided pairs.

Sentences and terms are read from the translation memory (:mod:`bitext.review.tm`: the accepted and
edited pairs, kept current from the review log), so the view costs a pass over the memory's groups, not
a query over the corpus; the per-pair glossary verdicts are cached per pair and glossary signature, so
only pairs decided since are judged again. The concordance reuses the review queue's text search (the
trigram FTS5 index, :mod:`bitext.review.index`) limited to accepted and edited pairs.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from bitext.lang.glossary import Glossary, Term
from bitext.model import ACCEPTED, EDITED
from bitext.review import glossary as glossary_mod
from bitext.review import tm, worklist
from bitext.store import Store


@dataclass(frozen=True)
class Variant:
    """One English an Indonesian sentence was decided with, and the pairs that have it."""

    english: str
    pair_ids: tuple[str, ...]


@dataclass(frozen=True)
class SentenceGroup:
    """An Indonesian sentence with more than one decided English (most used first)."""

    source: str
    variants: tuple[Variant, ...]

    @property
    def pairs(self) -> int:
        return sum(len(v.pair_ids) for v in self.variants)


@dataclass(frozen=True)
class TermGroup:
    """A glossary term and the decided pairs holding it, with and without one of its English renderings."""

    term: Term
    rendered: tuple[str, ...]
    missing: tuple[str, ...]


def sentences(store: Store, limit: int = 100) -> tuple[list[SentenceGroup], int]:
    """Indonesian sentences with more than one English among the decided pairs (most pairs first, then
    by text), at most ``limit``; and how many there are in all."""
    mem = tm.memory(store)
    groups: list[SentenceGroup] = []
    with mem.lock:
        for source, members in mem.by_source.items():
            if len(members) < 2:
                continue
            by_en: dict[str, list[str]] = {}
            for i, english in members.items():
                e = mem.entries[i]
                if e is not None:
                    by_en.setdefault(tm.norm(english), []).append(e.pair_id)
            if len(by_en) > 1:
                variants = sorted((Variant(en, tuple(sorted(ids))) for en, ids in by_en.items()),
                                  key=lambda v: (-len(v.pair_ids), v.english))
                groups.append(SentenceGroup(source, tuple(variants)))
    groups.sort(key=lambda g: (-g.pairs, g.source))
    return groups[:limit], len(groups)


_VERDICTS: dict[str, tuple[str, int, dict[int, tuple[tuple[Term, ...], tuple[Term, ...]]]]] = {}
_VERDICTS_LOCK = threading.Lock()


def _verdicts(store: Store, mem: tm.Memory, glossary: Glossary) -> dict[int, tuple[tuple[Term, ...], tuple[Term, ...]]]:
    """Per memory entry holding a term: (terms found, terms without their English); cached per entry
    (entries never change: a pair decided again is a new entry) and glossary signature."""
    key = str(store.path)
    with _VERDICTS_LOCK:
        sig, _, cache = _VERDICTS.get(key, ("", 0, {}))
        if sig != glossary.signature:
            cache = {}
        for i, e in enumerate(mem.entries):
            if e is not None and i not in cache:
                found, missing = glossary.missing(e.source, e.english)
                cache[i] = (tuple(found), tuple(missing))
        _VERDICTS[key] = (glossary.signature, len(mem.entries), cache)
        return cache


def terms(store: Store, limit: int = 100) -> tuple[list[TermGroup], int]:
    """Glossary terms that some decided pair holds without any of the term's English (most such pairs
    first), at most ``limit``; and how many there are in all."""
    g = glossary_mod.load(store)
    if not len(g):
        return [], 0
    mem = tm.memory(store)
    with mem.lock:
        verdicts = _verdicts(store, mem, g)
        rendered: dict[Term, list[str]] = {}
        missing: dict[Term, list[str]] = {}
        for i, (found, miss) in verdicts.items():
            e = mem.entries[i] if i < len(mem.entries) else None
            if e is None or not found:
                continue
            for t in found:
                (missing if t in miss else rendered).setdefault(t, []).append(e.pair_id)
    out = [TermGroup(t, tuple(sorted(rendered.get(t, ()))), tuple(sorted(ids))) for t, ids in missing.items()]
    out.sort(key=lambda tg: (-len(tg.missing), tg.term.source))
    return out[:limit], len(out)


@dataclass(frozen=True)
class Line:
    """A concordance line: a decided pair, its Indonesian and decided English."""

    pair_id: str
    status: str
    source: str
    english: str


def concordance(store: Store, text: str, limit: int = 50) -> list[Line]:
    """Decided (accepted, edited) pairs whose Indonesian or English holds ``text`` (case-insensitive),
    through the queue's search (the trigram index where there is one), in queue order per status."""
    text = text.strip()
    if not text:
        return []
    out: list[Line] = []
    for status in (EDITED, ACCEPTED):
        if len(out) >= limit:
            break
        for item in worklist.queue(store, search=text, status=status, limit=limit - len(out)):
            out.append(Line(item.id, item.status, item.source, item.target))
    return out


def marked(text: str, needle: str) -> list[tuple[str, bool]]:
    """``text`` cut at the case-insensitive occurrences of ``needle``: (piece, is a match)."""
    if not needle.strip():
        return [(text, False)]
    out: list[tuple[str, bool]] = []
    at = 0
    for m in re.finditer(re.escape(needle.strip()), text, re.IGNORECASE):
        if m.start() > at:
            out.append((text[at:m.start()], False))
        out.append((m.group(0), True))
        at = m.end()
    if at < len(text):
        out.append((text[at:], False))
    return out
