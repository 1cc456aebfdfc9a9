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
# fine ('Rp1,5', 'COVID-19', 'G20'). An optional multiplier word follows.
_NUM = re.compile(
    r"(?<![\d.,:])(\d+(?:[.,:]\d+)*)(?:\s*(ribu|rb|juta|jt|miliar|milyar|triliun|thousand|million|mn|billion|bn|"
    r"trillion)\b)?(?:\s*([ap])\.?\s?m\b\.?)?",
    re.IGNORECASE,
)
_HOUR_MINUTE = re.compile(r"(\d{1,2})[.:](\d{2})")
_TIME_ID = re.compile(r"^(?:pukul|jam)\s*$", re.IGNORECASE)
_TZ_ID = re.compile(r"^\s*(?:WIB|WITA|WIT)\b")
_LETTERS = re.compile(r"[A-Za-z]+")

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
            # In its own locale '1.500' (id) / '1,500' (en) is a thousands group, not a decimal.
            out.discard(float(_reading(s, other, sep)))
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
        out.append(Number(m.group(0).strip(), frozenset(values)))
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
    """Numbers of the (Indonesian) source missing from the (English) target and vice versa."""
    src, tgt = extract_numbers(source, "id"), extract_numbers(target, "en")
    if not src and not tgt:
        return [], []  # most sentences: no need to look for spelt-out numbers
    miss_src, miss_tgt = _unmatched(src, tgt)
    # A digit on one side may be spelt out on the other ('3 orang' / 'three people').
    if miss_src:
        miss_src, _ = _unmatched(miss_src, extract_number_words(target, "en"))
    if miss_tgt:
        miss_tgt, _ = _unmatched(miss_tgt, extract_number_words(source, "id"))
    return miss_src, miss_tgt
