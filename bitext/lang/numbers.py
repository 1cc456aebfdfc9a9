"""Indonesian and English numbers: one home for reading numerals in either convention.

Indonesian writes ``1.500,5`` for English ``1,500.5``. Both users read a numeral through the same
core, :func:`_reading` (a numeral under one thousands/decimal convention -> its canonical digits):

- alignment (:func:`normalize_number`) wants canonical strings to use as anchors, and keeps both
  readings of an ambiguous token, since the text may follow the other convention;
- the review flags (:func:`numeral_values`, :func:`extract_numbers`, :func:`compare_numbers`) want
  values to match across the two sides of a pair, with multipliers ('2 juta'), times ('10.00 WIB')
  and spelt-out numbers ('dua puluh lima', 'three').
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bitext.lang.units import same_quantity, unit_after

SEPARATORS = {"id": (".", ","), "en": (",", ".")}
"""(thousands, decimal) separator of each language; any other language reads as English."""


def _separators(lang: str) -> tuple[str, str]:
    return SEPARATORS["id"] if lang == "id" else SEPARATORS["en"]


def _reading(token: str, thousands: str, decimal: str) -> str:
    """Canonical digits of ``token`` read with these separators ('1.500,50' -> '1500.5'); '' when it
    is not a number under this convention ('1.2.3' with '.' as the decimal mark: a version, a date)."""
    if token.count(decimal) > 1:
        return ""
    whole, _, frac = token.partition(decimal)
    whole = whole.replace(thousands, "")
    if not whole.isdigit() or (frac and not frac.isdigit()):
        return ""
    whole = whole.lstrip("0") or "0"
    frac = frac.rstrip("0")
    return f"{whole}.{frac}" if frac else whole


# -- alignment anchors --------------------------------------------------------------------------------

def normalize_number(token: str, lang: str) -> set[str]:
    """Canonical forms of a number token: ``'1.500,5'`` (id) and ``'1,500.5'`` (en) both give ``{'1500.5'}``.

    Indonesian writes ``.`` for thousands and ``,`` for decimals, English the reverse. A token whose only
    separator is followed by groups of exactly three digits (``1.500``, ``1,500``) is ambiguous when the
    text may use the other convention, so it yields both readings.
    """
    thousands, decimal = _separators(lang)
    out = {_reading(token, thousands, decimal)}
    seps = {c for c in token if c in ".,"}
    if len(seps) == 1:
        groups = re.split(r"[.,]", token)
        if all(len(g) == 3 for g in groups[1:]):
            out.add(_reading(token, decimal, thousands))
    out.discard("")
    return out


# -- values for the review flags ----------------------------------------------------------------------

_MULT = {
    "id": {"ribu": 1e3, "rb": 1e3, "juta": 1e6, "jt": 1e6, "miliar": 1e9, "milyar": 1e9, "triliun": 1e12},
    "en": {"thousand": 1e3, "million": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9, "trillion": 1e12},
}
# A numeral (digits with . , : groups) that is not glued to a preceding digit; letters before it are
# fine ('Rp1,5', 'COVID-19', 'G20'). An optional multiplier word follows. The leading (?=\d) changes no
# match (one starts with a digit anyway) but lets a position without a digit fail before the lookbehind.
_NUM = re.compile(
    r"(?=\d)(?<![\d.,:])(\d+(?:[.,:]\d+)*)(?:\s*(ribu|rb|juta|jt|miliar|milyar|triliun|thousand|million|mn|billion|bn|"
    r"trillion)\b)?(?:\s*([ap])\.?\s?m\b\.?)?",
    re.IGNORECASE,
)
_HOUR_MINUTE = re.compile(r"(\d{1,2})[.:](\d{2})")
_HHMM = re.compile(r"[012]\d[0-5]\d")
_TIME_ID = re.compile(r"^(?:pukul|jam)\s*$", re.IGNORECASE)
_TZ_ID = re.compile(r"^\s*(?:WIB|WITA|WIT)\b")
_LETTERS = re.compile(r"[A-Za-z]+")
_RANGE = re.compile(r"\s*(?:to|-|–|hingga|sampai|and|dan|or|atau)\s*\d[\d.,]*")
_TIME_AFTER = re.compile(r"^\s*(?:GMT|UTC|WIB|WITA|WIT|hrs|hours|h\b|local time|[A-Z][a-z]+ (?:[A-Z][a-z]+ )?Time)")

_ID_UNITS = {"nol": 0, "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7,
             "delapan": 8, "sembilan": 9, "sepuluh": 10, "sebelas": 11, "seratus": 100, "seribu": 1000,
             "sejuta": 1e6}
_ID_SCALES = {"belas": None, "puluh": 10, "ratus": 100, "ribu": 1e3, "juta": 1e6, "miliar": 1e9,
              "milyar": 1e9, "triliun": 1e12}
_EN_UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
             "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
             "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
             "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
             "dozen": 12, "a": 1}
_EN_SCALES = {"hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}


@dataclass(frozen=True)
class Number:
    """A numeral found in text: its surface form and the values it may stand for."""

    text: str
    values: frozenset
    unit: str | None = None
    """The canonical unit written after the numeral (:mod:`bitext.lang.units`), if any."""

    def matches(self, other: Number) -> bool:
        """True when the two may stand for the same value."""
        return bool(self.values & other.values)


def _grouped(s: str, sep: str) -> bool:
    """'1.500.000' with sep '.' -> True: every group after the first has 3 digits."""
    head, *rest = s.split(sep)
    return bool(rest) and 1 <= len(head) <= 3 and all(len(g) == 3 for g in rest)


def _pieces(s: str, pattern: str) -> set[float]:
    return {float(p) for p in re.split(pattern, s) if p}


def numeral_values(s: str, lang: str) -> set[float]:
    """Possible values of a bare numeral written in ``lang`` ('id' or 'en').

    Indonesian writes ``1.500,5`` for English ``1,500.5``; an ambiguous form ('1,500' in
    Indonesian text) yields both readings so a correct translation is never flagged for it. Unlike
    :func:`normalize_number`, '1.500' in its own locale (id) is only a thousands group.
    """
    thou, dec = _separators(lang)
    if ":" in s:
        return set()  # handled as a time by the caller
    if thou in s and dec in s:
        intpart, _, frac = s.rpartition(dec)
        if _grouped(intpart, thou) and frac.isdigit():
            return {float(_reading(s, thou, dec))}
        return _pieces(s, r"[.,]")  # odd mix: compare the pieces
    out: set[float] = set()
    for sep in (thou, dec):
        if sep not in s:
            continue
        other = dec if sep == thou else thou  # absent from s
        if _grouped(s, sep):
            out.add(float(_reading(s, sep, other)))  # thousands grouping in either locale
        if s.count(sep) == 1:
            out.add(float(_reading(s, other, sep)))  # decimal reading
        if not out:
            out |= _pieces(s, re.escape(sep))  # '1.2.3': version numbers, dates
        if sep == thou and _grouped(s, sep) and s.count(sep) == 1:
            # In its own locale '1.500' (id) / '1,500' (en) is a thousands group, not a decimal. When the
            # two readings are one value ('0,000') there is nothing to drop (dropping it raised ValueError).
            decimal = float(_reading(s, other, sep))
            if decimal != float(_reading(s, sep, other)):
                out.discard(decimal)
    if not out:
        out.add(float(s))
    return out


def _time_values(text: str, m: re.Match[str], lang: str) -> set[Any] | None:
    """Values of a numeral that reads as a time of day ('14.30 WIB', '10:00', '2:30 p.m.'), else None."""
    raw, mult_word, ampm = m.group(1), m.group(2), m.group(3)
    hm = _HOUR_MINUTE.fullmatch(raw)
    if not hm or int(hm.group(1)) > 24 or int(hm.group(2)) >= 60 or mult_word:
        return None
    before = text[: m.start()].split()[-1:] or [""]
    is_time = (
        ":" in raw
        or ampm is not None
        or (lang == "id" and (bool(_TIME_ID.match(before[0])) or bool(_TZ_ID.match(text[m.end():]))))
        or (lang == "id" and "." in raw)  # id decimals use ',', so 'hh.mm' is almost always a time
    )
    if not is_time:
        return None
    h, mi = int(hm.group(1)), int(hm.group(2))
    if ampm and ampm.lower() == "p" and h < 12:
        h += 12
    values: set[Any] = {("time", (h % 12) * 60 + mi)}
    if mi == 0:
        values.add(float(h % 12 or 12))
        values.add(float(h))
    return values


def extract_numbers(text: str, lang: str) -> list[Number]:
    """Numerals written with digits, normalised to values ('2 juta' -> 2e6, '10.00 WIB' -> 10:00).

    Times are kept as ('time', minutes after midnight or noon) so '14.30 WIB' matches '2:30 p.m.';
    a time on the hour also matches the bare hour ('10.00 WIB' vs 'at 10').
    """
    out: list[Number] = []
    if not _DIGIT.search(text):
        return out  # most sentences of a batch: no digit, nothing for the numeral pattern to find
    for m in _NUM.finditer(text):
        raw, mult_word, ampm = m.group(1), m.group(2), m.group(3)
        values = _time_values(text, m, lang)
        if values is None:
            values = _pieces(raw, ":") if ":" in raw else set(numeral_values(raw, lang))
            if ampm and not mult_word:
                h = next(iter(values))
                hh = int(h) % 12 + (12 if ampm.lower() == "p" else 0)
                values = {("time", (hh % 12) * 60), float(h), float(hh)}
            if mult_word:
                factor = _MULT["id"].get(mult_word.lower()) or _MULT["en"].get(mult_word.lower(), 1)
                values = {round(v * factor, 6) for v in values if isinstance(v, float)}
        hm = _HOUR_MINUTE.fullmatch(raw)
        if not any(isinstance(v, tuple) for v in values) and not mult_word:
            after = text[m.end():]
            if hm and int(hm.group(1)) <= 24 and int(hm.group(2)) < 60 and (
                raw.startswith("0") or _TIME_AFTER.match(after)
            ):
                # '09.48' or '20.30 local time' in English: a clock time written the Indonesian way.
                values = set(values) | {("time", (int(hm.group(1)) % 12) * 60 + int(hm.group(2)))}
            elif _HHMM.fullmatch(raw) and _TIME_AFTER.match(after) and int(raw[:2]) <= 24:
                values = set(values) | {("time", (int(raw[:2]) % 12) * 60 + int(raw[2:]))}  # '1200 GMT'
        unit = unit_after(text, m.end())
        if unit is None:  # a range takes the unit of its second number ('100 to 250 m', '5-10 km')
            rng = _RANGE.match(text, m.end())
            unit = unit_after(text, rng.end()) if rng else None
        out.append(Number(m.group(0).strip(), frozenset(values), unit))
    return out


def extract_number_words(text: str, lang: str) -> list[Number]:
    """Numbers spelt out ('dua puluh lima', 'two million'); used only to excuse a digit on the other side."""
    units, scales = (_ID_UNITS, _ID_SCALES) if lang == "id" else (_EN_UNITS, _EN_SCALES)
    words = [w.lower() for w in _LETTERS.findall(text)]
    out: list[Number] = []
    i = 0
    while i < len(words):
        if words[i] not in units or (words[i] == "a" and (i + 1 >= len(words) or words[i + 1] not in scales)):
            i += 1
            continue
        start, total, current = i, 0.0, float(units[words[i]])
        i += 1
        while i < len(words) and (words[i] in scales or words[i] in units) and words[i] != "a":
            w = words[i]
            if w == "belas":
                current += 10
            elif w in scales:
                f = scales[w]
                if f >= 1000:
                    total += current * f
                    current = 0.0
                else:
                    current *= f
            else:
                current += units[w]
            i += 1
        value = total + current
        out.append(Number(" ".join(words[start:i]), frozenset({round(value, 6)})))
    return out


def _unmatched(a: list[Number], b: list[Number]) -> tuple[list[Number], list[Number]]:
    """(numbers of ``a`` without a partner in ``b``, the partners of ``b`` left over); multiset matching."""
    free = list(b)
    left = []
    for n in a:
        hit = next((k for k, o in enumerate(free) if n.matches(o)), None)
        if hit is None:
            left.append(n)
        else:
            free.pop(hit)
    return left, free


def compare_numbers(source: str, target: str) -> tuple[list[Number], list[Number]]:
    """Numbers of the (Indonesian) source missing from the (English) target and vice versa.

    Digits are matched as values (id/en separators, multipliers, times); a digit may be spelt out on
    the other side; a quantity converted to another unit ('152 meter' / '500 feet') matches within
    rounding; scale words without digits ('jutaan' / 'millions', 'setengah' / 'half') are compared
    as magnitudes and reported only when the two sides contradict each other ('jutaan' / 'billions').
    """
    src, tgt = extract_numbers(source, "id"), extract_numbers(target, "en")
    scales_s, scales_t = extract_scale_words(source, "id"), extract_scale_words(target, "en")
    if not src and not tgt and not scales_s and not scales_t and not _SCALE_HINT.search(source + " " + target):
        return [], []  # most sentences: no need to look for spelt-out numbers
    miss_src, miss_tgt = _unmatched(src, tgt)
    # A digit on one side may be spelt out on the other ('3 orang' / 'three people').
    if miss_src:
        miss_src, _ = _unmatched(miss_src, extract_number_words(target, "en"))
    if miss_tgt:
        miss_tgt, _ = _unmatched(miss_tgt, extract_number_words(source, "id"))
    # A unit conversion: the number and its unit on one side, the converted number on the other.
    miss_src = [n for n in miss_src if not _converted(n, tgt)]
    miss_tgt = [n for n in miss_tgt if not _converted(n, src)]
    # Scale words: only a contradiction counts (a scale word may be left out or spelt in digits).
    if scales_s or scales_t:
        words_s, words_t = extract_number_words(source, "id"), extract_number_words(target, "en")
        # against the other side's digits that found no partner ('ribuan' / '6,387 km ... millions')
        left_s = _scales_left(scales_s, scales_t, miss_tgt + words_t)
        left_t = _scales_left(scales_t, scales_s, miss_src + words_s)
        if left_s and left_t:
            miss_src += left_s
            miss_tgt += left_t
    # Numbers spelt out on both sides ('dua juta' / 'two billion'): a contradiction counts.
    if not miss_src and not miss_tgt and _SCALE_HINT.search(source + " " + target):
        words_s, words_t = extract_number_words(source, "id"), extract_number_words(target, "en")
        if words_s and words_t:
            left_s, _ = _unmatched(words_s, words_t + tgt)
            left_t, _ = _unmatched(words_t, words_s + src)
            if left_s and left_t:
                miss_src += left_s
                miss_tgt += left_t
    return miss_src, miss_tgt


_SCALE_HINT = re.compile(r"\b(?:ribu|juta|miliar|milyar|triliun|thousand|million|billion|trillion)\b", re.IGNORECASE)
_DIGIT = re.compile(r"\d")  # the digits _NUM starts with


def _scales_left(scales: list[Number], other_scales: list[Number], other_numbers: list[Number]) -> list[Number]:
    """Scale words without a partner of the same magnitude on the other side (scale word or number)."""
    free = list(other_scales)
    left = []
    for sw in scales:
        (_, mag), = sw.values
        hit = next((k for k, o in enumerate(free) if o.values == sw.values), None)
        if hit is not None:
            free.pop(hit)
        elif not any(isinstance(v, float) and _magnitude(v) == mag for n in other_numbers for v in n.values):
            left.append(sw)
    return left


def _converted(n: Number, other: list[Number]) -> bool:
    """``n`` (with a unit) is the conversion of a number of the other side written with another unit."""
    if n.unit is None:
        return False
    for o in other:
        if o.unit is None:
            continue
        for a in n.values:
            for b in o.values:
                if isinstance(a, float) and isinstance(b, float) and same_quantity(a, n.unit, b, o.unit):
                    return True
    return False


# Scale words written without digits: plurals ('jutaan' = millions), fractions ('setengah' = half)
# and a bare scale after a vague quantifier ('beberapa juta' = several million). The value is a
# magnitude: 'jutaan' matches 'millions', '2 million' and '3,5 juta' alike (see Number.matches).
_SCALE_WORDS = {
    "id": {"puluhan": 10, "ratusan": 100, "ribuan": 1e3, "jutaan": 1e6, "miliaran": 1e9, "milyaran": 1e9,
           "triliunan": 1e12, "setengah": 0.5, "separuh": 0.5, "seperempat": 0.25, "ribu": 1e3, "juta": 1e6,
           "miliar": 1e9, "milyar": 1e9, "triliun": 1e12, "lusin": 12, "lusinan": 12},
    "en": {"tens": 10, "dozens": 12, "dozen": 12, "hundreds": 100, "thousands": 1e3, "millions": 1e6,
           "billions": 1e9, "trillions": 1e12, "half": 0.5, "quarter": 0.25, "thousand": 1e3, "million": 1e6,
           "billion": 1e9, "trillion": 1e12, "hundred": 100},
}  # fmt: skip


# A quick test for any word of a table, as the tokens below see words: whole runs of ASCII letters
# (re.ASCII, so IGNORECASE folds no non-ASCII letter into [A-Za-z]).
_SCALE_ANY = {lang: re.compile(r"(?<![A-Za-z])(?:" + "|".join(sorted(t, key=len, reverse=True)) + r")(?![A-Za-z])",
                               re.IGNORECASE | re.ASCII) for lang, t in _SCALE_WORDS.items()}

_ORDINALS = {"first", "second", "third", "fourth", "last", "final", "next", "other", "pertama", "kedua", "ketiga",
             "keempat", "terakhir"}


def _magnitude(v: float) -> float:
    """The scale of a value: 3.5e6 -> 1e6, 0.5 -> 0.5, 250 -> 100."""
    if 0 < v < 1:
        return round(v, 6)
    k = 1.0
    for scale in (1e12, 1e9, 1e6, 1e3, 100, 10):
        if v >= scale:
            k = scale
            break
    return k


def extract_scale_words(text: str, lang: str) -> list[Number]:
    """Scale words not attached to a digit or a number word ('jutaan', 'beberapa juta', 'half'), with
    their magnitude as value; '2 juta' and 'dua juta' are numbers, not scale words."""
    table = _SCALE_WORDS["id" if lang == "id" else "en"]
    if not _SCALE_ANY["id" if lang == "id" else "en"].search(text):
        return []  # no token of the table (the common case): skip tokenising
    units = _ID_UNITS if lang == "id" else _EN_UNITS
    toks = re.findall(r"\d[\d.,]*|[A-Za-z]+", text)
    out: list[Number] = []
    for k, tok in enumerate(toks):
        low = tok.lower()
        if low not in table:
            continue
        prev = toks[k - 1].lower() if k else ""
        fraction = low in ("half", "quarter")
        if prev in _ORDINALS or (fraction and k + 1 < len(toks) and toks[k + 1].lower() in ("final", "finals")):
            continue  # 'the second quarter', 'the first half', 'quarter final': not amounts
        if not fraction and (prev[:1].isdigit() or prev in units or prev in table or prev in ("a", "an", "se")):
            continue  # part of a number ('2 juta', 'dua juta', 'a million'); 'a quarter' is a fraction
        if low in ("hundred", "dozen") and lang != "id":
            continue  # 'a hundred' is a number word; bare 'hundred' is rare
        v = float(table[low])
        out.append(Number(tok, frozenset({("scale", _magnitude(v))})))
    return out
