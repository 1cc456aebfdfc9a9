"""A small synthetic parallel corpus whose word translations and abbreviations are known exactly."""

from __future__ import annotations

import random

from bitext.lexicon.model import Lexicon, from_rows

WORDS = {
    "rumah": "house", "kucing": "cat", "anjing": "dog", "besar": "big", "kecil": "small", "merah": "red",
    "hijau": "green", "mobil": "car", "sungai": "river", "gunung": "mountain", "petani": "farmer",
    "guru": "teacher", "membeli": "bought", "melihat": "saw", "menjual": "sold", "membangun": "built",
}
NOUNS = ["rumah", "kucing", "anjing", "mobil", "sungai", "gunung"]
ADJS = ["besar", "kecil", "merah", "hijau"]
PEOPLE = ["petani", "guru"]
VERBS = ["membeli", "melihat", "menjual", "membangun"]


def sentence(rng: random.Random) -> tuple[str, str]:
    """'Petani itu membeli rumah besar.' / 'The farmer bought the big house.'"""
    p, v, n, a = rng.choice(PEOPLE), rng.choice(VERBS), rng.choice(NOUNS), rng.choice(ADJS)
    return (f"{p.capitalize()} itu {v} {n} {a}.", f"The {WORDS[p]} {WORDS[v]} the {WORDS[a]} {WORDS[n]}.")


def abbreviation_sentences(rng: random.Random) -> list[tuple[str, str]]:
    """Kemenlu rendered 'the Foreign Ministry'; BPBD spelt out once, then used alone."""
    out = [(f"Badan Penanggulangan Bencana Daerah (BPBD) melihat sungai {a}.",
            f"The Regional Disaster Management Agency (BPBD) saw the {WORDS[a]} river.") for a in ("besar", "kecil")]
    frames = [("Menurut {}, guru itu membeli {} {}.", "According to {}, the teacher bought the {} {}."),
              ("Hari ini {} mengatakan petani itu menjual {} {}.", "Today {} said the farmer sold the {} {}."),
              ("Kata {}, guru itu melihat {} {}.", "{} said the teacher saw the {} {}.")]
    for k in range(80):
        n, a = rng.choice(NOUNS), rng.choice(ADJS)
        src, tgt = frames[k % 3]
        who_id, who_en = ("Kemenlu", "the Foreign Ministry") if k % 2 else ("petani", "the farmer")
        tgt = tgt.format(who_en, WORDS[a], WORDS[n])
        out.append((src.format(who_id, n, a), tgt[0].upper() + tgt[1:]))
    return out


def corpus(n: int, seed: int = 1) -> list[tuple[str, str]]:
    """``n`` distinct pairs (more are drawn than kept: duplicates are left out), abbreviations first."""
    rng = random.Random(seed)
    out: dict[tuple[str, str], None] = dict.fromkeys(abbreviation_sentences(rng))
    for k in range(20 * n):
        if len(out) >= n:
            break
        src, tgt = sentence(rng)
        # A number keeps sentences distinct (numbers are no lexicon words).
        out[(src[:-1] + f" {k}.", tgt[:-1] + f" {k}.")] = None
    return list(out)


def small_lexicon() -> Lexicon:
    """A lexicon made from rows (exact numbers): WORDS both ways, Kemenlu, Dinkes and BPBD."""
    pairs = dict(WORDS) | {"kementerian": "ministry", "kesehatan": "health"}
    counts = [("id-en", i, e, 9.0, 10.0) for i, e in pairs.items()] + [
        ("en-id", e, i, 9.0, 10.0) for i, e in pairs.items()] + [("id-en", "kemenlu", "ministry", 3.0, 10.0)]
    abbrevs = [("Dinkes", "en", "health office", 8.0, 10.0), ("Dinkes", "en", "dinkes", 2.0, 10.0),
               ("BPBD", "id", "Badan Penanggulangan Bencana Daerah", 4.0, 4.0)]
    lex = from_rows(counts + [("id-en", "badan", "agency", 9.0, 10.0), ("id-en", "bencana", "disaster", 9.0, 10.0),
                              ("id-en", "penanggulangan", "management", 9.0, 10.0)], abbrevs)
    return lex
