"""The language check: the target must be English."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bitext.flags.base import Check, CheckOptions, Measurement, PairView, option
from bitext.lang.langid import english_probability, english_probability_short
from bitext.lang.text import word_tuple, words
from bitext.model import ERROR

_NAME = re.compile(r"\b[A-Z][\w'’-]*")


def without_source_names(target: str, source: str) -> str:
    """``target`` without its capitalised words that also occur in the source ('Bank Indonesia (BI)'):
    names copied from an Indonesian source make an English sentence look Indonesian to language ID.
    Kept as is when fewer than three words would remain."""
    src = set(_NAME.findall(source))
    kept = _NAME.sub(lambda m: "" if m.group(0) in src else m.group(0), target)
    return " ".join(kept.split()) if len(words(kept)) >= 3 else target


class NotEnglish(Check):
    name = "not_english"
    description = "target is not English"
    direction = "below"

    @dataclass(frozen=True)
    class Options(CheckOptions):
        threshold: float = option(0.33)
        severity: str = option(ERROR)
        languages: tuple[str, ...] = option(("en", "id", "ms", "jv"), "languages")
        min_words: int = option(1, "non-negative integer", in_defaults=False)
        short_words: int = option(3, "non-negative integer")

    def measure(self, pair: PairView) -> Measurement | None:
        n = len(word_tuple(pair.target))
        if n < int(self.options.min_words):
            return None
        short = n <= int(self.options.short_words)
        ask = english_probability_short if short else english_probability
        p, best = ask(without_source_names(pair.target, pair.source), list(self.options.languages))
        return Measurement(p, {"best": best, "short": short})

    def reason(self, m: Measurement) -> str:
        how = "py3langid + lingua (short text)" if m.evidence["short"] else "language ID"
        return (f"{how} gives P(English) = {m.score:.2f} (most likely: {m.evidence['best']}); "
                f"fires {self.threshold_text()}")
