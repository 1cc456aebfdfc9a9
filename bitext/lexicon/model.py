"""The corpus lexicon in memory: word translation probabilities both ways and abbreviation expansions,
as :func:`bitext.lexicon.load_lexicon` reads them from the store. Pure lookups, no SQL: the flag checks
use it in forked workers (loaded once per process) and on about 3,000 pairs per second."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bitext.lexicon.tokens import STOP_EN, STOP_ID, tokens

DIRECTIONS = ("id-en", "en-id")

PRESENT_MIN_P = 0.02
"""A translation this probable counts when :meth:`Lexicon.coverage` looks for it on the other side
(rarer links are mostly alignment noise)."""
MIN_WORD_COUNT = 3
"""Coverage judges a word only when the lexicon saw it aligned at least this often."""
EXPANSION_MIN_SHARE = 0.25
"""An expansion given for at least this share of an abbreviation's occurrences is 'consistent'."""


def _key(word: str) -> str:
    """The comparison form of a word for 'present on the other side': its first 5 letters for a word of 6
    or more (English 'houses'/'house', Indonesian 'bangunan'/'bangun'), else the word."""
    return word[:5] if len(word) >= 6 else word


def _keys(words: Iterable[str]) -> set[str]:
    return {w[:5] if len(w) >= 6 else w for w in words}


