"""Small text helpers shared by the checks: the word tokeniser, sentence ends, a comparison form."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

WORD = re.compile(r"[^\W\d_](?:[\w'’-]*\w)?")
"""A word: letters first, inner hyphens/apostrophes kept ('orang-orang', "don't")."""
_TERMINAL = re.compile(r"""[.!?…:;](?:["'”’»)\]]|\s)*$""")


def words(text: str) -> list[str]:
    """Word tokens of ``text`` (see :data:`WORD`); digits and punctuation are not words."""
    return WORD.findall(text)


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
    return [ch for ch in text if is_invisible(ch)]


def show_invisible(text: str) -> str:
    """``text`` with every :func:`is_invisible` character written out as ``⟨U+202E⟩``."""
    return "".join(f"⟨U+{ord(ch):04X}⟩" if is_invisible(ch) else ch for ch in text)


def repeat_run(tokens: Sequence[str], max_n: int) -> tuple[int, str]:
    """Longest run of an n-gram repeated back to back: (times in a row, the n-gram)."""
    best, gram = 1, ""
    for n in range(1, max_n + 1):
        for i in range(len(tokens) - 2 * n + 1):
            reps = 1
            while tokens[i + reps * n: i + (reps + 1) * n] == tokens[i: i + n]:
                reps += 1
            if reps > best:
                best, gram = reps, " ".join(tokens[i: i + n])
    return best, gram
