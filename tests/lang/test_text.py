"""The small text helpers the checks share: tokens, back-to-back repeats, invisible characters."""

from __future__ import annotations

import random
import unicodedata

import pytest

from bitext.lang.text import invisible_chars, lower_words, repeat_run, word_tuple, words


def _repeat_run_by_copies(tokens: list[str], max_n: int) -> tuple[int, str]:
    """The plain definition: for each n-gram, compare copy after copy (what repeat_run must equal)."""
    best, gram = 1, ""
    for n in range(1, max_n + 1):
        for i in range(len(tokens) - 2 * n + 1):
            reps = 1
            while tokens[i + reps * n: i + (reps + 1) * n] == tokens[i: i + n]:
                reps += 1
            if reps > best:
                best, gram = reps, " ".join(tokens[i: i + n])
    return best, gram


def test_repeat_run_equals_comparing_copies():
    rng = random.Random(7)
    for _ in range(3000):
        tokens = [str(rng.randrange(rng.randint(1, 5))) for _ in range(rng.randint(0, 24))]
        n = rng.randint(0, 7)
        assert repeat_run(tokens, n) == _repeat_run_by_copies(tokens, n), (tokens, n)


def test_repeat_run_examples():
    assert repeat_run("the cat the cat the cat sat".split(), 6) == (3, "the cat")
    assert repeat_run("a b c d".split(), 6) == (1, "")
    assert repeat_run("no no no no".split(), 6) == (4, "no")
    assert repeat_run([], 6) == (1, "")


@pytest.mark.parametrize("text", ["plain ascii", "tab\there", "line\nbreak", "nbsp\u00a0here", "curly “quotes”",
                                  "bidi\u202eflip", "zero\u200bwidth", "bom\ufeff", "bell\x07", "c1\x85", "soft\u00ad"])
def test_invisible_chars_are_the_cc_and_cf_characters(text):
    want = [c for c in text if unicodedata.category(c) in ("Cc", "Cf") and c not in "\t\n"]
    assert invisible_chars(text) == want


def test_cached_word_tuples_equal_words():
    text = "Harga beras naik di Jakarta, kata warga Senin (3/5)."
    assert list(word_tuple(text)) == words(text)
    assert list(lower_words(text)) == [w.lower() for w in words(text)]
