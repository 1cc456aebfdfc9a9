"""Consistency of the decided pairs: Indonesian sentences decided with more than one English, glossary terms
decided without their English, and a concordance over both sides of the decided pairs.

Sentences and terms are read from the translation memory (:mod:`bitext.review.tm`: the accepted and
edited pairs, kept current from the review log), so the view costs a pass over the memory's groups, not
a query over the corpus; the per-pair glossary verdicts are cached per pair and glossary signature, so
only pairs decided since are judged again. The concordance searches the memory's texts too (see
:func:`concordance` for why not the corpus's trigram index).
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field

from bitext.lang.glossary import Glossary, Term
from bitext.review import glossary as glossary_mod
from bitext.review import tm
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
    """A glossary term: the decided pairs holding it without any of its English renderings, and how many
    hold it with one."""

    term: Term
    rendered: int
    missing: tuple[str, ...]


def sentences(store: Store, limit: int = 100) -> tuple[list[SentenceGroup], int]:
    """Indonesian sentences with more than one English among the decided pairs (most pairs first, then
    by text), at most ``limit``; and how many there are in all."""
    mem = tm.memory(store)
    groups: list[SentenceGroup] = []
    with mem.lock:
        for source in mem.repeated:
            members = mem.by_source[source]
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


@dataclass
class _TermTally:
    """Per store: the glossary verdict of every memory entry, summed per term, kept as entries come and go
    (an entry never changes: a pair decided again is a new entry), for one glossary signature."""

    signature: str = ""
    generation: int = -1
    seen: int = 0  # entries [0, seen) judged
    dropped: int = 0  # cursor into Memory.dropped
    verdicts: dict[int, tuple[tuple[Term, ...], tuple[Term, ...]]] = field(default_factory=dict)
    rendered: Counter[Term] = field(default_factory=Counter)
    missing: dict[Term, set[int]] = field(default_factory=dict)

    def add(self, i: int, found: tuple[Term, ...], miss: tuple[Term, ...]) -> None:
        if not found:
            return
        self.verdicts[i] = (found, miss)
        for t in found:
            if t in miss:
                self.missing.setdefault(t, set()).add(i)
            else:
                self.rendered[t] += 1

    def drop(self, i: int) -> None:
        found, miss = self.verdicts.pop(i, ((), ()))
        for t in found:
            if t in miss:
                self.missing[t].discard(i)
                if not self.missing[t]:
                    del self.missing[t]
            else:
                self.rendered[t] -= 1


_TALLIES: dict[str, _TermTally] = {}


def _tally(store: Store, mem: tm.Memory, glossary: Glossary) -> _TermTally:
    """The store's term tally brought up to the memory (under the memory's lock)."""
    key = str(store.path)
    tally = _TALLIES.get(key)
    if tally is None or tally.signature != glossary.signature or tally.generation != mem.generation:
        tally = _TALLIES[key] = _TermTally(glossary.signature, mem.generation)
    for i in mem.dropped[tally.dropped:]:
        tally.drop(i)
    tally.dropped = len(mem.dropped)
    for i in range(tally.seen, len(mem.entries)):
        e = mem.entries[i]
        if e is not None:
            found, miss = glossary.missing(e.source, e.english)
            tally.add(i, tuple(found), tuple(miss))
    tally.seen = len(mem.entries)
    return tally


def _warm(store: Store, mem: tm.Memory) -> None:
    g = glossary_mod.load(store)
    if len(g):
        _tally(store, mem, g)


tm.AFTER_BUILD.append(_warm)  # the first consistency page after a start need not judge every decided pair


def terms(store: Store, limit: int = 100) -> tuple[list[TermGroup], int]:
    """Glossary terms that some decided pair holds without any of the term's English (most such pairs
    first), at most ``limit``; and how many there are in all. The first call judges every decided pair
    (~2 s per 20,000 with a 5,000-term glossary, once per glossary change); later ones only pairs decided
    since."""
    g = glossary_mod.load(store)
    if not len(g):
        return [], 0
    mem = tm.memory(store)
    assert mem is not None
    with mem.lock:
        tally = _tally(store, mem, g)
        out = [TermGroup(t, tally.rendered[t], tuple(sorted(mem.entries[i].pair_id for i in ids)))  # type: ignore[union-attr]
               for t, ids in tally.missing.items()]
    out.sort(key=lambda tg: (-len(tg.missing), tg.term.source))
    return out[:limit], len(out)


@dataclass(frozen=True)
class Line:
    """A concordance line: a decided pair, its Indonesian and decided English."""

    pair_id: str
    status: str
    source: str
    english: str


@dataclass
class _Haystack:
    """The casefolded Indonesian and English of the memory's entries in one string (appended to as entries
    come: entries never change), with where each entry starts, for :func:`concordance`."""

    generation: int = -1
    seen: int = 0
    text: str = ""
    starts: list[int] = field(default_factory=list)
    entry: list[int] = field(default_factory=list)


_HAYSTACKS: dict[str, _Haystack] = {}


def _haystack(store: Store, mem: tm.Memory) -> _Haystack:
    key = str(store.path)
    hay = _HAYSTACKS.get(key)
    if hay is None or hay.generation != mem.generation:
        hay = _HAYSTACKS[key] = _Haystack(mem.generation)
    parts: list[str] = []
    at = len(hay.text)
    for i in range(hay.seen, len(mem.entries)):
        e = mem.entries[i]
        if e is None:
            continue
        part = f"{e.source}\t{e.english}\n".casefold()
        hay.starts.append(at)
        hay.entry.append(i)
        parts.append(part)
        at += len(part)
    if parts:
        hay.text += "".join(parts)
    hay.seen = len(mem.entries)
    return hay


def concordance(store: Store, text: str, limit: int = 50) -> list[Line]:
    """Decided (accepted, edited) pairs whose Indonesian or decided English holds ``text`` (Unicode
    case-insensitive), at most ``limit``, by pair id.

    Read from the translation memory (:mod:`bitext.review.tm`: the decided pairs' texts, one casefolded
    string searched at C speed, ~1 ms for 20,000 pairs whatever the text), not the corpus's trigram index:
    that index holds every pair, so a common text's matches are mostly undecided pairs to skip (measured:
    ~140 ms for a word in 30 % of 200,000 pairs, ~50 ms for a phrase in 1.3 %)."""
    needle = " ".join(text.split()).casefold()
    if not needle:
        return []
    mem = tm.memory(store)
    assert mem is not None
    found: list[tm.Entry] = []
    with mem.lock:
        hay = _haystack(store, mem)
        pos = hay.text.find(needle)
        while pos >= 0 and len(found) < limit:
            k = bisect.bisect_right(hay.starts, pos) - 1
            e = mem.entries[hay.entry[k]]
            nxt = hay.starts[k + 1] if k + 1 < len(hay.starts) else len(hay.text)
            if e is not None:
                found.append(e)
            pos = hay.text.find(needle, nxt)
    fresh = tm.current(store, [e.pair_id for e in found])  # decided again or re-aligned since: as it is now
    out = [Line(e.pair_id, fresh[e.pair_id][2], e.source, e.english) for e in found
           if fresh.get(e.pair_id, ())[:2] == (e.source, e.english)]
    return sorted(out, key=lambda x: x.pair_id)


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
