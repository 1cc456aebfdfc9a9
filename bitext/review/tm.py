"""Translation memory: for the pair on screen, the closest decided pairs of the corpus by fuzzy match on the
Indonesian, with the English to insert (numbers carried over by value).

The memory is the corpus's accepted and edited pairs (their Indonesian and the decided English), held in
this process (:class:`Memory`, one per store) with a word index: a lookup counts the candidates that
share the query's rarest words (a few posting lists, never the whole memory), scores the best of them with
rapidfuzz's ``ratio`` (the match %), and re-reads the winners from the store, so a pair decided again,
undone or re-aligned since is never offered with stale text. The memory follows the store by the review
log: each lookup reads the reviews written since it last looked (by id) and updates those pairs only.

:mod:`bitext.review.consistency` reads the same memory (which Indonesian has more than one English).
"""

from __future__ import annotations

import heapq
import re
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from rapidfuzz import fuzz

from bitext.lang.glossary import words
from bitext.lang.numbers import extract_numbers
from bitext.model import ACCEPTED, EDITED
from bitext.store import Store, _chunks

MIN_SCORE = 50.0
"""Lowest match % offered."""
SHOWN = 3
"""Matches shown (one key each: Alt+1 .. Alt+3)."""
CANDIDATES = 200
"""Candidates scored with rapidfuzz per lookup (those sharing most rare words)."""
POSTINGS_BUDGET = 20000
"""Posting-list entries counted per lookup beyond the first :data:`MIN_WORDS` rarest words."""
MIN_WORDS = 3
NUM = "#"
"""The index word every numeral becomes: a match that differs only in a number shares all its words."""
_DIGIT = re.compile(r"\d")
_NUMERAL = re.compile(r"\d+(?:[.,:]\d+)*")
DECIDED = (ACCEPTED, EDITED)

_ROWS = ("SELECT s.pair_id, s.status, s.kind, p.source, COALESCE(r.after, p.target) AS english"
         " FROM review_pair_state s JOIN pairs p ON p.id = s.pair_id LEFT JOIN reviews r ON r.id = s.review_id"
         f" WHERE s.status IN ('{ACCEPTED}', '{EDITED}')")


def index_words(text: str) -> set[str]:
    """The words a text is indexed by: casefolded, every numeral as :data:`NUM`."""
    return {NUM if _DIGIT.search(w) else w for _, _, w in words(text)}


@dataclass(frozen=True)
class Entry:
    """A decided pair as the memory holds it."""

    pair_id: str
    status: str
    kind: str
    source: str
    english: str


@dataclass
class Memory:
    """The decided pairs of one store with a word index (see the module docstring)."""

    entries: list[Entry | None] = field(default_factory=list)
    by_pair: dict[str, int] = field(default_factory=dict)
    postings: dict[str, list[int]] = field(default_factory=dict)
    by_source: dict[str, dict[int, str]] = field(default_factory=dict)
    """Normalised Indonesian -> {entry: English}: for :mod:`bitext.review.consistency`."""
    repeated: set[str] = field(default_factory=set)
    """The keys of :attr:`by_source` with more than one entry (kept as entries come and go)."""
    dropped: list[int] = field(default_factory=list)
    """Entries dropped, in order (readers keep a cursor into it); emptied with a rebuild."""
    generation: int = 0
    """Bumped by a rebuild (entries renumbered from 0): readers' caches start again."""
    watermark: int = -1
    version: int = 0
    """Bumped on every change: caches built on the memory compare it."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    building: bool = False
    built: bool = False
    """A background thread is building it (:func:`memory` with ``wait=False``)."""

    def _drop(self, pair_id: str) -> None:
        i = self.by_pair.pop(pair_id, None)
        if i is None:
            return
        e = self.entries[i]
        self.entries[i] = None  # its posting entries stay, and are skipped: lists are appended only
        self.dropped.append(i)
        if e is not None:
            key = norm(e.source)
            group = self.by_source.get(key)
            if group is not None:
                group.pop(i, None)
                if len(group) < 2:
                    self.repeated.discard(key)
                if not group:
                    del self.by_source[key]

    def _add(self, e: Entry) -> None:
        i = len(self.entries)
        self.entries.append(e)
        self.by_pair[e.pair_id] = i
        for w in index_words(e.source):
            self.postings.setdefault(w, []).append(i)
        key = norm(e.source)
        group = self.by_source.setdefault(key, {})
        group[i] = e.english
        if len(group) > 1:
            self.repeated.add(key)

    def refresh(self, conn: sqlite3.Connection) -> None:
        """Bring the memory up to the store's review log (under :attr:`lock`)."""
        top = conn.execute("SELECT MAX(id) FROM reviews").fetchone()[0]
        top = -1 if top is None else top
        if top == self.watermark:
            return
        if self.watermark < 0 or top < self.watermark:  # first use, or a log that shrank: read it all
            self.entries, self.by_pair, self.postings, self.by_source = [], {}, {}, {}
            self.repeated, self.dropped = set(), []
            self.generation += 1
            for r in conn.execute(_ROWS):
                self._add(Entry(*r))
            self.built = True
        else:
            changed = [r[0] for r in conn.execute("SELECT DISTINCT pair_id FROM reviews WHERE id > ?",
                                                  (self.watermark,))]
            for pid in changed:
                self._drop(pid)
            for r in _rows_of(conn, changed):
                self._add(Entry(*r))
        self.watermark = top
        self.version += 1

    def live(self) -> Iterable[Entry]:
        """Every decided pair held."""
        return (e for e in self.entries if e is not None)