@dataclass
class Lexicon:
    """Word translations ``direction -> word -> {translation: p}`` (top-k, above the floor, most probable
    first) and abbreviations ``abbrev -> [(expansion, share, lang)]`` ('en': the English it is translated
    as; 'id': its long form found in the articles), with the ``signature`` they were built under."""

    table: dict[str, dict[str, dict[str, float]]]
    abbrevs: dict[str, list[tuple[str, float, str]]] = field(default_factory=dict)
    signature: str = ""
    counts: dict[str, dict[str, float]] = field(default_factory=dict)
    """direction -> word -> its aligned occurrences (links); coverage judges only words seen
    :data:`MIN_WORD_COUNT` times (a rarer word's translations are noise). Empty: every word is judged."""
    _present: dict[str, dict[str, frozenset[str]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # What coverage looks for, computed once: the comparison keys of each word's likely translations,
        # from both directions' tables (p(en | id) or p(id | en) at least PRESENT_MIN_P), for the words
        # seen often enough to be judged.
        likely: dict[str, dict[str, set[str]]] = {d: {} for d in DIRECTIONS}
        for d, words in self.table.items():
            back = DIRECTIONS[1 - DIRECTIONS.index(d)]
            for w, ts in words.items():
                for t, p in ts.items():
                    if p >= PRESENT_MIN_P:
                        likely[d].setdefault(w, set()).add(_key(t))
                        likely[back].setdefault(t, set()).add(_key(w))
        self._present = {}
        for d, words in likely.items():
            seen = self.counts.get(d)
            self._present[d] = {w: frozenset(ks) for w, ks in words.items()
                                if not seen or seen.get(w, 0) >= MIN_WORD_COUNT}

    def translations(self, word: str, direction: str = "id-en", top: int = 10) -> dict[str, float]:
        """The ``top`` most probable translations of ``word`` (any case) in ``direction`` ('id-en' or
        'en-id') with their probabilities p(translation | word); {} for a word the lexicon lacks."""
        _check_direction(direction)
        found = self.table.get(direction, {}).get(word.lower(), {})
        return dict(list(found.items())[:top])

    def coverage(self, source: str, target: str, direction: str = "id-en") -> tuple[float, list[str]]:
        """(share of the source's content words with a translation present in the target, those without).

        ``direction`` 'id-en': ``source`` is Indonesian. A word the lexicon does not know cannot be judged
        and is left out; a word written the same on both sides (a name) is present. A translation is
        present when either direction's table links the two words. 1.0 when no word could be judged.
        """
        judged, missing = self.coverage_counts(source, target, direction)
        return (1.0 - len(missing) / judged if judged else 1.0), missing

    def coverage_counts(self, source: str, target: str, direction: str = "id-en") -> tuple[int, list[str]]:
        """(content words of ``source`` the lexicon could judge, those without a translation in ``target``),
        each distinct word once, in source order."""
        _check_direction(direction)
        return self._coverage(tokens(source), _keys(tokens(target)), direction)

    def both_ways(self, indonesian: str, english: str) -> dict[str, tuple[int, list[str]]]:
        """:meth:`coverage_counts` of both directions ('id-en': the Indonesian words judged against the
        English, 'en-id': the other way), each text tokenised once (the adequacy check's hot path)."""
        id_words, en_words = tokens(indonesian), tokens(english)
        return {"id-en": self._coverage(id_words, _keys(en_words), "id-en"),
                "en-id": self._coverage(en_words, _keys(id_words), "en-id")}

    def _coverage(self, words: list[str], tgt: set[str], direction: str) -> tuple[int, list[str]]:
        present = self._present.get(direction, {})
        stop = STOP_ID if direction == "id-en" else STOP_EN
        judged, missing, seen = 0, [], set()
        for w in words:
            if w in stop or w in seen:
                continue
            seen.add(w)
            if (w[:5] if len(w) >= 6 else w) in tgt:  # written the same on both sides: a name, a loanword
                judged += 1
                continue
            known = present.get(w)
            if known is None:
                continue
            judged += 1
            if known.isdisjoint(tgt):
                missing.append(w)
        return judged, missing

    def expansions(self, abbrev: str) -> list[tuple[str, float]]:
        """The English that ``abbrev`` ('BPBD', 'Kemenlu'; as written) is translated as in this corpus, with
        the share of its occurrences, most frequent first; [] when none is known."""
        return [(e, s) for e, s, lang in self.abbrevs.get(abbrev, ()) if lang == "en"]

    def long_forms(self, abbrev: str) -> list[tuple[str, float]]:
        """The Indonesian long forms the articles give for ``abbrev`` ('Badan Penanggulangan Bencana Daerah'
        for 'BPBD'), with their shares."""
        return [(e, s) for e, s, lang in self.abbrevs.get(abbrev, ()) if lang == "id"]

    def renders(self, word: str, target: str) -> bool:
        """Whether ``target`` (English) holds what the corpus consistently translates the Indonesian
        ``word`` as: a likely word translation (p >= :data:`EXPANSION_MIN_SHARE`), a learned English
        expansion of it, or most content words' translations of its Indonesian long form."""
        tgt_words = tokens(target)
        tgt = _keys(tgt_words)
        low = word.lower()
        likely = [t for t, p in self.table.get("id-en", {}).get(low, {}).items()
                  if p >= EXPANSION_MIN_SHARE and t not in STOP_EN and t != low]
        if any(_key(t) in tgt for t in likely):
            return True
        for lang_expansions in (self.expansions(word), self.expansions(word.upper())):
            for expansion, share in lang_expansions:
                words = [w for w in tokens(expansion) if w not in STOP_EN]
                if share >= EXPANSION_MIN_SHARE and words and all(_key(w) in tgt for w in words):
                    return True
        for long_form, _share in self.long_forms(word):
            judged, missing = self.coverage_counts(long_form, target, "id-en")
            if judged >= 2 and len(missing) * 2 <= judged:
                return True
        return False

    def sizes(self) -> dict[str, int]:
        """Words per direction and abbreviations known."""
        out = {d: len(self.table.get(d, {})) for d in DIRECTIONS}
        out["abbreviations"] = len(self.abbrevs)
        return out


def _check_direction(direction: str) -> None:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")


def from_rows(counts: Iterable[tuple[str, str, str, float, float]],
              abbrevs: Iterable[tuple[str, str, str, float, float]], signature: str = "",
              top: int = 10) -> Lexicon:
    """A :class:`Lexicon` from stored rows: ``(direction, word, translation, count, word total)`` and
    ``(abbrev, lang, expansion, count, abbrev total)``; keeps each word's ``top`` translations."""
    table: dict[str, dict[str, dict[str, float]]] = {d: {} for d in DIRECTIONS}
    totals: dict[str, dict[str, float]] = {d: {} for d in DIRECTIONS}
    for d, w, t, c, total in counts:
        table[d].setdefault(w, {})[t] = c / total if total else 0.0
        totals[d][w] = total
    for words in table.values():
        for w, ts in words.items():
            words[w] = dict(sorted(ts.items(), key=lambda kv: (-kv[1], kv[0]))[:top])
    out: dict[str, list[tuple[str, float, str]]] = {}
    for a, lang, e, c, total in abbrevs:
        out.setdefault(a, []).append((e, c / total if total else 0.0, lang))
    for a in out:
        out[a].sort(key=lambda x: (-x[1], x[0]))
    return Lexicon(table, out, signature, totals)

