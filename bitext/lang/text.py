"""Small text helpers shared by the checks: the word tokeniser, sentence ends, a comparison form."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

WORD = re.compile(r"[^\W\d_](?:[\w'’-]*\w)?")
"""A word: letters first, inner hyphens/apostrophes kept ('orang-orang', "don't")."""
_TERMINAL = re.compile(r"""[.!?…:;](?:["'”’»)\]]|\s)*$""")


def words(text: str) -> list[str]:
    """Word tokens of ``text`` (see :data:`WORD`); digits and punctuation are not words."""
    return WORD.findall(text)


@lru_cache(maxsize=256)
def word_tuple(text: str) -> tuple[str, ...]:
    """:func:`words` of ``text`` as a tuple, cached: the review checks of one pair tokenise its source and
    target several times (length, copy, repetition, language ID)."""
    return tuple(WORD.findall(text))


@lru_cache(maxsize=256)
def lower_words(text: str) -> tuple[str, ...]:
    """:func:`words` of ``text`` lower-cased, cached like :func:`word_tuple`."""
    return tuple(w.lower() for w in word_tuple(text))


def ends_sentence(text: str) -> bool:
    """True when ``text`` ends like a sentence (terminal mark, maybe followed by closing quotes)."""
    return bool(_TERMINAL.search(text.strip()))


def norm(text: str) -> str:
    """``text`` with runs of whitespace made one space and case folded (for equality tests)."""
    return " ".join(text.split()).casefold()


def is_invisible(ch: str) -> bool:
    """A bidi control, zero-width character, BOM, soft hyphen or other control character (not tab or
    newline): what a plain rendering hides, and what can reverse the text around it."""
    return unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\t\n"


def invisible_chars(text: str) -> list[str]:
    """The :func:`is_invisible` characters of ``text``, in order."""
    if text.isprintable():
        return []  # str.isprintable() is False for every Cc and Cf character: the common case, in C
    return [ch for ch in text if is_invisible(ch)]


def show_invisible(text: str) -> str:
    """``text`` with every :func:`is_invisible` character written out as ``⟨U+202E⟩``."""
    return "".join(f"⟨U+{ord(ch):04X}⟩" if is_invisible(ch) else ch for ch in text)


def repeat_run(tokens: Sequence[str], max_n: int) -> tuple[int, str]:
    """Longest run of an n-gram repeated back to back: (times in a row, the n-gram).

    The first n-gram (smallest n, then leftmost) reaching the longest run wins; (1, '') when nothing
    repeats. For each n, ``match[j]`` (tokens j and j + n agree) is summed into runs from the right:
    the n-gram at i repeats 1 + run(i) // n times, which equals comparing copy after copy.
    """
    size = len(tokens)
    if len(set(tokens)) == size:
        return 1, ""  # a back-to-back repeat needs a token seen twice (most sentences: none)
    best, gram = 1, ""
    for n in range(1, min(max_n, size // 2) + 1):
        run = 0
        runs = [0] * (size - n)
        for j in range(size - n - 1, -1, -1):
            run = run + 1 if tokens[j] == tokens[j + n] else 0
            runs[j] = run
        top, at = 1, -1
        for i in range(size - 2 * n + 1):
            reps = 1 + runs[i] // n
            if reps > top:
                top, at = reps, i
        if top > best:
            best, gram = top, " ".join(tokens[at: at + n])
    return best, gram