def norm(text: str) -> str:
    """Whitespace collapsed: the form Indonesian and English are compared in."""
    return " ".join(text.split())


def _rows_of(conn: sqlite3.Connection, ids: list[str]) -> Iterable[sqlite3.Row]:
    """The :data:`_ROWS` of those of ``ids`` that are decided now, in slices under SQLite's variable limit."""
    for part in _chunks(ids):
        yield from conn.execute(f"{_ROWS} AND s.pair_id IN ({','.join('?' * len(part))})", part)


_MEMORIES: dict[str, Memory] = {}
_MEMORIES_LOCK = threading.Lock()
INLINE = 5000
"""Decided pairs up to which a first lookup builds the memory itself (~0.3 s); with more, a page does not
wait: a background thread builds it (~1.4 s per 20,000 decided pairs) and the page says it is loading."""


def _decided(store: Store) -> int:
    return store.conn.execute(f"SELECT COALESCE(SUM(n), 0) FROM review_counts WHERE status IN ('{ACCEPTED}',"
                              f" '{EDITED}')").fetchone()[0]


AFTER_BUILD: list[Callable[[Store, Memory], None]] = []
"""Called (under the memory's lock) after a background build: caches built on the memory warm up there
too (:mod:`bitext.review.consistency` registers its glossary tally), not on someone's first page."""


def _build(store: Store, mem: Memory) -> None:
    try:
        with mem.lock:
            mem.refresh(store.conn)  # (this thread's own connection)
            for warm in AFTER_BUILD:
                warm(store, mem)
    except Exception:  # noqa: BLE001 - the next page tries again (and a page that waits shows the error)
        pass
    finally:
        mem.building = False


def memory(store: Store, wait: bool = True) -> Memory | None:
    """The store's memory, brought up to date. The first use builds it: here when the corpus has at most
    :data:`INLINE` decided pairs or ``wait``; else in a background thread, and None until it is built."""
    key = str(store.path)
    with _MEMORIES_LOCK:
        mem = _MEMORIES.setdefault(key, Memory())
        if not mem.built and not wait:
            if mem.building:
                return None
            if _decided(store) > INLINE:
                mem.building = True
                threading.Thread(target=_build, args=(store, mem), name="bitext-tm", daemon=True).start()
                return None
    with mem.lock:
        mem.refresh(store.conn)
    return mem


@dataclass(frozen=True)
class Match:
    """A TM match: the decided pair, its match %, and the English to insert (numbers carried over)."""

    pair_id: str
    score: float
    source: str
    english: str
    insert: str
    carried: tuple[tuple[str, str], ...]
    """(the match's numeral, the numeral put in its place) per number carried over."""
    uncarried: tuple[str, ...]
    """Numbers of this Indonesian that differ from the match's and could not be put in the English."""
    repeats: int = 1
    """Decided pairs with this very Indonesian and English (shown once)."""


def _candidates(mem: Memory, source: str, exclude: str | None) -> list[int]:
    """Entries sharing the most of ``source``'s rarest words (at most :data:`CANDIDATES`)."""
    ws = sorted(index_words(source), key=lambda w: len(mem.postings.get(w, ())))
    counts: Counter[int] = Counter()
    spent = 0
    for n, w in enumerate(ws):
        plist = mem.postings.get(w)
        if not plist:
            continue
        if n >= MIN_WORDS and spent + len(plist) > POSTINGS_BUDGET:
            break
        counts.update(plist)
        spent += len(plist)
    skip = mem.by_pair.get(exclude) if exclude else None
    best = heapq.nlargest(CANDIDATES + 1, counts.items(), key=lambda kv: kv[1])
    return [i for i, _ in best if i != skip and mem.entries[i] is not None][:CANDIDATES]


