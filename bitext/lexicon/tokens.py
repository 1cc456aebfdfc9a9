"""Word tokens of the lexicon: lower-cased letter words (numbers and punctuation left out), the function
words that coverage ignores, and the shapes of Indonesian abbreviations."""

from __future__ import annotations

import re
from functools import lru_cache

from bitext.lang.names import kbbi_word

TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
"""A lexicon word: letters, inner hyphens kept ('undang-undang', 'well-known'); an apostrophe splits
("Indonesia's" -> 'indonesia', 's'), digits and punctuation are no words."""

STOP_ID = frozenset(
    """
    di ke dari dan yang pada untuk dengan oleh dalam itu ini para sang si atau tetapi namun juga akan telah
    sudah sedang masih bisa dapat harus ada adalah ialah merupakan tersebut karena sebagai bahwa agar supaya
    jika kalau maka saat ketika sejak hingga sampai antara tentang terhadap seperti lebih paling sangat
    pun lah kah nya mereka kami kita saya aku ia dia beliau anda kamu engkau nya se apa siapa mana bagaimana
    mengapa kapan tidak bukan belum jangan ya tak tanpa bagi per atas bawah serta lagi hanya saja pula
    yaitu yakni demikian begitu secara bahkan hal ketika setelah sebelum sesudah kepada daripada
    """.split()
)
STOP_EN = frozenset(
    """
    the a an of in on at to for from by with and or but nor so as than that this these those it its is are was
    were be been being am has have had do does did will would shall should can could may might must not no
    yes he she they we i you me him her them us my your his our their who whom whose which what when where
    why how there here then also very more most such into onto over under about after before between during
    through up down out off if because while though although since until just only s t too all any both each
    few other some own same again further once been being doing whether upon per via
    """.split()
)


def tokens(text: str) -> list[str]:
    """Lower-cased lexicon words of ``text`` (see :data:`TOKEN`); single letters are left out."""
    return [w for w in TOKEN.findall(text.lower()) if len(w) > 1]


def content(words: list[str], lang: str) -> list[str]:
    """``words`` without the function words of ``lang`` ('id' or 'en')."""
    stop = STOP_ID if lang == "id" else STOP_EN
    return [w for w in words if w not in stop]


_ACRONYM = re.compile(r"[A-Z][A-Z0-9]*[A-Z][A-Z0-9]*")
_SHORT_FORM = re.compile(r"[A-Z][a-z]{2,7}")


@lru_cache(maxsize=65536)
def is_abbreviation(word: str) -> bool:
    """Whether ``word`` (as written) has the shape of an Indonesian abbreviation: an acronym of 2-8
    capitals ('BPBD', 'KPK', 'PBB'), or a capitalised short word of 3-8 letters that is no KBBI word, affixes stripped
    ('Kemenlu', 'Dinkes', 'Polda'; a name such as 'Jokowi' has the same shape and simply learns itself)."""
    if 2 <= len(word) <= 8 and _ACRONYM.fullmatch(word):
        return True
    return bool(_SHORT_FORM.fullmatch(word)) and not kbbi_word(word.lower())
