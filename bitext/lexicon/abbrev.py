"""Abbreviations learned from the text itself: long forms spelt out beside their acronym in an article
('Badan Penanggulangan Bencana Daerah (BPBD)', or 'BPBD (Badan ...)'), in the Indonesian and in the
English ('the Regional Disaster Management Agency (BPBD)'), and the English span a word aligner links an
abbreviation to."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from bitext.lexicon.tokens import STOP_EN, tokens

_CAP = r"[A-Z][\w'’-]*"
_LINK_ID = r"(?:dan|dari|untuk|&)"
_LINK_EN = r"(?:of|and|for|the|on|in|&)"
_ABBR = r"([A-Z][A-Za-z]{1,9})"
_ID_BEFORE = re.compile(rf"((?:{_CAP}\s+(?:{_LINK_ID}\s+)?){{0,8}}{_CAP})\s*\(\s*{_ABBR}\s*\)")
_ID_AFTER = re.compile(rf"\b{_ABBR}\s*\(\s*((?:{_CAP}\s+(?:{_LINK_ID}\s+)?){{0,8}}{_CAP})\s*\)")
_EN_BEFORE = re.compile(rf"((?:{_CAP}\s+(?:{_LINK_EN}\s+)?){{0,8}}{_CAP})\s*\(\s*{_ABBR}\s*\)")
_CONNECTIVES = {"dan", "dari", "untuk", "&", "of", "and", "for", "the", "on", "in"}
MAX_SPAN = 6
"""Longest English span (in words) taken as an abbreviation's translation."""


def _initials_fit(abbrev: str, words: Sequence[str]) -> bool:
    """The abbreviation's letters, in order, within the long form (greedily, word after word), starting
    in the first word's first letters, and at least half of the content words contributing a letter
    ('BPBD' / 'Badan Penanggulangan Bencana Daerah', 'Kemenlu' / 'Kementerian Luar Negeri')."""
    letters = abbrev.lower()
    content = [w.lower() for w in words if w.lower() not in _CONNECTIVES]
    if not content or len(content) > len(letters):
        return False
    # An acronym starts with the first letter; a syllable abbreviation may start inside the first
    # syllable ('Polda' = kePOLisian DAerah).
    first = content[0].find(letters[0])
    if first < 0 or first > (0 if abbrev.isupper() else 2):
        return False
    content[0] = content[0][first:]
    k = contributing = 0
    for word in content:
        took = False
        for ch in word:
            if k < len(letters) and ch == letters[k]:
                k, took = k + 1, True
        contributing += took
    return k == len(letters) and 2 * contributing >= len(content)


def _fitting_suffix(abbrev: str, long_form: str) -> str | None:
    """The shortest tail of a capitalised run that spells ``abbrev`` (None when none does)."""
    words = long_form.split()
    for k in range(1, len(words) + 1):
        tail = words[-k:]
        if tail[0].lower() in _CONNECTIVES:
            continue
        if len(tail) >= 2 or not abbrev.isupper():
            if _initials_fit(abbrev, tail):
                return " ".join(tail)
    return None


def indonesian_long_forms(text: str) -> Iterator[tuple[str, str]]:
    """(abbreviation, Indonesian long form) spelt out in ``text``, either order."""
    for m in _ID_BEFORE.finditer(text):
        found = _fitting_suffix(m.group(2), m.group(1))
        if found:
            yield m.group(2), found
    for m in _ID_AFTER.finditer(text):
        words = m.group(2).split()
        if _initials_fit(m.group(1), words):
            yield m.group(1), " ".join(words)


def english_long_forms(english: str, abbreviations: set[str]) -> Iterator[tuple[str, str]]:
    """(abbreviation, English long form) where ``english`` writes a capitalised name followed by one of
    the source's ``abbreviations`` in brackets ('the Regional Disaster Management Agency (BPBD)')."""
    for m in _EN_BEFORE.finditer(english):
        if m.group(2) not in abbreviations:
            continue
        words = tokens(m.group(1))
        while words and words[0] in STOP_EN:
            words.pop(0)
        if len(words) >= 2:
            yield m.group(2), " ".join(words)


def aligned_span(position: int, links: Sequence[tuple[int, int]], target: Sequence[str]) -> str | None:
    """The English a word aligner links source word ``position`` to: the longest run of linked target
    words (a gap of one function word allowed: 'ministry [of] health'; a stray link elsewhere is dropped)
    and the unlinked content words beside it, at most :data:`MAX_SPAN` words, without leading or trailing
    function words; None when nothing is linked."""
    js = sorted({j for i, j in links if i == position and j < len(target)})
    runs: list[list[int]] = []
    for j in js:
        if runs and j - runs[-1][-1] <= 2 and all(target[k] in STOP_EN for k in range(runs[-1][-1] + 1, j)):
            runs[-1].append(j)
        else:
            runs.append([j])
    best = max(runs, key=lambda r: (sum(target[k] not in STOP_EN for k in r), -r[0]), default=None)
    if best is None:
        return None
    # Content words beside a run with a content word, that no source word is linked to, belong to it: the
    # aligner often leaves the second word of a multi-word rendering unlinked ('foreign [ministry]').
    linked = {j for _, j in links}
    lo, hi = best[0], best[-1]
    grow = any(target[k] not in STOP_EN for k in best)
    while grow and hi + 1 < len(target) and hi + 1 not in linked and target[hi + 1] not in STOP_EN:
        hi += 1
    while grow and lo > 0 and lo - 1 not in linked and target[lo - 1] not in STOP_EN:
        lo -= 1
    if hi - lo >= MAX_SPAN:
        return None
    whole = list(target[lo: hi + 1])
    span = list(whole)
    while span and span[0] in STOP_EN:
        span.pop(0)
    while span and span[-1] in STOP_EN:
        span.pop()
    # Nothing but function words: the rendering is one ('AS' -> 'us'), keep it.
    return " ".join(span or whole) or None