def matches(store: Store, pair_id: str | None, source: str, limit: int = SHOWN,
            wait: bool = True) -> list[Match] | None:
    """The closest decided pairs to ``source`` (other than ``pair_id``), best first, at least
    :data:`MIN_SCORE` %; the same Indonesian with the same English is shown once (with ``repeats``).
    None while the memory is being built (``wait`` False, see :func:`memory`)."""
    if not source.strip():
        return []
    mem = memory(store, wait)
    if mem is None:
        return None
    with mem.lock:
        scored = []
        for i in _candidates(mem, source, pair_id):
            e = mem.entries[i]
            assert e is not None
            s = fuzz.ratio(source, e.source, score_cutoff=MIN_SCORE)
            if s:
                scored.append((s, e))
    scored.sort(key=lambda se: (-se[0], se[1].pair_id))
    out: list[Match] = []
    seen: dict[tuple[str, str], int] = {}
    fresh = current(store, [e.pair_id for _, e in scored[:limit * 4]])
    for s, e in scored:
        if len(out) >= limit and (norm(e.source), norm(e.english)) not in seen:
            continue
        if fresh.get(e.pair_id, ())[:2] != (e.source, e.english):
            continue  # decided again, undone or re-aligned since the memory looked
        key = (norm(e.source), norm(e.english))
        if key in seen:
            k = seen[key]
            out[k] = replace(out[k], repeats=out[k].repeats + 1)
            continue
        seen[key] = len(out)
        text, carried, uncarried = carry_numbers(e.source, e.english, source)
        out.append(Match(e.pair_id, round(s, 1), e.source, e.english, text, carried, uncarried))
    return out


def current(store: Store, ids: list[str]) -> dict[str, tuple[str, str, str]]:
    """(Indonesian, decided English, status) of those of ``ids`` that are decided now (accepted, edited)."""
    return {r[0]: (r[3], r[4], r[1]) for r in _rows_of(store.conn, ids)}


def _digits(text: str) -> str:
    m = _NUMERAL.search(text)
    return m.group(0) if m else ""


def _english_form(id_digits: str, old_id: str, old_en: str) -> str | None:
    """``id_digits`` (an Indonesian numeral) written the way the match wrote ``old_id`` in its English
    (``old_en``): as is, with the thousands/decimal marks swapped ('1.500,5' -> '1,500.5'), or a time's
    '.' as ':' -- whichever turns ``old_id`` into ``old_en``; None when none does."""
    for conv in (lambda s: s, lambda s: s.translate(str.maketrans(".,", ",.")), lambda s: s.replace(".", ":")):
        if conv(old_id) == old_en:
            return conv(id_digits)
    return None


def carry_numbers(match_source: str, match_english: str, source: str) -> tuple[str, tuple, tuple]:
    """The match's English with the numbers of ``source`` in place of the match's own, by value.

    The numerals of the two Indonesian texts are paired in order (when both hold as many); each that
    differs is looked up in the match's English by value (:func:`bitext.lang.numbers.extract_numbers`)
    and its digits replaced, written the way the match's English wrote them. Returns (English,
    ((old, new), ...) carried, (numeral, ...) that could not be carried: the reviewer is told)."""
    old_nums, new_nums = extract_numbers(match_source, "id"), extract_numbers(source, "id")
    if not old_nums and not new_nums:
        return match_english, (), ()
    if len(old_nums) != len(new_nums):
        return match_english, (), tuple(n.text for n in new_nums if not any(n.matches(o) for o in old_nums))
    en_nums = extract_numbers(match_english, "en")
    spans: list[tuple[int, int]] = []
    at = 0
    for n in en_nums:  # where each English numeral is (extract_numbers gives them in text order)
        k = match_english.find(n.text, at)
        spans.append((k, k + len(n.text)) if k >= 0 else (-1, -1))
        at = k + len(n.text) if k >= 0 else at
    used: set[int] = set()
    edits: list[tuple[int, int, str]] = []
    carried: list[tuple[str, str]] = []
    uncarried: list[str] = []
    for old, new in zip(old_nums, new_nums, strict=True):
        if old.values == new.values:
            continue
        j = next((j for j, e in enumerate(en_nums) if j not in used and spans[j][0] >= 0 and e.matches(old)), None)
        form = None
        if j is not None:
            old_en_digits = _digits(en_nums[j].text)
            form = _english_form(_digits(new.text), _digits(old.text), old_en_digits)
        if j is None or form is None:
            uncarried.append(new.text)
            continue
        used.add(j)
        start = spans[j][0] + en_nums[j].text.find(old_en_digits)
        edits.append((start, start + len(old_en_digits), form))
        carried.append((old_en_digits, form))
    text = match_english
    for start, end, form in sorted(edits, reverse=True):
        text = text[:start] + form + text[end:]
    return text, tuple(carried), tuple(uncarried)
